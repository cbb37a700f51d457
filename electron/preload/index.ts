/**
 * The preload script: puts one object on `window.kaituhi`, a message channel for the typed API and
 * nothing else (no ipcRenderer, no channel names chosen by the page). Outgoing messages are validated
 * here too, so a bug in the page fails loudly at its own edge; main validates them again regardless.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNEL, type ClientMessage, type KaituhiBridge, type ServerMessage } from '../shared/api.js';
import { isServerMessage, parseClientMessage } from '../shared/validators.js';

const bridge: KaituhiBridge = {
  send(message: ClientMessage): void {
    const parsed = parseClientMessage(message);
    if (!parsed.ok) throw new Error(`kaituhi: refusing to send a malformed message: ${parsed.error}`);
    ipcRenderer.send(IPC_CHANNEL, parsed.value);
  },
  onMessage(listener: (message: ServerMessage) => void): () => void {
    const handler = (_event: IpcRendererEvent, message: unknown) => {
      if (isServerMessage(message)) listener(message);
    };
    ipcRenderer.on(IPC_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('kaituhi', bridge);

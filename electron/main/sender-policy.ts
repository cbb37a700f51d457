import { isAppUrl } from './url-policy.js';

/** What main knows about the frame an IPC message came from (Electron's WebFrameMain, reduced). */
export interface SenderFacts {
  /** null when the frame navigated or was destroyed before the message was handled. */
  readonly url: string | null;
  /** Whether it is the top frame of one of our windows, not an iframe inside it. */
  readonly isTopFrameOfAppWindow: boolean;
}

/** Only our own page, in the top frame of our own window, may talk to the services. */
export function isTrustedSender(sender: SenderFacts): boolean {
  return sender.url !== null && sender.isTopFrameOfAppWindow && isAppUrl(sender.url);
}

import type { appCalls } from '../../shared/calls/app.js';
import type { Handlers } from '../../shared/calls/define.js';
import type { AppServices } from '../app-services.js';

/** What each app call does (the arguments arrive parsed by the table's schemas). */
export const appHandlers: Handlers<typeof appCalls, AppServices> = {
  getSnapshot: (app) => app.snapshot(),
  saveSettings: (app, { settings }) => app.saveSettings(settings),
  countTokens: (app, { text }) => {
    const engine = app.engine.engine;
    if (!engine) throw new Error('No model is loaded.');
    return engine.countTokens(text);
  },
  prefill: (app, request) => app.cacheWarmer.warm(request),
  scoreText: (app, request, signal) => {
    const engine = app.engine.engine;
    if (!engine) throw new Error('No model is loaded.');
    return engine.score(request, signal);
  },
  inspectContext: (app, { request }) => {
    const engine = app.engine.engine;
    if (!engine) throw new Error('No model is loaded.');
    return engine.inspectContext(request);
  },
  restartEngine: (app) => {
    app.engine.restart();
    return null;
  },
  openExternal: async (app, { url }) => {
    const open = app.options.openExternal;
    if (!open) throw new Error('Opening links is not available here.');
    await open(url);
    return null;
  },
  chooseModelFolder: (app) => {
    const choose = app.options.chooseFolder;
    if (!choose) throw new Error('Type the model folder’s path; a browser cannot open a folder dialog here.');
    return choose();
  },
};

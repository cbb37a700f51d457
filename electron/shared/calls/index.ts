/** The whole API: the three domains' tables side by side, and what is derived from them. */
import { appCalls } from './app.js';
import type { CallOf, ClientOf, MethodOf, ResultsOf } from './define.js';
import { draftsCalls } from './drafts.js';
import { modelsCalls } from './models.js';

export { appCalls, draftsCalls, modelsCalls };

export const apiCalls = { ...appCalls, ...draftsCalls, ...modelsCalls };

export type ApiCalls = typeof apiCalls;
export type ApiCall = CallOf<ApiCalls>;
export type ApiMethod = MethodOf<ApiCalls>;
export type ApiResults = ResultsOf<ApiCalls>;

export type AppApi = ClientOf<typeof appCalls>;
export type DraftsApi = ClientOf<typeof draftsCalls>;
export type ModelsApi = ClientOf<typeof modelsCalls>;
export type DraftsCall = CallOf<typeof draftsCalls>;
export type DraftsMethod = MethodOf<typeof draftsCalls>;

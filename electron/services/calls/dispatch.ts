/**
 * Routes a validated call to its domain's handler. The handler tables are typed against the call tables
 * (shared/calls), so a method without a handler, or a handler that answers the wrong type, does not compile.
 */
import type { ApiCall, ApiMethod, ApiResults } from '../../shared/calls/index.js';
import type { AppServices } from '../app-services.js';
import { appHandlers } from './app-handlers.js';
import { draftsHandlers } from './drafts-handlers.js';
import { modelsHandlers } from './models-handlers.js';

type Handler = (args: object, signal: AbortSignal) => unknown;

/** Every method's handler, bound to the service of its domain. */
export function apiHandlers(services: AppServices): Readonly<Record<ApiMethod, Handler>> {
  const bind = <Ctx>(handlers: Readonly<Record<string, (ctx: Ctx, args: never, signal: AbortSignal) => unknown>>, ctx: () => Ctx) =>
    Object.fromEntries(
      Object.entries(handlers).map(([method, handle]) => [
        method,
        (args: object, signal: AbortSignal) => handle(ctx(), args as never, signal),
      ]),
    );
  return {
    ...bind(appHandlers, () => services),
    ...bind(draftsHandlers, () => services.drafts),
    ...bind(modelsHandlers, () => services.models),
  } as Record<ApiMethod, Handler>;
}

export async function dispatch(
  handlers: Readonly<Record<ApiMethod, Handler>>,
  call: ApiCall,
  signal: AbortSignal = new AbortController().signal,
): Promise<ApiResults[ApiMethod]> {
  const { method, ...args } = call;
  const handle = handlers[method];
  if (!handle) throw new Error(`unknown method ${method}`);
  return (await handle(args, signal)) as ApiResults[ApiMethod];
}

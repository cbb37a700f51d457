/**
 * How an API method is declared: the schema its arguments must pass and the type of what it answers. Each
 * domain (app, drafts, models) keeps its methods in one such table; everything else is derived from the
 * tables: the call union and its validator (validators.ts), the renderer's client (transport/api-client.ts)
 * and, through `Handlers`, the services' dispatch, which does not compile while a method lacks its handler.
 */
import { z } from 'zod';

export interface CallSpec<A extends z.ZodObject = z.ZodObject, R = unknown> {
  readonly args: A;
  /** Never set: it carries the result's type. */
  readonly result?: R;
}

/** `call({ id: draftIdSchema }).returns<OpenDraft>()`: the arguments (extra fields refused) and the answer. */
export function call<S extends z.ZodRawShape>(shape: S) {
  const args = z.object(shape).strict();
  return { returns: <R>(): CallSpec<typeof args, R> => ({ args }) };
}

export type CallTable = Readonly<Record<string, CallSpec>>;
export type MethodOf<T extends CallTable> = keyof T & string;
/** A method without arguments parses as `Record<string, never>`; as a type it is simply no fields. */
type Fields<A> = string extends keyof A ? Record<never, never> : A;
/** What the caller passes (before parsing). */
export type ArgsIn<T extends CallTable, M extends MethodOf<T>> = Fields<z.input<T[M]['args']>>;
/** What the handler receives (after parsing). */
export type ArgsOf<T extends CallTable, M extends MethodOf<T>> = Fields<z.output<T[M]['args']>>;
export type ResultOf<T extends CallTable, M extends MethodOf<T>> = T[M] extends CallSpec<z.ZodObject, infer R> ? R : never;

/** The messages a table's methods travel as: `{ method, ...args }`. */
export type CallOf<T extends CallTable> = { [M in MethodOf<T>]: { readonly method: M } & ArgsIn<T, M> }[MethodOf<T>];
export type ResultsOf<T extends CallTable> = { [M in MethodOf<T>]: ResultOf<T, M> };

/** How the caller may steer one call: an aborted signal sends `cancel` with the call's id (long work stops on it). */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

/** One function per method; methods without arguments may be called without any. */
export type ClientOf<T extends CallTable> = {
  readonly [M in MethodOf<T>]: keyof ArgsIn<T, M> extends never
    ? (args?: ArgsIn<T, M>, options?: CallOptions) => Promise<ResultOf<T, M>>
    : (args: ArgsIn<T, M>, options?: CallOptions) => Promise<ResultOf<T, M>>;
};

/**
 * One handler per method, each given its domain's service, the parsed arguments and a signal that fires when the
 * caller cancels the call or goes away (long work such as scoring a text stops on it; most handlers ignore it).
 */
export type Handlers<T extends CallTable, Ctx> = {
  readonly [M in MethodOf<T>]: (ctx: Ctx, args: ArgsOf<T, M>, signal: AbortSignal) => ResultOf<T, M> | Promise<ResultOf<T, M>>;
};

/** The validator of a table's messages: one strict object per method, told apart by `method`. */
export function callSchemaOf(table: CallTable) {
  const options = Object.entries(table).map(([method, spec]) => spec.args.extend({ method: z.literal(method) }));
  const [first, ...rest] = options;
  if (!first) throw new Error('an API table needs at least one method');
  return z.discriminatedUnion('method', [first, ...rest]);
}

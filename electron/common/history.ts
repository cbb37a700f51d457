/**
 * A draft's history tree (Loom's idea inside a normal editor): every suggestion shown, every candidate card,
 * every regenerate and every alternative picked is a node under the text position it continued. The renderer
 * and the drafts library hold the same tree and change it with the same operations (`applyHistoryOps`), so
 * the renderer never waits for a round trip and the library never trusts a tree it did not build itself.
 *
 * Positions are not stored as offsets (every keystroke earlier in the draft would move them): a node keeps
 * the text just before it (`before`), and is found again where that text stands (renderer/history).
 */
import { z } from 'zod';
import { GENERATION_LIMITS, samplerSchema } from './generation.js';

/** What made a node: ghost text shown, a candidate card, a card regenerated, an alternative picked on a word. */
export const HISTORY_KINDS = ['suggestion', 'card', 'regenerate', 'alternative'] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

export const HISTORY_LIMITS = {
  /** Nodes kept per draft; past this the oldest never-accepted leaves go first. */
  nodes: 1000,
  /** The text before a node that finds its place again. */
  beforeChars: 64,
  /** A card of 512 tokens in any script stays far below this. */
  nodeChars: 8000,
  /** Tokens of one node that keep their alternatives: a suggestion or card never has more. */
  tokensPerNode: GENERATION_LIMITS.maxTokens.max,
  /** Alternatives kept per token (the model's top ten). */
  alternatives: 10,
  /** One alternative's text: a token is a few bytes; a byte-level token may be a replacement character. */
  alternativeChars: 64,
  /**
   * Tokens keeping their alternatives across the whole tree, about 250 bytes each on disk: the newest
   * accepted text keeps them, the oldest give them up first (their marks stay; the hover then says so).
   */
  tokens: 4000,
  /** Operations in one call: an accepted suggestion is a split and an accept, a request shows up to 8 nodes. */
  opsPerCall: 64,
  /** Distinct sampler settings kept (one per node at the very most). */
  samplers: 1000,
} as const;
const L = HISTORY_LIMITS;

/** Node ids are chosen by the renderer: short, plain, never a path. */
export const historyIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/);
const time = z.number().int().min(0).max(8.64e15);
const logprob = z.number().finite().max(0);

/** One alternative the model weighed for a token: its text and natural-log probability. */
export const historyAlternativeSchema = z.tuple([z.string().max(L.alternativeChars), logprob]);
/**
 * One token of model-written text and what the model weighed there, compact because a draft keeps thousands:
 * [offset of the token's text in the node's text (UTF-16), log probability of the token written, the top
 * alternatives best first].
 */
export const historyTokenSchema = z.tuple([
  z.number().int().min(0).max(L.nodeChars),
  logprob,
  z.array(historyAlternativeSchema).max(L.alternatives),
]);
export type HistoryAlternative = z.infer<typeof historyAlternativeSchema>;
export type HistoryToken = z.infer<typeof historyTokenSchema>;

/** The sampler a node was written with: the preset's name when one was active, and the settings themselves. */
export const samplerUsedSchema = z.object({ preset: z.string().max(100).nullable(), settings: samplerSchema }).strict();
export type SamplerUsed = z.infer<typeof samplerUsedSchema>;

const nodeFields = {
  id: historyIdSchema,
  /** The node this one continued (its text ends where this one begins), or null for the writer's own text. */
  parent: historyIdSchema.nullable(),
  before: z.string().max(L.beforeChars),
  text: z.string().min(1).max(L.nodeChars),
  kind: z.enum(HISTORY_KINDS),
  created: time,
};

export const historyNodeSchema = z
  .object({
    ...nodeFields,
    /** Index into the tree's `samplers`. */
    sampler: z.number().int().min(0).max(L.samplers).nullable(),
    /** When it was last put into the text; null if it never was. */
    accepted: time.nullable(),
    /** Its tokens' alternatives, while it is accepted text (see HISTORY_LIMITS.tokens). */
    tokens: z.array(historyTokenSchema).max(L.tokensPerNode).optional(),
  })
  .strict();
export type HistoryNode = z.infer<typeof historyNodeSchema>;

export const historyTreeSchema = z
  .object({
    version: z.literal(1),
    /** Oldest first. */
    nodes: z.array(historyNodeSchema).max(L.nodes),
    samplers: z.array(samplerUsedSchema).max(L.samplers),
  })
  .strict();
export type HistoryTree = z.infer<typeof historyTreeSchema>;

export const newHistoryNodeSchema = z.object({ ...nodeFields, sampler: samplerUsedSchema.nullable() }).strict();
export type NewHistoryNode = z.infer<typeof newHistoryNodeSchema>;

export const historyOpSchema = z.discriminatedUnion('op', [
  /** Nodes just shown (a suggestion's alternatives, a batch of cards). */
  z.object({ op: z.literal('add'), nodes: z.array(newHistoryNodeSchema).min(1).max(GENERATION_LIMITS.candidates.max) }).strict(),
  /**
   * Cuts a node in two at `offset`: the first part keeps the id, the rest becomes `tailId`, a child of it that
   * takes over the node's children. Used when the writer accepts part of a suggestion, or picks an alternative
   * in the middle of accepted text.
   */
  z
    .object({ op: z.literal('split'), id: historyIdSchema, offset: z.number().int().min(1).max(L.nodeChars), tailId: historyIdSchema })
    .strict(),
  /** The node's text went into the draft at `time`; `tokens` are its alternatives to keep. */
  z
    .object({
      op: z.literal('accept'),
      id: historyIdSchema,
      time,
      tokens: z.array(historyTokenSchema).max(L.tokensPerNode).optional(),
    })
    .strict(),
]);
export type HistoryOp = z.infer<typeof historyOpSchema>;
export const historyOpsSchema = z.array(historyOpSchema).min(1).max(L.opsPerCall);

export function emptyHistory(): HistoryTree {
  return { version: 1, nodes: [], samplers: [] };
}

/** A refused operation: names what was wrong, so a renderer out of step knows to load the tree again. */
export class HistoryOpError extends Error {
  override name = 'HistoryOpError';
}

/**
 * The tree after `ops`, bounded: the one function both sides run. Never changes `tree`; throws HistoryOpError
 * (and changes nothing) if any operation does not fit the tree.
 */
export function applyHistoryOps(tree: HistoryTree, ops: readonly HistoryOp[]): HistoryTree {
  const nodes = tree.nodes.map((node) => ({ ...node }));
  const samplers = [...tree.samplers];
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const added = new Set<string>();
  const need = (id: string): HistoryNode => {
    const node = byId.get(id);
    if (!node) throw new HistoryOpError(`the history has no node “${id}”`);
    return node;
  };
  const fresh = (id: string): void => {
    if (byId.has(id)) throw new HistoryOpError(`the history already has a node “${id}”`);
  };
  for (const op of ops) {
    if (op.op === 'add') {
      for (const shown of op.nodes) {
        fresh(shown.id);
        if (shown.parent !== null) need(shown.parent);
        const node: HistoryNode = { ...shown, sampler: shown.sampler ? samplerIndex(samplers, shown.sampler) : null, accepted: null };
        nodes.push(node);
        byId.set(node.id, node);
        added.add(node.id);
      }
    } else if (op.op === 'split') {
      const node = need(op.id);
      fresh(op.tailId);
      if (op.offset >= node.text.length) throw new HistoryOpError(`cannot split “${op.id}” at or after its end`);
      const head = node.text.slice(0, op.offset);
      const tail: HistoryNode = {
        id: op.tailId,
        parent: node.id,
        before: (node.before + head).slice(-L.beforeChars),
        text: node.text.slice(op.offset),
        kind: node.kind,
        sampler: node.sampler,
        created: node.created,
        accepted: node.accepted,
      };
      if (node.tokens) {
        const rest = node.tokens
          .filter(([offset]) => offset >= op.offset)
          .map(([offset, lp, alts]): HistoryToken => [offset - op.offset, lp, alts]);
        node.tokens = node.tokens.filter(([offset]) => offset < op.offset);
        if (rest.length > 0) tail.tokens = rest;
      }
      for (const child of nodes) if (child.parent === node.id) child.parent = tail.id;
      node.text = head;
      // The tail goes right after its head: the order stays "oldest first" and a split never jumps the queue.
      nodes.splice(nodes.indexOf(node) + 1, 0, tail);
      byId.set(tail.id, tail);
    } else {
      const node = need(op.id);
      node.accepted = op.time;
      if (op.tokens) {
        if (op.tokens.some(([offset]) => offset >= node.text.length)) throw new HistoryOpError(`a token lies outside “${op.id}”`);
        node.tokens = op.tokens;
      }
    }
  }
  return bounded({ version: 1, nodes, samplers }, added);
}

/** Structural equality is enough: settings are small plain objects written in one key order (the schema's). */
function samplerIndex(samplers: SamplerUsed[], used: SamplerUsed): number {
  const key = JSON.stringify(used);
  const found = samplers.findIndex((existing) => JSON.stringify(existing) === key);
  if (found >= 0) return found;
  samplers.push(used);
  return samplers.length - 1;
}

/**
 * Keeps HISTORY_LIMITS: past the node bound, leaves are pruned (a node is only pruned once its children are),
 * never-accepted ones first, then the longest-ago accepted, oldest first within each, but never the nodes just
 * added (what the writer sees now must be in the tree); past the token bound, the longest-ago accepted nodes
 * give up their alternatives. Unused sampler entries are dropped.
 */
function bounded(tree: HistoryTree, keep: ReadonlySet<string> = new Set()): HistoryTree {
  let nodes = tree.nodes;
  if (nodes.length > L.nodes) {
    const children = new Map<string, number>();
    for (const node of nodes) if (node.parent !== null) children.set(node.parent, (children.get(node.parent) ?? 0) + 1);
    const removed = new Set<string>();
    // Sorted once: [never accepted, by creation] then [accepted, by acceptance]; a leaf made by a removal joins later passes.
    const order = [...nodes].sort(pruneOrder);
    while (nodes.length - removed.size > L.nodes) {
      const leaf = (node: HistoryNode) => !removed.has(node.id) && !children.get(node.id);
      // A forest always has a leaf; the nodes just added go only if nothing else is left to prune.
      const victim = order.find((node) => leaf(node) && !keep.has(node.id)) ?? order.find(leaf);
      if (!victim) break;
      removed.add(victim.id);
      if (victim.parent !== null) children.set(victim.parent, (children.get(victim.parent) ?? 1) - 1);
    }
    nodes = nodes.filter((node) => !removed.has(node.id));
  }
  let tokens = nodes.reduce((sum, node) => sum + (node.tokens?.length ?? 0), 0);
  if (tokens > L.tokens) {
    const holders = nodes.filter((node) => node.tokens).sort((a, b) => (a.accepted ?? -1) - (b.accepted ?? -1) || a.created - b.created);
    for (const node of holders) {
      if (tokens <= L.tokens) break;
      tokens -= node.tokens?.length ?? 0;
      delete node.tokens;
    }
  }
  return { ...tree, nodes, samplers: compactSamplers(nodes, tree.samplers) };
}

function pruneOrder(a: HistoryNode, b: HistoryNode): number {
  if ((a.accepted === null) !== (b.accepted === null)) return a.accepted === null ? -1 : 1;
  return (a.accepted ?? 0) - (b.accepted ?? 0) || a.created - b.created;
}

/** Drops sampler entries no node uses and renumbers the nodes' references (in place: the nodes are the caller's copies). */
function compactSamplers(nodes: HistoryNode[], samplers: readonly SamplerUsed[]): SamplerUsed[] {
  const used = new Map<number, number>();
  const kept: SamplerUsed[] = [];
  for (const node of nodes) {
    if (node.sampler === null) continue;
    let index = used.get(node.sampler);
    if (index === undefined) {
      const entry = samplers[node.sampler];
      if (!entry) {
        node.sampler = null;
        continue;
      }
      index = kept.length;
      kept.push(entry);
      used.set(node.sampler, index);
    }
    node.sampler = index;
  }
  return kept;
}

/** The settings a node was written with, or null. */
export function samplerOf(tree: HistoryTree, node: HistoryNode): SamplerUsed | null {
  return node.sampler === null ? null : (tree.samplers[node.sampler] ?? null);
}

/**
 * A tree read from disk, made consistent: the schema checked each field, this checks what fields cannot say
 * alone (ids unique, parents present and older, sampler and token references inside their lists). A file
 * edited by hand or half-synced loses the parts that do not fit, never the rest.
 */
export function repairHistory(tree: HistoryTree): HistoryTree {
  const seen = new Set<string>();
  const nodes: HistoryNode[] = [];
  for (const original of tree.nodes) {
    if (seen.has(original.id)) continue;
    const node = { ...original };
    if (node.parent !== null && !seen.has(node.parent)) node.parent = null;
    if (node.sampler !== null && node.sampler >= tree.samplers.length) node.sampler = null;
    if (node.tokens) {
      const inside = node.tokens.filter(([offset]) => offset < node.text.length);
      if (inside.length > 0) node.tokens = inside;
      else delete node.tokens;
    }
    seen.add(node.id);
    nodes.push(node);
  }
  return bounded({ version: 1, nodes, samplers: tree.samplers });
}

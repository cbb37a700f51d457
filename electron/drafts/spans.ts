import type { ModelSpan } from './metadata.js';

/**
 * Carries model-written spans across a change we did not see keystroke by keystroke (an outside edit,
 * a reload): spans before the changed region stay, spans after it shift, spans it touched are dropped
 * because we can no longer say who wrote that text.
 */
export function remapSpans(spans: readonly ModelSpan[], oldText: string, newText: string): ModelSpan[] {
  const max = Math.min(oldText.length, newText.length);
  let prefix = 0;
  while (prefix < max && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix))
    suffix++;
  const oldChangeEnd = oldText.length - suffix;
  const delta = newText.length - oldText.length;
  const out: ModelSpan[] = [];
  for (const s of spans) {
    if (s.end <= prefix) out.push({ ...s });
    else if (s.start >= oldChangeEnd) out.push({ start: s.start + delta, end: s.end + delta });
  }
  return out;
}

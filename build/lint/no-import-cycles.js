/**
 * Lint rule `kaituhi/no-import-cycles`: no module may import (through any chain of imports) a module that
 * imports it back. Unlike eslint-plugin-import's `no-cycle`, it counts type-only imports too: a type-only
 * cycle is still two rooms that each need the other to be understood (services/app-services.ts and
 * model-choices.ts were one). Imports are read with TypeScript's own pre-processor and resolved as the
 * project writes them (`./x.js` is `./x.ts` or `./x.tsx`); packages are outside the graph.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** file → { mtimeMs, deps } for files read from disk during this process. */
const graph = new Map();

function resolve(fromFile, specifier) {
  if (!specifier.startsWith('.')) return null;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const stem = base.replace(/\.(js|jsx|mjs|cjs)$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, base, path.join(base, 'index.ts')]) {
    if (/\.(ts|tsx)$/.test(candidate) && existsSync(candidate)) return candidate;
  }
  return null;
}

function importsIn(file, text) {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return [...new Set(importedFiles.map((imported) => resolve(file, imported.fileName)).filter((dep) => dep !== null))];
}

function depsOf(file) {
  let mtimeMs;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return [];
  }
  const cached = graph.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached.deps;
  const deps = importsIn(file, readFileSync(file, 'utf8'));
  graph.set(file, { mtimeMs, deps });
  return deps;
}

/** A chain of imports from `start` back to `target`, or null. */
function pathBack(start, target) {
  const seen = new Set();
  const stack = [[start, [start]]];
  while (stack.length > 0) {
    const [file, route] = stack.pop();
    if (file === target) return route;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const dep of depsOf(file)) stack.push([dep, [...route, dep]]);
  }
  return null;
}

export const noImportCycles = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles, type-only imports included (ARCHITECTURE.md, "Rooms and their doors").' },
    schema: [],
    messages: { cycle: 'Import cycle: {{route}}. Move the shared part where both can import it (often electron/common).' },
  },
  create(context) {
    const file = path.resolve(context.filename);
    const root = context.cwd;
    const check = (node) => {
      if (!node.source || typeof node.source.value !== 'string') return;
      const target = resolve(file, node.source.value);
      if (target === null) return;
      const route = pathBack(target, file);
      if (route === null) return;
      const names = [file, ...route].map((f) => path.relative(root, f));
      context.report({ node: node.source, messageId: 'cycle', data: { route: names.join(' → ') } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};

export default { rules: { 'no-import-cycles': noImportCycles } };

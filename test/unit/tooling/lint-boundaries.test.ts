/** The rooms of ARCHITECTURE.md are enforced by lint, not by good intentions: each room's rule fails on a forbidden import. */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function errors(code: string, filePath: string, ruleId = '@typescript-eslint/no-restricted-imports'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === ruleId).map((m) => m.message);
}

/** A value import of `room`'s front door from a probe file in `from` (a path under electron/). */
const valueImport = (room: string) => `import * as door from '../${room}/index.js';\nexport const x = door;\n`;
const typeImport = (room: string) => `import type * as door from '../${room}/index.js';\nexport type X = typeof door;\n`;

/** For every room: one room it may not import by value, and (where there is one) a room it may see only types of. */
const ROOM_RULES: { room: string; refused: string[]; typesOnly: string[]; allowed: string[] }[] = [
  { room: 'common', refused: ['engine', 'drafts', 'shared', 'disk'], typesOnly: [], allowed: [] },
  { room: 'disk', refused: ['drafts', 'store', 'engine'], typesOnly: [], allowed: ['common'] },
  { room: 'engine', refused: ['drafts', 'store', 'services', 'shared', 'disk'], typesOnly: [], allowed: ['common'] },
  { room: 'drafts', refused: ['store', 'services', 'shared'], typesOnly: ['engine'], allowed: ['common', 'disk'] },
  { room: 'store', refused: ['drafts', 'services', 'shared'], typesOnly: ['engine'], allowed: ['common', 'disk'] },
  { room: 'shared', refused: ['services', 'server', 'disk'], typesOnly: ['engine', 'drafts', 'store'], allowed: ['common'] },
  {
    room: 'services',
    refused: ['server', 'main', 'cli'],
    typesOnly: [],
    allowed: ['engine', 'drafts', 'store', 'shared', 'disk', 'common'],
  },
  { room: 'server', refused: ['main', 'cli', 'engine', 'drafts'], typesOnly: [], allowed: ['services', 'shared', 'common'] },
  { room: 'main', refused: ['cli', 'drafts', 'store'], typesOnly: [], allowed: ['services', 'shared', 'engine', 'server'] },
  { room: 'preload', refused: ['services', 'engine', 'main'], typesOnly: [], allowed: ['shared', 'common'] },
  { room: 'cli', refused: ['main', 'preload'], typesOnly: [], allowed: ['services', 'server', 'engine', 'store'] },
];

describe('room doors', () => {
  for (const { room, refused, typesOnly, allowed } of ROOM_RULES) {
    it(`electron/${room}: refuses ${[...refused, ...typesOnly].join(', ')} by value${typesOnly.length ? `, takes types from ${typesOnly.join(', ')}` : ''}`, async () => {
      const probe = `electron/${room}/probe.ts`;
      for (const other of [...refused, ...typesOnly]) {
        expect((await errors(valueImport(other), probe)).join(), `${room} → ${other}`).toMatch(
          new RegExp(`electron/${room} imports only itself`),
        );
      }
      for (const other of refused) expect((await errors(typeImport(other), probe)).length, `${room} → type ${other}`).toBe(1);
      for (const other of typesOnly) expect(await errors(typeImport(other), probe), `${room} → type ${other}`).toEqual([]);
      for (const other of allowed) expect(await errors(valueImport(other), probe), `${room} → ${other}`).toEqual([]);
    });
  }

  it('only electron/main and electron/preload import electron', async () => {
    const code = "import { app } from 'electron';\nexport const x = app;\n";
    for (const room of ['common', 'disk', 'engine', 'drafts', 'store', 'server', 'shared', 'services', 'cli']) {
      expect((await errors(code, `electron/${room}/probe.ts`)).join(), room).toMatch(
        /Only electron\/main and electron\/preload import electron/,
      );
    }
    expect(await errors(code, 'electron/main/probe.ts')).toEqual([]);
    expect(await errors(code, 'electron/preload/probe.ts')).toEqual([]);
  });

  it('electron/common is pure: no node: modules, no Node or DOM globals', async () => {
    expect((await errors("import fs from 'node:fs';\nexport const x = fs;\n", 'electron/common/probe.ts')).join()).toMatch(/pure/);
    for (const global of ['process.env.HOME', 'document.title', 'window.name', 'Buffer.from("x")']) {
      expect((await errors(`export const x = ${global};\n`, 'electron/common/probe.ts', 'no-restricted-globals')).join(), global).toMatch(
        /pure: no Node and no DOM/,
      );
    }
  });

  it('the renderer imports electron/common, and only types from electron/shared; no Node, no engine', async () => {
    expect((await errors("import fs from 'node:fs';\nexport const x = fs;\n", 'renderer/probe.ts')).join()).toMatch(/no Node/);
    expect(
      (
        await errors("import { loadEngine } from '../electron/engine/index.js';\nexport const x = loadEngine;\n", 'renderer/probe.ts')
      ).join(),
    ).toMatch(/imports electron\/common, and only types/);
    expect(
      (
        await errors(
          "import { parseClientMessage } from '../electron/shared/validators.js';\nexport const x = parseClientMessage;\n",
          'renderer/probe.ts',
        )
      ).join(),
    ).toMatch(/only types from electron\/shared/);
    expect(
      await errors("import type { KaituhiApi } from '../electron/shared/api.js';\nexport type X = KaituhiApi;\n", 'renderer/probe.ts'),
    ).toEqual([]);
    expect(
      await errors("import { countWords } from '../electron/common/word-count.js';\nexport const x = countWords;\n", 'renderer/probe.ts'),
    ).toEqual([]);
  });
});

describe('tests', () => {
  it('unit and DOM tests do not import e2e code', async () => {
    const code = "import { startApp } from '../../e2e/support/app.js';\nexport const x = startApp;\n";
    expect((await errors(code, 'test/unit/services/probe.test.ts')).join()).toMatch(/shared helpers live in test\/support/);
    expect((await errors(code, 'test/dom/probe.test.ts')).join()).toMatch(/shared helpers live in test\/support/);
    expect(
      await errors(
        "import { testModel } from '../../support/fixtures.js';\nexport const x = testModel;\n",
        'test/unit/services/probe.test.ts',
      ),
    ).toEqual([]);
  });
});

describe('import cycles', () => {
  it('refuse a cycle, type-only imports included', async () => {
    // model-choices.ts imports engine-supervisor.ts; an import back closes a circle.
    const code = "import type { ModelChoicesDeps } from './model-choices.js';\nexport type X = ModelChoicesDeps;\n";
    expect((await errors(code, 'electron/services/engine-supervisor.ts', 'kaituhi/no-import-cycles')).join()).toMatch(
      /Import cycle: electron\/services\/engine-supervisor\.ts → electron\/services\/model-choices\.ts → electron\/services\/engine-supervisor\.ts/,
    );
    expect(
      await errors(
        "import { ModelChoices } from './model-choices.js';\nexport const x = ModelChoices;\n",
        'electron/services/app-services.ts',
        'kaituhi/no-import-cycles',
      ),
    ).toEqual([]);
  });
});

describe('React hooks', () => {
  it('a memo whose dependencies are written by hand and miss one is refused', async () => {
    const code = [
      "import { useMemo } from 'react';",
      'export function useTotal(a: number, b: number): number {',
      '  return useMemo(() => a + b, [a]);',
      '}',
      '',
    ].join('\n');
    expect((await errors(code, 'renderer/probe.ts', 'react-hooks/exhaustive-deps')).join()).toMatch(/missing dependency: 'b'/);
  });
});

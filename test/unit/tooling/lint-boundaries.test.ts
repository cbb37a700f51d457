/** The room boundaries of DESIGN.md §2 are enforced by lint, not by good intentions. */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restrictedImportErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('room boundaries', () => {
  for (const room of ['engine', 'drafts', 'store', 'server', 'shared']) {
    it(`electron/${room} may not import electron`, async () => {
      const errors = await restrictedImportErrors("import { app } from 'electron';\nexport const x = app;\n", `electron/${room}/probe.ts`);
      expect(errors.join()).toMatch(/never import electron/);
    });
  }

  it('electron/main may import electron', async () => {
    expect(await restrictedImportErrors("import { app } from 'electron';\nexport const x = app;\n", 'electron/main/probe.ts')).toEqual([]);
  });

  it('the renderer imports no Node and no engine code, and only types from electron/shared', async () => {
    expect((await restrictedImportErrors("import fs from 'node:fs';\nexport const x = fs;\n", 'renderer/probe.ts')).join()).toMatch(
      /no Node/,
    );
    expect(
      (
        await restrictedImportErrors(
          "import { loadEngine } from '../../electron/engine/index.js';\nexport const x = loadEngine;\n",
          'renderer/probe.ts',
        )
      ).join(),
    ).toMatch(/only types/);
    expect(
      (
        await restrictedImportErrors(
          "import { DEFAULT_SAMPLER } from '../../electron/shared/api.js';\nexport const x = DEFAULT_SAMPLER;\n",
          'renderer/probe.ts',
        )
      ).join(),
    ).toMatch(/only types/);
    expect(
      await restrictedImportErrors(
        "import type { Engine } from '../../electron/shared/api.js';\nexport type X = Engine;\n",
        'renderer/probe.ts',
      ),
    ).toEqual([]);
  });
});

// Child process for the crash-safety test: saves alternating texts through the real DraftLibrary as
// fast as it can until the parent kills it with SIGKILL. Bundled to plain JS by the test so it starts fast.
import { DraftLibrary } from '../../../electron/drafts/library.js';
import { crashText } from './crash-text.js';
import { whole } from './helpers.js';

const [root, stateDir, id, startArg] = process.argv.slice(2) as [string, string, string, string];
const lib = new DraftLibrary({ root, stateDir, watch: null, autosaveDelayMs: 60_000, journalDelayMs: 60_000 });
await lib.boot();
await lib.buffers.open(id);
process.stdout.write('ready\n');
for (let i = Number(startArg); ; i++) {
  lib.buffers.edit(id, whole(crashText(i)));
  await lib.buffers.save(id);
}

/**
 * Other versions of an open draft: named snapshots (taken, compared, restored) and the writer's choice
 * in a conflict. Whatever a choice replaces is kept as a snapshot, so it can be undone.
 */
import { join } from 'node:path';
import type { LibraryContext } from './context.js';
import type { OpenDraft } from './draft-buffer.js';
import { checkId } from './draft-folder.js';
import type { OpenBuffers } from './open-buffers.js';
import { Snapshots, type SnapshotInfo } from './snapshots.js';
import { remapSpans } from './spans.js';
import { diffTexts, type TextDiff } from './text-diff.js';

export class DraftVersions {
  readonly #snapshots: Snapshots;

  readonly #ctx: LibraryContext;
  readonly #buffers: OpenBuffers;

  constructor(ctx: LibraryContext, buffers: OpenBuffers) {
    this.#ctx = ctx;
    this.#buffers = buffers;
    this.#snapshots = new Snapshots(ctx.fs, ctx.root);
  }

  #dir(id: string): string {
    return join(this.#ctx.root, id);
  }

  async snapshot(id: string, name: string): Promise<SnapshotInfo> {
    const b = await this.#buffers.load(checkId(id));
    return this.#snapshots.create(this.#dir(id), b.text, name, 'manual', this.#ctx.clock.now(), this.#buffers.storyOf(b));
  }

  async list(id: string): Promise<SnapshotInfo[]> {
    return this.#snapshots.list(this.#dir(checkId(id)));
  }

  /** Snapshot (old) against the current text, unsaved edits included (new). */
  async compare(id: string, snapshotId: string): Promise<TextDiff> {
    const b = await this.#buffers.load(checkId(id));
    const old = await this.#snapshots.read(this.#dir(id), snapshotId);
    return diffTexts(old, b.text);
  }

  /**
   * Replaces the text with a snapshot, and the memory, note and lorebook with the snapshot's where it kept them,
   * after snapshotting the current ones so the restore can be undone. The lorebook goes back where the draft keeps
   * its lorebook now: in a series, the series' file, which every draft of the series then uses.
   */
  async restore(id: string, snapshotId: string): Promise<OpenDraft> {
    const b = await this.#buffers.load(checkId(id));
    const old = await this.#snapshots.read(this.#dir(id), snapshotId);
    const story = await this.#snapshots.readStory(this.#dir(id), snapshotId);
    await this.#snapshots.create(
      this.#dir(id),
      b.text,
      'Before restoring a snapshot',
      'before-restore',
      this.#ctx.clock.now(),
      this.#buffers.storyOf(b),
    );
    // Offsets in the snapshot are not those of the current text; we cannot say who wrote what any more.
    this.#buffers.replaceText(b, old, []);
    if (story) await this.#buffers.setStory(b, story);
    await this.#buffers.save(id);
    return this.#buffers.view(b);
  }

  /** The writer's answer to a conflict. Whichever side loses is kept as a snapshot, so the choice can be undone. */
  async resolveConflict(id: string, keep: 'mine' | 'theirs'): Promise<OpenDraft> {
    const b = this.#buffers.buffer(id);
    const c = b.conflict;
    if (!c) return this.#buffers.view(b);
    const now = this.#ctx.clock.now();
    if (keep === 'mine') {
      await this.#snapshots.create(this.#dir(id), c.text, 'Outside edit (replaced by Kaituhi text)', 'outside-edit', now);
      b.disk = { hash: c.hash, mtimeMs: c.mtimeMs, size: c.size };
      b.conflict = null;
      this.#buffers.markDirty(b, true);
    } else {
      await this.#snapshots.create(this.#dir(id), b.text, 'Kaituhi text (replaced by outside edit)', 'before-reload', now);
      b.meta.modelSpans = remapSpans(b.meta.modelSpans, b.text, c.text);
      b.text = c.text;
      b.disk = { hash: c.hash, mtimeMs: c.mtimeMs, size: c.size };
      b.conflict = null;
      b.textDirty = false;
      this.#buffers.markDirty(b, false);
    }
    await this.#buffers.save(id);
    return this.#buffers.view(b);
  }
}

import { mkdir, readFile } from 'node:fs/promises';
import { replaceFileDurably } from './durable-file.js';
import { join } from 'node:path';
import { assertSnapshotName, type SnapshotStore } from '@parley/core';

/**
 * Snapshots as files beside the embedded log: `<dir>/<name>.snap`, one per name. `save` writes
 * `<name>.snap.tmp`, fsyncs it, renames it over the old file and fsyncs the directory, so a crash leaves
 * the old snapshot or the new one, whole. A `.tmp` left by a crash is overwritten by the next save.
 */
export class FileSnapshotStore implements SnapshotStore {
  constructor(private readonly dir: string) {}

  async load(name: string): Promise<Uint8Array | undefined> {
    assertSnapshotName(name);
    try {
      return await readFile(this.path(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async save(name: string, data: Uint8Array): Promise<void> {
    assertSnapshotName(name);
    await mkdir(this.dir, { recursive: true });
    await replaceFileDurably(this.path(name), data);
  }

  private path(name: string): string {
    return join(this.dir, `${name}.snap`);
  }
}

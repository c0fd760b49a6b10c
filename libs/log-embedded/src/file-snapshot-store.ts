import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
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
    const path = this.path(name);
    const tmp = `${path}.tmp`;
    const file = await open(tmp, 'w');
    try {
      for (let offset = 0; offset < data.byteLength; ) offset += (await file.write(data, offset, data.byteLength - offset)).bytesWritten;
      await file.sync();
    } catch (error) {
      await file.close();
      await rm(tmp, { force: true });
      throw error;
    }
    await file.close();
    await rename(tmp, path);
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  private path(name: string): string {
    return join(this.dir, `${name}.snap`);
  }
}

import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory, writeAll } from '@parley/core';

/**
 * Replaces the file at `path` with `bytes` so that a crash leaves the old file or the new one, whole:
 * writes `<path>.tmp`, fsyncs it, renames it over `path`, then fsyncs the directory (POSIX makes a
 * rename durable only once its directory is synced). A `.tmp` left by a crash is overwritten next time.
 */
export async function replaceFileDurably(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  const file = await open(tmp, 'w');
  try {
    await writeAll(file, bytes);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await file.close();
  await rename(tmp, path);
  await syncDirectory(dirname(path));
}

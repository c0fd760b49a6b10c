import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces the file at `path` with `bytes` so that a crash leaves the old file or the new one, whole:
 * writes `<path>.tmp`, fsyncs it, renames it over `path`, then fsyncs the directory (POSIX makes a
 * rename durable only once its directory is synced). A `.tmp` left by a crash is overwritten next time.
 */
export async function replaceFileDurably(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  const file = await open(tmp, 'w');
  try {
    for (let offset = 0; offset < bytes.byteLength;)
      offset += (await file.write(bytes, offset, bytes.byteLength - offset)).bytesWritten;
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await file.close();
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

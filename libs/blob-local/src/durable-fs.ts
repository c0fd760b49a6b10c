import { open, type FileHandle } from 'node:fs/promises';

/** Writes all of `chunk` at the file's position (a write may take fewer bytes than it was given). */
export async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let offset = 0; offset < chunk.byteLength;) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

/**
 * Fsyncs a directory, so that the entries created or renamed in it survive a power loss (POSIX makes a
 * rename durable only once its directory is synced, not the file).
 */
export async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

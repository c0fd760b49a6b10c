import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes in the files under `dir`, recursively. */
export async function du(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/**
 * The keys names are compared on. Both sides of a comparison go through the same function: the projector
 * when it writes a key column, a repository when it turns a caller's input into one.
 */

import { searchFold } from '@parley/protocol';

export { handleKey, searchFold } from '@parley/protocol';

/** A profile's search key: its handle and display name, folded, so `zoe` and `ZOE` find `Zoë`. */
export function profileSearchKey(handle: string, displayName: string): string {
  return searchFold(`${handle} ${displayName}`);
}

/** A LIKE pattern matching text that contains `text` (the wildcards in it escaped; `\` is the escape). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

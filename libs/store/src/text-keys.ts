/**
 * The keys names are compared on. Both sides of a comparison go through the same function: the projector
 * when it writes a key column, a repository when it turns a caller's input into one.
 */

export { handleKey } from '@parley/protocol';

/** Text folded for search: compatibility forms unified, lowercased, accents (combining marks) removed. */
export function searchFold(text: string): string {
  return text.normalize('NFKC').toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
}

/** A profile's search key: its handle and display name, folded, so `zoe` and `ZOE` find `Zoë`. */
export function profileSearchKey(handle: string, displayName: string): string {
  return searchFold(`${handle} ${displayName}`);
}

/** A LIKE pattern matching text that contains `text` (the wildcards in it escaped; `\` is the escape). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

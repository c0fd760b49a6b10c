/**
 * Conversation ids carry their kind: `d.<userA>.<userB>` (the two user ids sorted, so a pair has one
 * direct conversation), `g.<ulid>` for groups, `r.<name>` for open rooms (the name users join by).
 */
export const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** JSON Schema `pattern` of a conversation id; the frame schemas use it, CONVERSATION_ID is compiled from it. */
export const CONVERSATION_ID_PATTERN = '^(d\\.[A-Za-z0-9_-]{1,64}\\.[A-Za-z0-9_-]{1,64}|g\\.[A-Za-z0-9_-]{1,64}|r\\.[A-Za-z0-9_-]{1,64})$';
export const CONVERSATION_ID = new RegExp(CONVERSATION_ID_PATTERN);
/** JSON Schema `pattern` of a client-chosen message id (the dedupe key of a `send`). */
export const CLIENT_MSG_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$';
export const USERNAME = /^[a-z0-9_.-]{3,32}$/;

export function directConversationId(userA: string, userB: string): string {
  const [a, b] = [userA, userB].sort();
  return `d.${a}.${b}`;
}

export function roomConversationId(name: string): string {
  return `r.${name}`;
}

export function conversationKind(id: string): 'direct' | 'group' | 'room' | undefined {
  if (!CONVERSATION_ID.test(id)) return undefined;
  return id.startsWith('d.') ? 'direct' : id.startsWith('g.') ? 'group' : 'room';
}

/**
 * The largest seq (and any other count the log carries) a client may send: Avro `long` as avsc encodes a
 * JavaScript number without loss is at most 2^53 - 2. Validators and docs bound numeric fields to it.
 */
export const MAX_SEQ = 9_007_199_254_740_990;

/**
 * JSON Schema `pattern` of a profile handle: 3-32 letters, marks, digits, `_`, `.` or `-` of any script.
 * The server stores a handle in NFKC; two handles that are equal after NFKC and lowercasing are one name.
 */
export const HANDLE_PATTERN = '^[\\p{L}\\p{M}\\p{N}_.-]{3,32}$';
export const HANDLE = new RegExp(HANDLE_PATTERN, 'u');

/**
 * The key two handles collide on: NFKC, case-folded (upper- then lowercased, which also folds `ß` to `ss`
 * and final sigma), NFKC again: an approximation of Unicode's NFKC_Casefold that JavaScript can compute.
 * So `Alice`, `ALICE`, fullwidth `ａｌｉｃｅ` are one name, and so are `straße` and `STRASSE`. Lowercase
 * ASCII (every username) is its own key. The one definition: the deciders' streams and the store's key
 * columns both use it.
 */
export function handleKey(handle: string): string {
  return handle.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

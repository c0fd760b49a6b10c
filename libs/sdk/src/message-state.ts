import type { MessageFrame, SystemEntry } from '@parley/protocol';
import { systemEntryOf } from './system-entries.js';

/** One emoji's reactions to a message: how many, and who (profile ids). */
export interface Reaction {
  emoji: string;
  count: number;
  userIds: string[];
}

/** A pinned message of a conversation (GET /v1/conversations/{id}/pins): its seq, who pinned it, when. */
export interface Pin {
  message: number;
  pinnedBy: { id: string; username: string };
  pinnedAt: number;
}

/** Where a forwarded copy landed (POST .../messages/{seq}/forward). */
export interface ForwardedCopy {
  conversation: string;
  seq: number;
  id: string;
}

/**
 * A message with what later changes did to it, as history returns it (each field only when set) and as
 * `applyMessageChange` keeps it live: recalled (content "" and no body), edited (when), forwarded from
 * elsewhere, pinned, and its reactions.
 */
export type ChatMessage = MessageFrame & {
  recalled?: boolean;
  editedAt?: number;
  forwarded?: boolean;
  pinned?: boolean;
  reactions?: Reaction[];
};

/** The system entry events that change an earlier message (`message` names its seq). */
export const MESSAGE_CHANGE_EVENTS: ReadonlySet<SystemEntry['event']> = new Set(['recalled', 'edited', 'pinned', 'unpinned', 'reaction']);

/** A message-change system entry: the change and the seq of the message it changes. */
export type MessageChange = SystemEntry & { message: number };

/** The change a message-change system entry records; undefined for any other message or entry. */
export function messageChangeOf(m: Pick<MessageFrame, 'kind' | 'content'>): MessageChange | undefined {
  const entry = systemEntryOf(m);
  return entry && MESSAGE_CHANGE_EVENTS.has(entry.event) && typeof entry.message === 'number' ? (entry as MessageChange) : undefined;
}

/** Whether a message is a system entry that changes an earlier message (clients apply it rather than show it). */
export function isMessageChange(m: Pick<MessageFrame, 'kind' | 'content'>): boolean {
  return messageChangeOf(m) !== undefined;
}

/**
 * Applies a message-change system entry (`entry`, as it arrived live, on resume or in a page of history)
 * to the message it names in `messages` (ascending by seq), replacing that element with a changed copy.
 * Answers the changed message, or undefined when `entry` is no change or its message is not in the list.
 *
 * Safe to apply again (a resume that re-sends an entry, or an entry whose effect a history page already
 * shows): reactions count each profile once, an edit never goes back to an older text (by `editedAt`), and
 * recall (which also unpins), pin and unpin set a state. A history page's messages already show every change up to when it
 * was read; apply the entries that arrive after it.
 */
export function applyMessageChange<M extends ChatMessage>(messages: M[], entry: MessageFrame): M | undefined {
  const change = messageChangeOf(entry);
  if (!change) return undefined;
  const index = indexOfSeq(messages, change.message);
  const m = index < 0 ? undefined : messages[index];
  if (!m) return undefined;
  const next = withChange(m, change, entry.ts);
  if (next === m) return m;
  messages[index] = next;
  return next;
}

/** `m` with `change` applied (`m` itself when it changes nothing). */
export function withChange<M extends ChatMessage>(m: M, change: MessageChange, ts: number): M {
  switch (change.event) {
    case 'recalled': {
      if (m.recalled) return m;
      // A recall also unpins (the decider's rule).
      return without(without({ ...m, recalled: true, content: '' }, 'body'), 'pinned');
    }
    case 'edited': {
      if (m.recalled || (m.editedAt !== undefined && m.editedAt > ts)) return m;
      const body = change.body as MessageFrame['body'];
      return body === undefined ? without({ ...m, content: change.text ?? '', editedAt: ts }, 'body') : { ...m, content: change.text ?? '', body, editedAt: ts };
    }
    case 'pinned':
      return m.pinned ? m : { ...m, pinned: true };
    case 'unpinned':
      return m.pinned ? without({ ...m }, 'pinned') : m;
    case 'reaction':
      return withReaction(m, change.emoji ?? '', change.actor.id, change.removed !== true);
    default:
      return m;
  }
}

/**
 * `m` with `userId`'s reaction `emoji` added or taken back; each profile counts once per emoji. History
 * lists only the first few who reacted (`count` counts them all), so a change by someone past that list
 * is judged by the list: an approximation until the next page of history.
 */
export function withReaction<M extends ChatMessage>(m: M, emoji: string, userId: string, add: boolean): M {
  if (!emoji) return m;
  const reactions = m.reactions ?? [];
  const at = reactions.findIndex((r) => r.emoji === emoji);
  const current = reactions[at];
  const has = current?.userIds.includes(userId) ?? false;
  if (add === has) return m;
  let next: Reaction[];
  if (add) {
    next = current
      ? reactions.map((r, i) => (i === at ? { emoji, count: r.count + 1, userIds: [...r.userIds, userId] } : r))
      : [...reactions, { emoji, count: 1, userIds: [userId] }];
  } else {
    next = reactions
      .map((r, i) => (i === at ? { emoji, count: r.count - 1, userIds: r.userIds.filter((u) => u !== userId) } : r))
      .filter((r) => r.count > 0);
  }
  return next.length === 0 ? without({ ...m }, 'reactions') : { ...m, reactions: next };
}

/** `copy` without the optional field `key` (a field is left out rather than set to undefined, as on the wire). */
function without<M extends ChatMessage>(copy: M, key: 'body' | 'pinned' | 'reactions'): M {
  delete copy[key];
  return copy;
}

/** The index of the message `seq` in a list ascending by seq, or -1. */
function indexOfSeq(messages: readonly ChatMessage[], seq: number): number {
  let lo = 0;
  let hi = messages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = messages[mid]?.seq ?? 0;
    if (s === seq) return mid;
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return messages.findIndex((m) => m.seq === seq);
}

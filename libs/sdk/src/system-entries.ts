import { describeSystemEntry, parseSystemEntry, SYSTEM_KIND, type MessageFrame, type SystemEntry } from '@parley/protocol';

/** Whether a message is a system entry (a change to a group or room, written by the server, never acked). */
export function isSystemEntry(message: Pick<MessageFrame, 'kind'>): boolean {
  return message.kind === SYSTEM_KIND;
}

/** The change a system entry records; undefined for an ordinary message, or for an entry this SDK cannot read. */
export function systemEntryOf(message: Pick<MessageFrame, 'kind' | 'content'>): SystemEntry | undefined {
  return isSystemEntry(message) ? parseSystemEntry(message.content) : undefined;
}

/**
 * A system entry in plain English ("alice made bob an admin"); "an update" for one newer than this SDK
 * knows (show it rather than hide it: its seq is part of the timeline). Undefined for an ordinary message.
 */
export function systemEntryText(message: Pick<MessageFrame, 'kind' | 'content'>): string | undefined {
  if (!isSystemEntry(message)) return undefined;
  const entry = parseSystemEntry(message.content);
  return entry ? describeSystemEntry(entry) : 'an update';
}

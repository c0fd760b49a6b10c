import { handleKey } from '@parley/protocol';

/**
 * Streams are the log's keys. A conversation's stream is its id (`d.`, `g.`, `r.`, see @parley/protocol).
 * An account stream is `u.<name key>`: it holds the login registered under that username and its first
 * profile, or a further profile whose handle has that key. Usernames and handles share one namespace,
 * so a name is decided by one writer, and a handle that collides after normalization lands on the same
 * stream and is refused there.
 */
export function accountStream(handle: string): string {
  return `u.${handleKey(handle)}`;
}

/** The account stream of a username (usernames are lowercase ASCII, their own key). */
export function userStream(username: string): string {
  return accountStream(username);
}

export function isUserStream(stream: string): boolean {
  return stream.startsWith('u.');
}

export { handleKey };

/** Topic names; both have the same partition count, so a command's events land on its partition number. */
export const Topics = { commands: 'parley.commands', events: 'parley.events' } as const;

/**
 * The topics as created when missing: events are the source of truth and are kept forever; commands are
 * consumed within moments and kept a week.
 */
export function topicSpecs(partitions: number): Array<{ name: string; partitions: number; config: Record<string, string> }> {
  return [
    { name: Topics.commands, partitions, config: { 'retention.ms': String(7 * 24 * 3600 * 1000) } },
    { name: Topics.events, partitions, config: { 'retention.ms': '-1', 'retention.bytes': '-1' } },
  ];
}

/**
 * Streams are the log's keys. A conversation's stream is its id (`d.`, `g.`, `r.`, see @parley/protocol);
 * a user's account stream is `u.<username>`, so registration is decided by one writer per username.
 */
export function userStream(username: string): string {
  return `u.${username}`;
}

export function isUserStream(stream: string): boolean {
  return stream.startsWith('u.');
}

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

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

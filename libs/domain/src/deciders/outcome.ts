import type { EventPayload } from '@parley/schemas';

/** What a decider says of a command: the facts it causes, or why nothing changed (an error code and a message). */
export type Outcome = { readonly events: EventPayload[] } | { readonly code: string; readonly message: string };

export function accept(...events: EventPayload[]): Outcome {
  return { events };
}

export function reject(code: string, message: string): Outcome {
  return { code, message };
}

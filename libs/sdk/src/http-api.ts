/** HTTP API shapes live in @parley/protocol; re-exported for SDK users. */
export type { User, ConversationSummary, Member } from '@parley/protocol';

export class ParleyClientError extends Error {
  override readonly name = 'ParleyClientError';
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

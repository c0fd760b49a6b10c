/** Shapes of the HTTP API (docs/openapi.yaml). */
export interface User {
  id: string;
  username: string;
}

export interface ConversationSummary {
  id: string;
  kind: 'direct' | 'group' | 'room';
  name: string;
  lastSeq: number;
  readSeq: number;
  unread: number;
  memberCount: number;
  lastMessage: { at: number; preview: string; sender: string } | null;
  members?: User[];
}

export interface Member extends User {
  joinedAt: number;
  readSeq: number;
}

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

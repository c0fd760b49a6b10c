import { Type, type Static } from '@sinclair/typebox';
import { Millis } from '../fields.js';

/** The `{id}` of DELETE /v1/sessions/{id}: a session (token) id as GET /v1/sessions lists it. */
export const SessionId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'a session id from GET /v1/sessions: 1-64 of A-Z a-z 0-9 _ -' });

export const Session = Type.Object(
  {
    id: Type.String({ description: 'The session (token) id.' }),
    client: Type.String({ description: 'What the client called itself at login (the `client` field), or its User-Agent.' }),
    ip: Type.String(),
    createdAt: Millis,
    lastActiveAt: Millis,
    expiresAt: Millis,
    current: Type.Boolean({ description: 'Whether this is the session of the token making the request.' }),
  },
  { description: 'A signed-in device of the profile.' },
);
export type Session = Static<typeof Session>;

export const SessionsResponse = Type.Object({ sessions: Type.Array(Session) });
export type SessionsResponse = Static<typeof SessionsResponse>;

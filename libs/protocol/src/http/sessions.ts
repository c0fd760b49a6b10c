import { Type, type Static } from '@sinclair/typebox';
import { Millis } from '../fields.js';

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

import { Type, type Static } from '@sinclair/typebox';
import { Millis } from '../fields.js';
import { TEXT_PATTERN } from '../text.js';
import { Password, User, Username } from './common.js';

/** POST /v1/auth/register */
export const RegisterBody = Type.Object({ username: Username, password: Password }, { description: 'A new account.' });
export type RegisterBody = Static<typeof RegisterBody>;

export const RegisterResponse = Type.Object({ user: User });
export type RegisterResponse = Static<typeof RegisterResponse>;

/**
 * POST /v1/auth/login. Deliberately looser than RegisterBody: any name or password that is text gets
 * `401 invalid_credentials`, so a login never says which rule a guess broke.
 */
export const LoginBody = Type.Object(
  {
    username: Type.String({ maxLength: 256, pattern: TEXT_PATTERN }),
    password: Type.String({ maxLength: 256, pattern: TEXT_PATTERN }),
  },
  { description: 'Credentials; any text up to 256 code points each.' },
);
export type LoginBody = Static<typeof LoginBody>;

export const LoginResponse = Type.Object({
  token: Type.String({ description: 'An HS256 JWT; send it as `Authorization: Bearer <token>`.' }),
  expiresAt: Millis,
  user: User,
});
export type LoginResponse = Static<typeof LoginResponse>;

/** GET /v1/me */
export const MeResponse = Type.Object({ user: User, expiresAt: Millis });
export type MeResponse = Static<typeof MeResponse>;

/** GET /v1/users (query values arrive as strings; integers are converted before validation). */
export const UsersQuery = Type.Object({
  prefix: Type.Optional(Type.String({ pattern: '^[a-z0-9_.-]{0,32}$', default: '', description: 'Up to 32 characters of a-z 0-9 _ . -' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});
export type UsersQuery = Static<typeof UsersQuery>;

export const UsersResponse = Type.Object({ users: Type.Array(User) });
export type UsersResponse = Static<typeof UsersResponse>;

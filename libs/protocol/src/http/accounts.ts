import { Type, type Static } from '@sinclair/typebox';
import { Millis } from '../fields.js';
import { TEXT_PATTERN } from '../text.js';
import { Password, User, Username } from './common.js';
import { DisplayName, Login, OwnProfile } from './profiles.js';
import { NAME_PATTERN } from '../text.js';

/** POST /v1/auth/register */
/** An email address as given: 3-254 characters with one @; compared ignoring case. */
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$', description: 'an email address (up to 254 characters)' });
/** What a client calls itself in the sessions list. */
export const ClientName = Type.String({ maxLength: 64, pattern: NAME_PATTERN, description: 'up to 64 characters naming the device or app' });

export const RegisterBody = Type.Object(
  { username: Username, password: Password, displayName: Type.Optional(DisplayName), email: Type.Optional(Email) },
  { description: 'A new login and its first profile (handle = username). With `email`, a verification code is sent to it.' },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const RegisterResponse = Type.Object({ user: User, profile: OwnProfile, login: Login });
export type RegisterResponse = Static<typeof RegisterResponse>;

/**
 * POST /v1/auth/login. Deliberately looser than RegisterBody: any name or password that is text gets
 * `401 invalid_credentials`, so a login never says which rule a guess broke.
 */
export const LoginBody = Type.Object(
  {
    username: Type.String({ maxLength: 256, pattern: TEXT_PATTERN, description: 'The username, or the verified email address.' }),
    password: Type.String({ maxLength: 256, pattern: TEXT_PATTERN }),
    profile: Type.Optional(Type.String({ maxLength: 66, pattern: TEXT_PATTERN, description: 'Sign in as this profile of the login (default: its first).' })),
    client: Type.Optional(ClientName),
  },
  { description: 'Credentials; any text up to 256 code points each.' },
);
export type LoginBody = Static<typeof LoginBody>;

export const LoginResponse = Type.Object({
  token: Type.String({ description: 'An HS256 JWT; send it as `Authorization: Bearer <token>`.' }),
  expiresAt: Millis,
  user: User,
  profile: OwnProfile,
  login: Login,
});
export type LoginResponse = Static<typeof LoginResponse>;

/** GET /v1/me */
export const MeResponse = Type.Object({ user: User, expiresAt: Millis, profile: OwnProfile, login: Login });
export type MeResponse = Static<typeof MeResponse>;

/** POST /v1/auth/email: send a verification code to this address. */
export const EmailBody = Type.Object({ email: Email });
export type EmailBody = Static<typeof EmailBody>;

/** A code as mailed: 6 digits. */
export const Code = Type.String({ pattern: '^[0-9]{6}$', description: '6 digits' });

/** POST /v1/auth/email/verify */
export const VerifyEmailBody = Type.Object({ code: Code });
export type VerifyEmailBody = Static<typeof VerifyEmailBody>;

export const LoginEnvelope = Type.Object({ login: Login });
export type LoginEnvelope = Static<typeof LoginEnvelope>;

/** POST /v1/auth/password-reset: always 202, whether or not such a login exists. */
export const PasswordResetBody = Type.Object({ login: Type.String({ maxLength: 256, pattern: TEXT_PATTERN, description: 'The username or the verified email address.' }) });
export type PasswordResetBody = Static<typeof PasswordResetBody>;

/** POST /v1/auth/password-reset/confirm */
export const PasswordResetConfirmBody = Type.Object({ login: Type.String({ maxLength: 256, pattern: TEXT_PATTERN }), code: Code, password: Password });
export type PasswordResetConfirmBody = Static<typeof PasswordResetConfirmBody>;

/** POST /v1/auth/password */
export const ChangePasswordBody = Type.Object({ current: Type.String({ maxLength: 256, pattern: TEXT_PATTERN }), password: Password });
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

/** POST /v1/auth/delete-login: erases the login, its profiles and its personal data for good. */
export const DeleteLoginBody = Type.Object({ password: Type.String({ maxLength: 256, pattern: TEXT_PATTERN }) });
export type DeleteLoginBody = Static<typeof DeleteLoginBody>;

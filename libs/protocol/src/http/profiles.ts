import { Type, type Static } from '@sinclair/typebox';
import { Millis } from '../fields.js';
import { NAME_PATTERN, TEXT_PATTERN } from '../text.js';
import { Handle } from './common.js';

/** A display name: 1-64 code points, the rule for names (no control characters, no unpaired surrogates). */
export const DisplayName = Type.String({ minLength: 1, maxLength: 64, pattern: NAME_PATTERN, description: '1-64 characters (code points); no control characters' });
/** A short bio: up to 280 code points of text. */
export const Bio = Type.String({ maxLength: 280, pattern: TEXT_PATTERN, description: 'up to 280 characters (code points)' });
/**
 * An avatar: empty (clients draw the initials of the display name), or `initials:<color>` with a CSS hex
 * color, the only kind until attachments exist.
 */
export const Avatar = Type.String({ pattern: '^(|initials:#[0-9a-fA-F]{6})$', description: 'empty, or initials:#rrggbb' });
export const PresenceVisibility = Type.Unsafe<'everyone' | 'contacts' | 'nobody'>({
  type: 'string',
  enum: ['everyone', 'contacts', 'nobody'],
  description: 'who sees the profile online and its last seen: everyone who has it as a contact (friends and direct-conversation partners), contacts (friends only), or nobody',
});
export const ReadReceipts = Type.Boolean({ description: "whether others see this profile's read receipts; off, it sees no one else's either" });
export const DirectFrom = Type.Unsafe<'everyone' | 'friends'>({ type: 'string', enum: ['everyone', 'friends'], description: 'who may open a direct conversation: everyone, or friends only' });

/** What anyone signed in sees of a profile. */
export const PublicProfile = Type.Object(
  {
    id: Type.String({ description: 'The profile id (`u` + ULID), the `id` of a user everywhere else.' }),
    handle: Handle,
    displayName: Type.String(),
    bio: Type.String(),
    avatar: Type.String(),
  },
  { description: 'A profile as others see it.' },
);
export type PublicProfile = Static<typeof PublicProfile>;

/** One of the caller's own profiles. */
export const OwnProfile = Type.Object(
  {
    id: Type.String(),
    handle: Handle,
    displayName: Type.String(),
    bio: Type.String(),
    avatar: Type.String(),
    directFrom: DirectFrom,
    readReceipts: ReadReceipts,
    presence: PresenceVisibility,
    createdAt: Millis,
  },
  { description: "One of the caller's login's profiles." },
);
export type OwnProfile = Static<typeof OwnProfile>;

export const Login = Type.Object(
  {
    id: Type.String({ description: '`l` + ULID (or, for an account from before profiles, its user id).' }),
    username: Type.String(),
    email: Type.Union([Type.String(), Type.Null()], { description: 'The verified email address, or null.' }),
  },
  { description: 'The login: what signs in. Only its owner sees it.' },
);
export type Login = Static<typeof Login>;

/** GET /v1/profiles */
export const ProfilesResponse = Type.Object({ profiles: Type.Array(OwnProfile) });
export type ProfilesResponse = Static<typeof ProfilesResponse>;

/** POST /v1/profiles */
export const CreateProfileBody = Type.Object({ handle: Handle, displayName: Type.Optional(DisplayName) }, { description: 'A further profile of the caller\'s login.' });
export type CreateProfileBody = Static<typeof CreateProfileBody>;

export const OwnProfileEnvelope = Type.Object({ profile: OwnProfile });
export type OwnProfileEnvelope = Static<typeof OwnProfileEnvelope>;

/** PATCH /v1/profiles/{id}: the fields given change, the others stay. */
export const UpdateProfileBody = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    bio: Type.Optional(Bio),
    avatar: Type.Optional(Avatar),
    directFrom: Type.Optional(DirectFrom),
    readReceipts: Type.Optional(ReadReceipts),
    presence: Type.Optional(PresenceVisibility),
  },
  {
    minProperties: 1,
    description: 'At least one of displayName, bio, avatar, directFrom, readReceipts, presence (other fields are ignored and do not count: a body with none of these is 400 bad_request).',
  },
);
export type UpdateProfileBody = Static<typeof UpdateProfileBody>;

/** GET /v1/profiles/{id} for a profile that is not the caller's. */
export const PublicProfileEnvelope = Type.Object({
  profile: PublicProfile,
  relation: Type.Unsafe<'self' | 'friend' | 'requested' | 'incoming' | 'blocked' | 'none'>({
    type: 'string',
    enum: ['self', 'friend', 'requested', 'incoming', 'blocked', 'none'],
    description: "The caller's relation to it: self, friend, requested (the caller's request is pending), incoming (theirs is), blocked (by the caller), none.",
  }),
  remark: Type.String({ description: "The caller's private remark for it; empty when none." }),
});
export type PublicProfileEnvelope = Static<typeof PublicProfileEnvelope>;

/** POST /v1/auth/switch */
export const SwitchBody = Type.Object({ profile: Type.String({ pattern: '^u[A-Za-z0-9_-]{1,64}$', description: 'the id of another profile of the same login' }), client: Type.Optional(Type.String({ maxLength: 64, pattern: NAME_PATTERN })) });
export type SwitchBody = Static<typeof SwitchBody>;

/** GET /v1/users: people search, by handle or display name, ignoring case and accents. */
export const PeopleQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 64, pattern: TEXT_PATTERN, default: '', description: 'Part of a handle or display name; case and accents are ignored.' })),
  prefix: Type.Optional(Type.String({ maxLength: 32, pattern: TEXT_PATTERN, description: 'Deprecated: the same as q, used when q is absent or empty (it matches handles and display names containing it, no longer only handles starting with it).' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  after: Type.Optional(Type.String({ maxLength: 200, pattern: TEXT_PATTERN, description: "The previous page's `next`." })),
});
export type PeopleQuery = Static<typeof PeopleQuery>;

export const PeopleResponse = Type.Object({
  users: Type.Array(Type.Object({ id: Type.String(), username: Handle, displayName: Type.String(), avatar: Type.String() })),
  next: Type.Union([Type.String(), Type.Null()], { description: 'The `after` of the next page; null on the last.' }),
});
export type PeopleResponse = Static<typeof PeopleResponse>;

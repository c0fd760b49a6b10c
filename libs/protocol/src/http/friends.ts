import { Type, type Static } from '@sinclair/typebox';
import { Millis } from '../fields.js';
import { TEXT_PATTERN } from '../text.js';
import { PublicProfile } from './profiles.js';

export const ProfileIdParam = Type.String({ pattern: '^u[A-Za-z0-9_-]{1,64}$', description: 'a profile id: u + 1-64 of A-Z a-z 0-9 _ -' });

/** The `{id}` of the friend request operations: `f` + ULID, as POST /v1/friends/requests answers it. */
export const FriendRequestId = Type.String({ pattern: '^f[A-Za-z0-9]{1,64}$', description: 'a friend request id: f + 1-64 of A-Z a-z 0-9' });

export const Friend = Type.Object({ profile: PublicProfile, remark: Type.String(), since: Millis }, { description: 'A friend, with the caller\'s private remark for them.' });
export type Friend = Static<typeof Friend>;

export const FriendsResponse = Type.Object({ friends: Type.Array(Friend) });
export type FriendsResponse = Static<typeof FriendsResponse>;

export const FriendRequest = Type.Object(
  { id: Type.String(), from: PublicProfile, to: PublicProfile, note: Type.String(), createdAt: Millis },
  { description: 'A pending friend request.' },
);
export type FriendRequest = Static<typeof FriendRequest>;

export const FriendRequestsResponse = Type.Object({ incoming: Type.Array(FriendRequest), outgoing: Type.Array(FriendRequest) });
export type FriendRequestsResponse = Static<typeof FriendRequestsResponse>;

/** POST /v1/friends/requests */
export const SendFriendRequestBody = Type.Object({
  profile: ProfileIdParam,
  note: Type.Optional(Type.String({ maxLength: 140, pattern: TEXT_PATTERN, default: '', description: 'A short note to them, up to 140 characters (code points).' })),
});
export type SendFriendRequestBody = Static<typeof SendFriendRequestBody>;

export const FriendRequestEnvelope = Type.Object({ request: FriendRequest });
export type FriendRequestEnvelope = Static<typeof FriendRequestEnvelope>;

export const BlocksResponse = Type.Object({ blocked: Type.Array(Type.Object({ profile: PublicProfile, since: Millis })) });
export type BlocksResponse = Static<typeof BlocksResponse>;

/** PUT /v1/contacts/{id}/remark */
export const RemarkBody = Type.Object({ remark: Type.String({ maxLength: 64, pattern: TEXT_PATTERN, description: 'Up to 64 characters; empty removes it.' }) });
export type RemarkBody = Static<typeof RemarkBody>;

import type { BlocksResponse, PeopleResponse, PublicProfileEnvelope } from '@parley/protocol';

/** HTTP API shapes live in @parley/protocol; re-exported for SDK users. */
export type {
  User,
  ConversationSummary,
  Member,
  RegisterResponse,
  LoginResponse,
  MeResponse,
  Login,
  OwnProfile,
  PublicProfile,
  PublicProfileEnvelope,
  UpdateProfileBody,
  PeopleResponse,
  Friend,
  FriendRequest,
  FriendRequestsResponse,
  BlocksResponse,
  Session,
  ConversationSettings,
  ConversationSettingsBody,
} from '@parley/protocol';

/** One person in a people search: a profile's id, handle (`username`), display name and avatar. */
export type Person = PeopleResponse['users'][number];
/** A profile this profile blocked, and since when. */
export type BlockedProfile = BlocksResponse['blocked'][number];
/** How the caller relates to a profile (GET /v1/profiles/{id}). */
export type Relation = PublicProfileEnvelope['relation'];

/**
 * A refusal by the server (its `error.code`, the HTTP status, and `error.details` when it sent any, e.g.
 * `{ offset }` with `offset_mismatch`, `{ limit }` with `payload_too_large`), or a failure of the client
 * itself (`unauthenticated`, `closed`, `timeout`, `aborted`, ... without a status).
 */
export class ParleyClientError extends Error {
  override readonly name = 'ParleyClientError';
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

import type { BlocksResponse, Friend, FriendRequest, FriendRequestsResponse, PeopleResponse, PublicProfileEnvelope } from '@parley/protocol';
import { ConversationsApi } from './conversations-api.js';
import { enc, query } from './http-client.js';

/**
 * People and relationships (docs/openapi.yaml, tag "friends"): search, profiles as others see them,
 * friends and friend requests, blocks, and private remarks. Changes arrive live as `friend`, `block` and
 * `remark` events, on this profile's every device and, for requests, on the other side's too.
 */
export abstract class SocialApi extends ConversationsApi {
  /** People by part of their handle or display name, ignoring case and accents; page on with `after: next`. */
  searchUsers(q: string, page: { limit?: number; after?: string } = {}): Promise<PeopleResponse> {
    return this.request<PeopleResponse>('GET', `/v1/users${query({ q, limit: page.limit, after: page.after })}`);
  }

  /** A profile as the caller sees it, with the caller's relation to it and private remark for it. */
  getProfile(id: string): Promise<PublicProfileEnvelope> {
    return this.request<PublicProfileEnvelope>('GET', `/v1/profiles/${enc(id)}`);
  }

  friends(): Promise<Friend[]> {
    return this.request<{ friends: Friend[] }>('GET', '/v1/friends').then((r) => r.friends);
  }

  /** Pending requests: to the caller (`incoming`) and from the caller (`outgoing`). */
  friendRequests(): Promise<FriendRequestsResponse> {
    return this.request<FriendRequestsResponse>('GET', '/v1/friends/requests');
  }

  /**
   * Asks a profile (by id) to be friends, with a short note. Refusals: `self_target`, `already_friends`,
   * `request_pending`, `blocked` (the caller blocked them, or they do not take requests from the caller).
   */
  sendFriendRequest(profile: string, note?: string): Promise<FriendRequest> {
    return this.request<{ request: FriendRequest }>('POST', '/v1/friends/requests', { profile, ...(note ? { note } : {}) }).then((r) => r.request);
  }

  acceptFriendRequest(requestId: string): Promise<void> {
    return this.request('POST', `/v1/friends/requests/${enc(requestId)}/accept`).then(() => undefined);
  }

  refuseFriendRequest(requestId: string): Promise<void> {
    return this.request('POST', `/v1/friends/requests/${enc(requestId)}/refuse`).then(() => undefined);
  }

  /** Withdraws one of the caller's own pending requests. */
  cancelFriendRequest(requestId: string): Promise<void> {
    return this.request('DELETE', `/v1/friends/requests/${enc(requestId)}`).then(() => undefined);
  }

  /** Ends a friendship, on both sides. */
  removeFriend(profile: string): Promise<void> {
    return this.request('DELETE', `/v1/friends/${enc(profile)}`).then(() => undefined);
  }

  blocks(): Promise<BlocksResponse['blocked']> {
    return this.request<BlocksResponse>('GET', '/v1/blocks').then((r) => r.blocked);
  }

  /** Blocks a profile: it can no longer send the caller requests or direct messages; a pending request between them ends. */
  block(profile: string): Promise<void> {
    return this.request('PUT', `/v1/blocks/${enc(profile)}`).then(() => undefined);
  }

  unblock(profile: string): Promise<void> {
    return this.request('DELETE', `/v1/blocks/${enc(profile)}`).then(() => undefined);
  }

  /** Sets the caller's private name for a profile; '' removes it. Answers the remark as stored. */
  setRemark(profile: string, remark: string): Promise<string> {
    return this.request<{ remark: string }>('PUT', `/v1/contacts/${enc(profile)}/remark`, { remark }).then((r) => r.remark);
  }
}

import type { Command, DirectFrom } from '@parley/schemas';
import { CONVERSATION_ID, HANDLE, directConversationId } from '@parley/protocol';
import { accountStream } from '../../streams.js';
import { accept, reject, type Outcome } from '../outcome.js';
import type { AccountState, ProfileState } from './account-state.js';
import { MAX_BLOCKED, MAX_FRIENDS, MAX_PENDING_REQUESTS } from './account-limits.js';

const PRESENCE_VISIBILITY: ReadonlySet<string> = new Set(['everyone', 'contacts', 'nobody']);
const DIRECT_FROM: ReadonlySet<string> = new Set<DirectFrom>(['everyone', 'friends']);

/**
 * The profile decider: a profile's identity, friends, blocks and private settings, on its account stream.
 * Requests are decided on the receiver's stream (which knows its blocks, friends and pending requests);
 * the requester's side learns the outcome through the friends workflow (workflows/friends-workflow.ts).
 * A refusal because of a block or a privacy setting is `not_permitted` either way, so it does not reveal
 * which.
 */
export function decideProfile(command: Command, state: AccountState): Outcome {
  const p = command.payload;
  const actor = command.actor;
  if (p.type === 'CreateProfile') {
    if (p.handle !== p.handle.normalize('NFKC') || !HANDLE.test(p.handle) || command.stream !== accountStream(p.handle)) {
      return reject('bad_request', 'Stream does not match the handle');
    }
    if (state.login || state.profile) return reject('handle_taken', `The handle "${p.handle}" is taken`);
    return accept({ type: 'ProfileCreated', profileId: p.profileId, loginId: p.loginId, handle: p.handle, displayName: p.displayName, bio: '', avatar: '' });
  }
  const profile = state.profile;
  if (p.type === 'ReceiveGroupInvitation') {
    // Workflow only. Always a fact, allowed or not, so the group learns the answer either way.
    const checked = (allowed: boolean, reason: string): Outcome =>
      accept({ type: 'GroupInvitationChecked', conversation: p.conversation, inviteeId: p.inviteeId, inviterId: p.inviterId, allowed, reason });
    if (!profile || profile.deleted || profile.profileId !== p.inviteeId) return checked(false, 'not_found');
    // Friendship first: a block ends a friendship, so a friends-only refusal does not reveal a block.
    if (p.friendsOnly && profile.friends[p.inviterId] === undefined) return checked(false, 'not_friends');
    if (profile.blocked[p.inviterId]) return checked(false, 'not_permitted');
    return checked(true, '');
  }
  if (!profile || profile.deleted) return reject('not_found', 'No such profile');
  if (!actor) return reject('unauthenticated', 'A profile command needs an actor');
  const own = actor.userId === profile.profileId;
  const id = profile.profileId;
  const notOwner = reject('forbidden', 'Only the profile itself may do this');

  switch (p.type) {
    case 'UpdateProfile':
      if (!own) return notOwner;
      return accept({ type: 'ProfileUpdated', profileId: id, displayName: p.displayName, bio: p.bio, avatar: p.avatar });
    case 'DeleteProfile':
      if (p.loginId !== profile.loginId) return notOwner;
      return accept({ type: 'ProfileDeleted', profileId: id, loginId: profile.loginId });
    case 'SetPrivacy':
      if (!own) return notOwner;
      if (!DIRECT_FROM.has(p.directFrom)) return reject('bad_request', 'directFrom is "everyone" or "friends"');
      if (!PRESENCE_VISIBILITY.has(p.presence ?? 'everyone')) return reject('bad_request', 'presence is "everyone", "contacts" or "nobody"');
      return accept({ type: 'PrivacyChanged', profileId: id, directFrom: p.directFrom, readReceipts: p.readReceipts ?? true, presence: p.presence ?? 'everyone' });
    case 'RevokeToken':
      if (!own) return reject('forbidden', 'Only the account owner may revoke its tokens');
      return accept({ type: 'TokenRevoked', userId: id, tokenId: p.tokenId, expiresAt: p.expiresAt });

    case 'RequestFriend': {
      if (own) return reject('self_target', 'You cannot send yourself a friend request');
      if (profile.blocked[actor.userId]) return reject('not_permitted', 'You cannot send this person a friend request');
      if (profile.friends[actor.userId] !== undefined) return reject('already_friends', 'You are friends already');
      if (Object.values(profile.incoming).some((r) => r.fromId === actor.userId)) return reject('request_pending', 'Your request is waiting for an answer');
      if (Object.keys(profile.incoming).length >= MAX_PENDING_REQUESTS || Object.keys(profile.friends).length >= MAX_FRIENDS) {
        return reject('limit_reached', 'This person cannot take more friend requests now');
      }
      return accept({ type: 'FriendRequested', requestId: p.requestId, fromId: actor.userId, fromHandle: actor.username, toId: id, toHandle: profile.handle, note: p.note });
    }
    case 'AnswerFriendRequest': {
      if (!own) return notOwner;
      const request = profile.incoming[p.requestId];
      if (!request) return reject('request_not_pending', 'The request was answered, cancelled or never sent');
      if (!p.accept) return accept({ type: 'FriendRequestRefused', requestId: p.requestId, fromId: request.fromId, toId: id });
      if (Object.keys(profile.friends).length >= MAX_FRIENDS) return reject('limit_reached', `A profile has at most ${MAX_FRIENDS} friends`);
      return accept({ type: 'FriendRequestAccepted', requestId: p.requestId, fromId: request.fromId, fromHandle: request.fromHandle, toId: id, toHandle: profile.handle });
    }
    case 'CancelFriendRequest': {
      const request = profile.incoming[p.requestId];
      if (!request || request.fromId !== actor.userId) return reject('request_not_pending', 'The request was answered, cancelled or never sent');
      return accept({ type: 'FriendRequestCancelled', requestId: p.requestId, fromId: request.fromId, toId: id, reason: 'cancelled' });
    }
    case 'RemoveFriend': {
      if (!own) return notOwner;
      const handle = profile.friends[p.friendId];
      if (handle === undefined) return reject('not_friends', 'You are not friends');
      return accept({ type: 'FriendRemoved', profileId: id, friendId: p.friendId, friendStream: accountStream(handle), mirrored: false });
    }
    case 'BlockProfile': {
      if (!own) return notOwner;
      if (p.blockedId === id) return reject('self_target', 'You cannot block yourself');
      if (profile.blocked[p.blockedId]) return reject('already_blocked', 'You blocked this profile already');
      if (Object.keys(profile.blocked).length >= MAX_BLOCKED) return reject('limit_reached', `A profile blocks at most ${MAX_BLOCKED} others`);
      // A block ends the friendship and drops the blocked side's pending requests, as facts of their own.
      const handle = profile.friends[p.blockedId];
      return accept(
        ...(handle !== undefined ? [{ type: 'FriendRemoved' as const, profileId: id, friendId: p.blockedId, friendStream: accountStream(handle), mirrored: false }] : []),
        ...pendingFrom(profile, p.blockedId).map((requestId) => ({ type: 'FriendRequestCancelled' as const, requestId, fromId: p.blockedId, toId: id, reason: 'blocked' })),
        { type: 'ProfileBlocked', profileId: id, blockedId: p.blockedId, blockedStream: p.blockedStream },
      );
    }
    case 'UnblockProfile':
      if (!own) return notOwner;
      if (!profile.blocked[p.blockedId]) return reject('not_blocked', 'This profile is not blocked');
      return accept({ type: 'ProfileUnblocked', profileId: id, blockedId: p.blockedId, blockedStream: p.blockedStream });
    case 'SetConversationSettings':
      if (!own) return notOwner;
      if (!CONVERSATION_ID.test(p.conversation) || p.muteUntil < -1) return reject('bad_request', 'Invalid conversation settings');
      return accept({ type: 'ConversationSettingsChanged', profileId: id, conversation: p.conversation, pinned: p.pinned, muteUntil: p.muteUntil, hidden: p.hidden, remark: p.remark });
    case 'SetContactRemark':
      if (!own) return notOwner;
      if (p.contactId === id) return reject('self_target', 'A remark is for someone else');
      return accept({ type: 'ContactRemarkSet', profileId: id, contactId: p.contactId, remark: p.remark });
    case 'OpenDirect':
      // Decided on the stream of the profile being written to: its blocks and privacy setting decide.
      if (own) return reject('self_target', 'You cannot start a direct conversation with yourself');
      if (p.conversation !== directConversationId(actor.userId, id)) return reject('bad_request', 'The conversation id does not match the two profiles');
      if (profile.blocked[actor.userId] || (profile.directFrom === 'friends' && profile.friends[actor.userId] === undefined)) {
        return reject('not_permitted', 'This person does not take direct messages from you');
      }
      return accept({ type: 'DirectApproved', conversation: p.conversation, requesterId: actor.userId, requesterHandle: actor.username, approverId: id, approverHandle: profile.handle });

    // Workflow commands (written only by the friends workflow, never from a client's input).
    case 'RecordFriend':
      if (profile.friends[p.friendId] !== undefined) return reject('already_friends', 'Recorded already');
      // A late repeat of this command (the friendship may have ended since) changes nothing.
      if (profile.recorded.includes(p.requestId)) return reject('conflict', 'Recorded already');
      // This side blocks the other (before or since it accepted): no friendship here, and the removal,
      // mirrored by the workflow, ends it on the other side.
      if (profile.blocked[p.friendId]) return accept({ type: 'FriendRemoved', profileId: id, friendId: p.friendId, friendStream: accountStream(p.friendHandle), mirrored: false });
      return accept(
        { type: 'FriendAdded', profileId: id, friendId: p.friendId, friendHandle: p.friendHandle, requestId: p.requestId },
        // A request the other side had pending here is answered by the friendship.
        ...pendingFrom(profile, p.friendId).map((requestId) => ({ type: 'FriendRequestCancelled' as const, requestId, fromId: p.friendId, toId: id, reason: 'accepted' })),
      );
    case 'MirrorFriendRemoved': {
      const handle = profile.friends[p.friendId];
      if (handle === undefined) return reject('not_friends', 'Removed already');
      return accept({ type: 'FriendRemoved', profileId: id, friendId: p.friendId, friendStream: accountStream(handle), mirrored: true });
    }
    case 'WithdrawFriendRequests': {
      const pending = pendingFrom(profile, p.fromId);
      if (pending.length === 0) return reject('request_not_pending', 'Nothing pending');
      return accept(...pending.map((requestId) => ({ type: 'FriendRequestCancelled' as const, requestId, fromId: p.fromId, toId: id, reason: p.reason })));
    }
    default:
      return reject('bad_request', `${p.type} does not apply to a profile`);
  }
}

function pendingFrom(profile: ProfileState, fromId: string): string[] {
  return Object.entries(profile.incoming)
    .filter(([, r]) => r.fromId === fromId)
    .map(([requestId]) => requestId);
}

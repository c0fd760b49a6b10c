import type { EventPayload } from '@parley/schemas';
import { RECORDED_WINDOW, newProfile, type AccountState } from './account-state.js';

/**
 * Folds one event of an account stream into its state. Idempotent, like every fold: a consumer may apply
 * an event it already applied. Events that do not concern account state (rejections, ...) change nothing.
 */
export function evolveAccount(state: AccountState, p: EventPayload): AccountState {
  const profile = state.profile;
  switch (p.type) {
    case 'UserRegistered':
      // Before profiles: one account was a login and its only profile, with one id.
      state.login ??= { loginId: p.userId, username: p.username, deleted: false, hasEmail: false };
      state.profile ??= newProfile(p.userId, p.userId, p.username, p.username);
      return state;
    case 'LoginRegistered':
      state.login ??= { loginId: p.loginId, username: p.username, deleted: false, hasEmail: false };
      return state;
    case 'EmailVerified':
      if (state.login) state.login.hasEmail = true;
      return state;
    case 'LoginDeleted':
      if (state.login) state.login.deleted = true;
      return state;
    case 'ProfileCreated':
      state.profile ??= newProfile(p.profileId, p.loginId, p.handle, p.displayName);
      return state;
    case 'ProfileUpdated':
      if (profile) profile.displayName = p.displayName;
      return state;
    case 'ProfileDeleted':
      if (profile) {
        profile.deleted = true;
        profile.friends = {};
        profile.incoming = {};
      }
      return state;
    case 'PrivacyChanged':
      if (profile) profile.directFrom = p.directFrom === 'friends' ? 'friends' : 'everyone';
      return state;
    case 'FriendRequested':
      if (profile) profile.incoming[p.requestId] = { fromId: p.fromId, fromHandle: p.fromHandle };
      return state;
    case 'FriendRequestAccepted':
      if (profile) {
        delete profile.incoming[p.requestId];
        profile.friends[p.fromId] = p.fromHandle;
      }
      return state;
    case 'FriendRequestRefused':
    case 'FriendRequestCancelled':
      if (profile) delete profile.incoming[p.requestId];
      return state;
    case 'FriendAdded':
      if (profile) {
        profile.friends[p.friendId] = p.friendHandle;
        if (!profile.recorded.includes(p.requestId)) profile.recorded.push(p.requestId);
        if (profile.recorded.length > RECORDED_WINDOW) profile.recorded.shift();
      }
      return state;
    case 'FriendRemoved':
      if (profile) delete profile.friends[p.friendId];
      return state;
    case 'ProfileBlocked':
      if (profile) profile.blocked[p.blockedId] = true;
      return state;
    case 'ProfileUnblocked':
      if (profile) delete profile.blocked[p.blockedId];
      return state;
    default:
      return state;
  }
}

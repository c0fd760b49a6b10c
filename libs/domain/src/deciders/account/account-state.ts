import type { DirectFrom } from '@parley/schemas';

/** A login: what signs in (username or verified email, and a password). Its secrets are sealed in its events. */
export interface LoginState {
  loginId: string;
  username: string;
  deleted: boolean;
  hasEmail: boolean;
}

/** A pending friend request, kept on the receiver's stream. */
export interface IncomingRequest {
  fromId: string;
  fromHandle: string;
}

/**
 * A profile ("account" in the apps Parley replaces): the identity others see and befriend. Plain data:
 * records, not Maps, so a snapshot is `JSON.stringify`. Bounded by the limits in account-limits.ts.
 */
export interface ProfileState {
  profileId: string;
  loginId: string;
  handle: string;
  displayName: string;
  deleted: boolean;
  directFrom: DirectFrom;
  /** friend's profile id -> their handle */
  friends: Record<string, string>;
  /** request id -> request, for requests others sent this profile */
  incoming: Record<string, IncomingRequest>;
  /** blocked profile id -> true */
  blocked: Record<string, true>;
  /**
   * Ids of the accepted requests this profile recorded (RecordFriend), newest last, at most
   * RECORDED_WINDOW: a late repeat of the workflow's command is refused even after the friendship ended.
   */
  recorded: string[];
}

export const RECORDED_WINDOW = 256;

/** The state of one account stream (`u.<key>`): a login, a profile, or both (a login and its first profile). */
export interface AccountState {
  login?: LoginState;
  profile?: ProfileState;
}

export function newProfile(profileId: string, loginId: string, handle: string, displayName: string): ProfileState {
  return { profileId, loginId, handle, displayName, deleted: false, directFrom: 'everyone', friends: {}, incoming: {}, blocked: {}, recorded: [] };
}

import type {
  AckFrame,
  BlockFrame,
  ConversationFrame,
  ErrorFrame,
  FriendFrame,
  InvitationFrame,
  JoinRequestFrame,
  MessageFrame,
  PresenceFrame,
  ReceiptsFrame,
  TypingFrame,
  ProfileFrame,
  ReadyFrame,
  RemarkFrame,
  RoomPresenceFrame,
  SettingsFrame,
} from '@parley/protocol';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'closed';

/** What a ParleyClient emits; each server frame type is one event, named after it. */
export type ClientEvents = {
  /** Every message of every conversation, once, in seq order per conversation, your own included. */
  message: [MessageFrame];
  ack: [AckFrame];
  /**
   * A conversation of this profile changed: created, joined, left, read; and for groups and rooms
   * `removed` (this profile was removed), `dissolved` (by its owner: history stays readable, nothing can
   * be sent) and `updated` (its settings; `name` is the new name).
   */
  conversation: [ConversationFrame];
  /** An invitation to a group was checked and waits for this profile's answer (`received`), or was answered (`answered`, any device). */
  invitation: [InvitationFrame];
  /** Someone asks to join a group this profile runs (`requested`), or a request was answered (`answered`; also to the requester). */
  join_request: [JoinRequestFrame];
  'room.presence': [RoomPresenceFrame];
  /** A friend request or friendship of this profile changed (either side, any device). */
  friend: [FriendFrame];
  /** This profile blocked or unblocked someone (on any of its devices). */
  block: [BlockFrame];
  /** This profile's private settings for a conversation changed (on any of its devices). */
  settings: [SettingsFrame];
  /** This profile's private remark for another profile changed. */
  remark: [RemarkFrame];
  /** This profile's data changed on another device (updated, deleted, privacy), or a friend's (updated; compare `id`). */
  profile: [ProfileFrame];
  /** Members' read (and, in direct conversations, delivered) marks moved; none when this user shares no read receipts. */
  receipts: [ReceiptsFrame];
  /** Another member started or stopped typing; show it until `typing: false` or 6 s without a repeat. */
  typing: [TypingFrame];
  /** Contacts' online / last seen: all visible contacts right after `ready`, then each change. */
  presence: [PresenceFrame];
  /** Errors the server reported that are not tied to a pending send. */
  error: [ErrorFrame];
  ready: [ReadyFrame];
  resumed: [Record<string, number>];
  state: [ConnectionState, { code?: number; reason?: string }?];
};

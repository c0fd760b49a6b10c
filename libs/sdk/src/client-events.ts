import type {
  AckFrame,
  BlockFrame,
  ConversationFrame,
  ErrorFrame,
  FriendFrame,
  MessageFrame,
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
  conversation: [ConversationFrame];
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
  /** Errors the server reported that are not tied to a pending send. */
  error: [ErrorFrame];
  ready: [ReadyFrame];
  resumed: [Record<string, number>];
  state: [ConnectionState, { code?: number; reason?: string }?];
};

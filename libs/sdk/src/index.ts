export { ParleyClient, type ParleyClientOptions, type ClientEvents, type ConnectionState, type Ack } from './parley-client.js';
export type { GroupChanges, JoinOutcome } from './groups-api.js';
export type { SendOptions } from './send-options.js';
export type { AttachmentUrl, SearchOptions } from './messages-api.js';
// A message search's page and its results, as @parley/protocol declares them.
export type { SearchHighlight, SearchResponse, SearchResult } from '@parley/protocol';
export { UploadsApi, type Upload, type UploadOptions, type UploadResult, type UploadRetry } from './uploads-api.js';
export { attachmentOf, attachmentKindFor, IMAGE_MIMES } from './attachments.js';
// The attachment shapes (a received file, the upload bodies), as @parley/protocol declares them.
export { ATTACHMENT_KINDS, MAX_FILE_NAME_CHARS, isAttachmentKind, type Attachment, type AttachmentKind, type AttachmentThumbnail, type AttachmentVariant } from '@parley/protocol';
export {
  applyMessageChange,
  withChange,
  isMessageChange,
  messageChangeOf,
  withReaction,
  MESSAGE_CHANGE_EVENTS,
  type ChatMessage,
  type ForwardedCopy,
  type MessageChange,
  type Pin,
  type Reaction,
} from './message-state.js';
// Message kinds and the body each declares, as @parley/protocol declares them.
export { MESSAGE_KINDS, MENTION_ALL, MAX_MENTIONS, MAX_BODY_BYTES, messageProblem, type MessageKind, type MessageBody } from '@parley/protocol';
// The group shapes (HTTP bodies and the `invitation` / `join_request` frames), as @parley/protocol declares them.
export type {
  Ban,
  GroupDetails,
  GroupMember,
  Invitation,
  InvitationFrame,
  InviteLink,
  InviteLinkPreview,
  JoinRequest,
  JoinRequestFrame,
  Notice,
  UpdateGroupBody,
} from '@parley/protocol';
export { isSystemEntry, systemEntryOf, systemEntryText } from './system-entries.js';
export {
  describeSystemEntry,
  parseSystemEntry,
  GROUP_ROLES,
  INVITE_POLICIES,
  JOIN_POLICIES,
  SYSTEM_KIND,
  type GroupRole,
  type InvitePolicy,
  type JoinPolicy,
  type SystemEntry,
} from '@parley/protocol';
export type { Transport, TransportConnection, TransportEvents } from './transport.js';
export { webSocketTransport, type WebSocketConstructor } from './websocket-transport.js';
export {
  ParleyClientError,
  type BlockedProfile,
  type BlocksResponse,
  type ConversationSettings,
  type ConversationSettingsBody,
  type ConversationSummary,
  type Friend,
  type FriendRequest,
  type FriendRequestsResponse,
  type Login,
  type LoginResponse,
  type MeResponse,
  type Member,
  type OwnProfile,
  type PeopleResponse,
  type Person,
  type PublicProfile,
  type PublicProfileEnvelope,
  type RegisterResponse,
  type Relation,
  type Session,
  type UpdateProfileBody,
  type User,
} from './http-api.js';
export type {
  MessageFrame,
  ConversationFrame,
  RoomPresenceFrame,
  ErrorFrame,
  AckFrame,
  ReadyFrame,
  FriendFrame,
  BlockFrame,
  SettingsFrame,
  RemarkFrame,
  ProfileFrame,
} from '@parley/protocol';

/** The group shapes (HTTP bodies and the `invitation` / `join_request` frames) live in @parley/protocol; re-exported for SDK users. */
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

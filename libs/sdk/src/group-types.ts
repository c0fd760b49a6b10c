import type { User } from '@parley/protocol';

/** The HTTP shapes of groups and rooms live in @parley/protocol; re-exported for SDK users. */
export type { Ban, GroupDetails, GroupMember, Invitation, InviteLink, InviteLinkPreview, JoinRequest, Notice, UpdateGroupBody } from '@parley/protocol';

/*
 * TEMPORARY: the `invitation` and `join_request` frames as docs/PROTOCOL.md has them, declared here until
 * @parley/protocol's server frames include them; then this re-exports them from there.
 */

/** `invitation` frame: received -> the invitee; answered -> the invitee (every device). */
export interface InvitationFrame {
  type: 'invitation';
  event: 'received' | 'answered';
  conversation: string;
  name: string;
  invitedBy: User;
  accepted?: boolean;
}

/** `join_request` frame: to the group's owner and admins; answered also to the requester. */
export interface JoinRequestFrame {
  type: 'join_request';
  event: 'requested' | 'answered';
  conversation: string;
  name: string;
  user: User;
  note?: string;
  approved?: boolean;
}

import type { Actor, Command, ParleyEvent } from '@parley/schemas';
import { directConversationId } from '@parley/protocol';
import { accountStream } from '../streams.js';

/**
 * The friends workflow, a process manager: for an event on one stream it names the commands the other
 * stream needs, so both sides of a friendship, a block or a direct conversation agree.
 *
 * Idempotent by construction: a command's id is derived from the event and its place in the answer, and
 * every command it issues is a no-op (a recorded rejection) when its effect is already there, so a crash
 * between the event and the command, which makes the runner read the event again, neither loses nor
 * doubles the second step. Pure: the runner (apps/ingest/src/workflow-runner.ts) writes the commands.
 */
export function friendsWorkflow(event: ParleyEvent): Command[] {
  const p = event.payload;
  const commands: Command[] = [];
  const issue = (stream: string, actor: Actor | null, payload: Command['payload']): void => {
    commands.push({ commandId: `wf:${event.eventId}:${commands.length}`, stream, issuedAt: event.ts, actor, origin: null, payload });
  };
  switch (p.type) {
    case 'FriendRequestAccepted':
      issue(accountStream(p.fromHandle), { userId: p.toId, username: p.toHandle }, { type: 'RecordFriend', friendId: p.toId, friendHandle: p.toHandle, requestId: p.requestId });
      break;
    case 'FriendRemoved':
      if (!p.mirrored) issue(p.friendStream, event.actor, { type: 'MirrorFriendRemoved', friendId: p.profileId });
      break;
    case 'ProfileBlocked':
      issue(p.blockedStream, event.actor, { type: 'WithdrawFriendRequests', fromId: p.profileId, reason: 'blocked' });
      issue(directConversationId(p.profileId, p.blockedId), event.actor, { type: 'SetDirectBlock', by: p.profileId, other: p.blockedId, blocked: true });
      // The blocked side may hold a friendship the blocker's stream never recorded (an acceptance whose
      // RecordFriend the block refuses). After the withdrawal, so an acceptance between them finds no request.
      issue(p.blockedStream, event.actor, { type: 'MirrorFriendRemoved', friendId: p.profileId });
      break;
    case 'ProfileUnblocked':
      issue(directConversationId(p.profileId, p.blockedId), event.actor, { type: 'SetDirectBlock', by: p.profileId, other: p.blockedId, blocked: false });
      break;
    case 'DirectApproved':
      issue(p.conversation, { userId: p.requesterId, username: p.requesterHandle }, {
        type: 'CreateConversation',
        kind: 'direct',
        name: '',
        members: [
          { userId: p.requesterId, username: p.requesterHandle },
          { userId: p.approverId, username: p.approverHandle },
        ],
      });
      break;
    // Group invitations: the invitee's stream checks each (its blocks, and friendship when the group
    // wants friends), and its answer goes back to the group, where the invitation then waits or ends.
    case 'MembersInvited':
      for (const invitee of p.invitees) {
        issue(invitee.stream, event.actor, {
          type: 'ReceiveGroupInvitation',
          conversation: event.stream,
          inviteeId: invitee.userId,
          inviterId: event.actor?.userId ?? '',
          inviterHandle: event.actor?.username ?? '',
          friendsOnly: p.friendsOnly,
        });
      }
      break;
    case 'GroupInvitationChecked':
      issue(p.conversation, event.actor, { type: 'ConfirmInvitation', userId: p.inviteeId, inviterId: p.inviterId, allowed: p.allowed, reason: p.reason });
      break;
    default:
      break;
  }
  return commands;
}

/** Whether the workflow has anything to do for an event of this type (lets the runner skip decoding work). */
export const WORKFLOW_EVENTS: ReadonlySet<string> = new Set([
  'FriendRequestAccepted',
  'FriendRemoved',
  'ProfileBlocked',
  'ProfileUnblocked',
  'DirectApproved',
  'MembersInvited',
  'GroupInvitationChecked',
]);

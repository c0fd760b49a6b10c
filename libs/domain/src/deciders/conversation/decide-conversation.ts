import type { Actor, Command, EventPayload, Member, ReceiptMark } from '@parley/schemas';
import { readInt, type Env } from '@parley/core';
import {
  INVITE_POLICIES,
  JOIN_POLICIES,
  MENTION_ALL,
  SYSTEM_KIND,
  conversationKind,
  directConversationId,
  roomConversationId,
  type SystemEntry,
} from '@parley/protocol';
import { accept, reject, type Outcome } from '../outcome.js';
import { dedupeKey, roleOf, type ConversationState } from './conversation-state.js';
import { MESSAGE_CHANGE_COMMANDS, decideMessageChange } from './decide-message-change.js';

export interface ConversationLimits {
  /** Most members a group or room may have; also the most pending invitations, and join requests, at once. */
  readonly maxMembers: number;
  /** Most admins besides the owner. */
  readonly maxAdmins: number;
  /** Most notices a group may post in its life (edits do not count). */
  readonly maxNotices: number;
  /** Most live (unrevoked) invite links a group may have at once; expired ones count until revoked. */
  readonly maxInviteLinks: number;
  /** How long a sender may recall their message (ms). Owners and admins recall any message at any time. */
  readonly recallWindowMs: number;
  /** How long a sender may edit their message (ms). */
  readonly editWindowMs: number;
  /** Most pinned messages per conversation. */
  readonly maxPins: number;
  /** How many of the newest messages per conversation the decider remembers, for recall and edit by their sender. */
  readonly recentMessages: number;
}

/**
 * The group limits from the environment (docs/OPERATIONS.md): PARLEY_MAX_GROUP_MEMBERS (5000),
 * PARLEY_MAX_GROUP_ADMINS (50), PARLEY_MAX_GROUP_NOTICES (1000), PARLEY_MAX_INVITE_LINKS (100),
 * PARLEY_RECALL_WINDOW_SECONDS (120), PARLEY_EDIT_WINDOW_SECONDS (86400), PARLEY_MAX_PINS (50),
 * PARLEY_RECENT_MESSAGES (1000). Ingest
 * decides by them, so every ingest instance must have the same values.
 */
export function readConversationLimits(env: Env): ConversationLimits {
  return {
    maxMembers: readInt(env, 'PARLEY_MAX_GROUP_MEMBERS', 5000, { min: 2, max: 1_000_000 }),
    maxAdmins: readInt(env, 'PARLEY_MAX_GROUP_ADMINS', 50, { min: 1, max: 100_000 }),
    maxNotices: readInt(env, 'PARLEY_MAX_GROUP_NOTICES', 1000, { min: 1, max: 1_000_000 }),
    maxInviteLinks: readInt(env, 'PARLEY_MAX_INVITE_LINKS', 100, { min: 1, max: 100_000 }),
    recallWindowMs: readInt(env, 'PARLEY_RECALL_WINDOW_SECONDS', 120, { min: 0, max: 30 * 24 * 3600 }) * 1000,
    editWindowMs: readInt(env, 'PARLEY_EDIT_WINDOW_SECONDS', 24 * 3600, { min: 0, max: 365 * 24 * 3600 }) * 1000,
    maxPins: readInt(env, 'PARLEY_MAX_PINS', 50, { min: 1, max: 10_000 }),
    recentMessages: readInt(env, 'PARLEY_RECENT_MESSAGES', 1000, { min: 1, max: 1_000_000 }),
  };
}

/** The facts about the command being decided that are not in the conversation's state. */
export interface DecideInput {
  /** The profiles blocking the other side of a direct conversation (set by the friends workflow). */
  readonly blockers: readonly string[];
  readonly limits: ConversationLimits;
  readonly newId: () => string;
  /** The command's time (ms since the epoch): mutes and invite links end by it. */
  readonly now: number;
}

/** Commands that run the group: the owner's, the admins', and the invitation and request steps. */
const GROUP_COMMANDS = new Set([
  'SetMemberRole',
  'TransferOwnership',
  'DissolveConversation',
  'RemoveMember',
  'UnbanMember',
  'MuteMember',
  'UpdateGroup',
  'PostNotice',
  'AckNotice',
  'InviteMembers',
  'ConfirmInvitation',
  'AnswerInvitation',
  'AnswerJoinRequest',
  'CreateInviteLink',
  'RevokeInviteLink',
]);

/**
 * The conversation decider: membership, roles, moderation, messages and read marks of one conversation.
 * Every change to a group or room's people or settings also writes a system entry: a MessageSent of kind
 * "system" whose content is a SystemEntry, taking the next seq, so the timeline, history and resume
 * carry it. While a direct conversation has a blocker it takes no messages and cannot be created.
 */
export function decideConversation(command: Command, conversation: ConversationState | undefined, input: DecideInput): Outcome {
  const p = command.payload;
  const actor = command.actor;
  const kind = conversationKind(command.stream);
  // A gateway's coalesced marks carry no actor: they are its users' own reads (the commands topic is internal).
  if (kind && p.type === 'MarkReceipts') return decideReceipts(conversation, p.marks, actor);
  if (!kind || !actor) return reject('bad_request', 'Commands on a conversation need a valid conversation id and an actor');
  const { blockers, limits, newId, now } = input;
  const role = conversation ? roleOf(conversation, actor.userId) : undefined;
  const blocked = (): Outcome =>
    blockers.includes(actor.userId) ? reject('blocked', 'You blocked this person; unblock them to write to them') : reject('not_permitted', 'This person does not take direct messages from you');
  const system: SystemWriter = (entry, by = actor) => systemEntry(actor, by, entry, newId);

  if (GROUP_COMMANDS.has(p.type)) {
    if (kind === 'direct') return reject('bad_request', 'A direct conversation has no roles, invitations or notices');
    if (!conversation) return reject('not_found', 'No such group or room');
    if (conversation.dissolved) return reject('dissolved', 'The group is dissolved; its history stays readable');
  }

  switch (p.type) {
    case 'SendMessage': {
      if (!conversation || !role) return reject('not_member', 'You are not a member of this conversation');
      const earlier = conversation.sent.get(dedupeKey(actor.userId, p.clientMsgId));
      if (earlier) return accept({ type: 'CommandDuplicate', clientMsgId: p.clientMsgId, messageId: earlier.id, messageSeq: earlier.seq, messageTs: earlier.ts });
      // The client had seen up to seenSeq when it first sent this id, so a stored original has a seq above it;
      // if some of those were forgotten, absence proves nothing: refuse rather than risk storing it twice.
      const seen = p.seenSeq ?? -1;
      if (seen >= 0 && conversation.dedupeHorizon > seen) {
        return reject('dedupe_expired', `The server no longer remembers which messages after seq ${seen} it stored: look for clientMsgId ${p.clientMsgId} in the history after seq ${seen}, and send it again with a new clientMsgId if it is not there`);
      }
      if (p.kind === SYSTEM_KIND) return reject('bad_request', 'Messages of kind "system" are written by the server only');
      if (conversation.dissolved) return reject('dissolved', 'The group is dissolved; nobody can send to it');
      if (blockers.length > 0) return blocked();
      // The owner is muted by nobody (a member muted before becoming the owner is not muted any more).
      if (role !== 'owner' && (conversation.mutedUntil[actor.userId] ?? 0) > now) return reject('muted', `An admin muted you here until ${new Date(conversation.mutedUntil[actor.userId]!).toISOString()}`);
      if (conversation.muteAll && role === 'member') return reject('muted', 'Only admins may write here now');
      const replyTo = p.replyTo ?? 0;
      if (replyTo < 0 || replyTo > conversation.lastSeq) return reject('bad_request', `replyTo must be the seq of a message of this conversation (1 to ${conversation.lastSeq})`);
      const mentions = [...new Set(p.mentions ?? [])];
      for (const m of mentions) {
        if (m === MENTION_ALL) {
          if (conversation.kind === 'direct') return reject('bad_request', 'Mention the other person by id: @all is for groups and rooms');
          if (role === 'member') return reject('forbidden', 'Only the owner and admins may mention everyone');
        } else if (!conversation.members.has(m)) {
          return reject('bad_request', `Mentions must be members of this conversation; ${m} is not`);
        }
      }
      return accept({
        type: 'MessageSent',
        id: newId(),
        senderId: actor.userId,
        senderName: actor.username,
        clientMsgId: p.clientMsgId,
        kind: p.kind,
        content: p.content,
        body: p.body ?? '',
        replyTo,
        mentions,
        forwarded: p.forwarded ?? false,
      });
    }
    case 'CreateConversation': {
      if (conversation) return reject('conflict', 'The conversation already exists');
      if (p.kind !== kind || p.kind === 'room') return reject('bad_request', 'Rooms are created by joining them; the id must match the kind');
      const members = uniqueMembers(p.members);
      if (!members.some((m) => m.userId === actor.userId)) return reject('forbidden', 'The creator must be a member');
      if (p.kind === 'direct') {
        const [a, b] = members;
        if (members.length !== 2 || !a || !b || directConversationId(a.userId, b.userId) !== command.stream) {
          return reject('bad_request', 'A direct conversation has exactly its two users as members');
        }
        if (blockers.length > 0) return blocked();
      }
      const joinPolicy = p.joinPolicy ?? 'open';
      if (p.kind === 'group' && !isOneOf(JOIN_POLICIES, joinPolicy)) return reject('bad_request', `joinPolicy is one of ${JOIN_POLICIES.join(', ')}`);
      if (members.length > limits.maxMembers) return reject('bad_request', `A group has at most ${limits.maxMembers} members`);
      return accept({ type: 'ConversationCreated', kind: p.kind, name: p.name, createdBy: actor.userId, members, joinPolicy: p.kind === 'group' ? joinPolicy : 'open' });
    }
    case 'AddMembers': {
      if (!conversation || !role) return reject('not_member', 'You are not a member of this conversation');
      if (conversation.kind !== 'group') return reject('bad_request', 'Members can be added to groups only');
      if (conversation.dissolved) return reject('dissolved', 'The group is dissolved');
      if (role === 'member') return reject('forbidden', 'Only the owner and admins add members directly; invite them instead');
      const fresh = uniqueMembers(p.members).filter((m) => !conversation.members.has(m.userId));
      if (fresh.length === 0) return reject('conflict', 'They are members already');
      const banned = fresh.find((m) => conversation.banned[m.userId] !== undefined);
      if (banned) return reject('banned', `${banned.username} is banned from this group; lift the ban first`);
      if (conversation.members.size + fresh.length > limits.maxMembers) return reject('limit_reached', `A group has at most ${limits.maxMembers} members`);
      return accept({ type: 'MembersJoined', members: fresh, code: '' }, system({ event: 'joined', via: 'added', members: refs(fresh) }));
    }
    case 'JoinConversation': {
      const self = { userId: actor.userId, username: actor.username };
      if (p.kind !== kind || kind === 'direct') return reject('bad_request', 'Only groups and rooms can be joined');
      if (!conversation) {
        if (kind === 'group') return reject('not_found', 'No such group');
        const name = command.stream.slice(2);
        if (roomConversationId(name) !== command.stream) return reject('bad_request', 'Invalid room id');
        return accept({ type: 'ConversationCreated', kind: 'room', name, createdBy: actor.userId, members: [self], joinPolicy: 'open' });
      }
      if (conversation.dissolved) return reject('dissolved', 'The group is dissolved');
      if (role) return reject('conflict', 'You are a member already');
      if (conversation.banned[actor.userId] !== undefined) return reject('banned', 'You are banned from this group');
      if (p.code) {
        // The link first: an expired link says so even when the group is full too.
        const link = conversation.links[p.code];
        if (!link) return reject('invite_revoked', 'This invite link was revoked, or never existed; ask for a new one');
        if (link.expiresAt <= now) return reject('invite_expired', 'This invite link has expired; ask for a new one');
        if (link.maxUses > 0 && link.uses >= link.maxUses) return reject('invite_expired', 'This invite link has been used as often as it may be; ask for a new one');
      }
      if (conversation.members.size >= limits.maxMembers) return reject('limit_reached', 'The conversation is full');
      if (p.code) {
        return accept({ type: 'MembersJoined', members: [self], code: p.code }, system({ event: 'joined', via: 'link', members: refs([self]) }));
      }
      if (conversation.joinPolicy === 'invite') return reject('forbidden', 'This group is joined by invitation or invite link only');
      if (conversation.joinPolicy === 'approval') {
        if (conversation.joinRequests[actor.userId]) return reject('request_pending', 'Your request to join is waiting for an admin');
        if (Object.keys(conversation.joinRequests).length >= limits.maxMembers) return reject('limit_reached', 'Too many requests to join are waiting; try later');
        return accept({ type: 'JoinRequested', userId: actor.userId, username: actor.username, note: p.note ?? '', invitedBy: '' });
      }
      const joined = [{ type: 'MembersJoined', members: [self], code: '' } as EventPayload, system({ event: 'joined', via: 'open', members: refs([self]) })];
      // The first to join an emptied room owns it.
      if (conversation.kind === 'room' && !conversation.members.has(conversation.ownerId)) {
        joined.push(system({ event: 'owner', target: ref(self) }), { type: 'OwnershipTransferred', fromId: conversation.ownerId, toId: self.userId, toName: self.username });
      }
      return accept(...joined);
    }
    case 'LeaveConversation': {
      if (!conversation || !role) return reject('not_member', 'You are not a member of this conversation');
      if (conversation.kind === 'direct') return reject('bad_request', 'A direct conversation cannot be left');
      const left: EventPayload = { type: 'MemberLeft', userId: actor.userId, username: actor.username };
      if (role === 'owner' && !conversation.dissolved) {
        if (conversation.kind === 'room') {
          // An open room passes to its first admin, else its longest-standing member. An emptied room has
          // no owner until someone joins it again (dissolving it would take its name for good).
          const heir = roomHeir(conversation, actor.userId);
          if (!heir) return accept(system({ event: 'left' }), left);
          return accept(system({ event: 'left' }), left, system({ event: 'owner', target: ref(heir) }), { type: 'OwnershipTransferred', fromId: actor.userId, toId: heir.userId, toName: heir.username });
        }
        if (conversation.members.size > 1) return reject('forbidden', 'Transfer ownership before you leave (or dissolve the group)');
        // The last member leaving: the group is dissolved with them.
        return accept(system({ event: 'left' }), left, { type: 'ConversationDissolved', reason: 'last member left' });
      }
      return accept(system({ event: 'left' }), left);
    }
    case 'MarkRead':
      // Written before read receipts (MarkReceipts says whether the reader shares them): taken as shared.
      return decideReceipts(conversation, [{ userId: actor.userId, readSeq: p.seq, deliveredSeq: 0, shared: true }], actor);
    case 'SetDirectBlock':
      // Workflow only: the block of one profile by another, mirrored onto their direct conversation.
      if (kind !== 'direct' || directConversationId(p.by, p.other) !== command.stream) return reject('bad_request', 'Not the two profiles of this direct conversation');
      if (blockers.includes(p.by) === p.blocked) return reject('conflict', 'Recorded already');
      return accept({ type: 'DirectBlockChanged', by: p.by, other: p.other, blocked: p.blocked });
    default:
      if (conversation && GROUP_COMMANDS.has(p.type)) return decideGroup(command, conversation, actor, input, system);
      if (MESSAGE_CHANGE_COMMANDS.has(p.type)) {
        if (!conversation || !role) return reject('not_member', 'You are not a member of this conversation');
        return decideMessageChange(command, conversation, actor, role, input, system);
      }
      return reject('bad_request', `${p.type} does not apply to a conversation`);
  }
}

/**
 * Read and delivered marks, clamped to the last seq, that move a member's marks forward: one event for all
 * of them, or none when nothing moves (a reader scrolling back, a repeat). With an actor (an HTTP read) the
 * marks must be the actor's own and the actor a member (`not_member`), and an event with no marks answers
 * one that moves nothing; without one (a gateway's flush of its connections' reads) a mark of someone who
 * is not a member is left out. In a group or room a read is its delivery: `delivered` equals `read` there.
 */
function decideReceipts(conversation: ConversationState | undefined, marks: readonly ReceiptMark[], actor: Actor | null): Outcome {
  if (actor) {
    if (!conversation || !conversation.members.has(actor.userId)) return reject('not_member', 'You are not a member of this conversation');
    if (marks.some((m) => m.userId !== actor.userId)) return reject('forbidden', 'Only your own read marks');
  }
  if (!conversation) return accept();
  const direct = conversation.kind === 'direct';
  const moved = new Map<string, ReceiptMark>();
  for (const m of marks) {
    if (!conversation.members.has(m.userId)) continue;
    const before = moved.get(m.userId) ?? { userId: m.userId, ...markOf(conversation, m.userId), shared: m.shared };
    const read = Math.max(before.readSeq, Math.min(Math.max(0, m.readSeq), conversation.lastSeq));
    const delivered = direct ? Math.max(before.deliveredSeq, read, Math.min(Math.max(0, m.deliveredSeq), conversation.lastSeq)) : read;
    moved.set(m.userId, { userId: m.userId, readSeq: read, deliveredSeq: delivered, shared: m.shared });
  }
  const changed = [...moved.values()].filter((m) => {
    const now = markOf(conversation, m.userId);
    return m.readSeq > now.readSeq || m.deliveredSeq > now.deliveredSeq;
  });
  // An HTTP request waits for its outcome: it gets an event even when nothing moved (no marks).
  return changed.length === 0 && !actor ? accept() : accept({ type: 'ReceiptsMarked', marks: changed });
}

function markOf(conversation: ConversationState, userId: string): { readSeq: number; deliveredSeq: number } {
  const marks = conversation.reads.get(userId);
  return { readSeq: marks?.read ?? 0, deliveredSeq: marks?.delivered ?? 0 };
}

/** The group and room commands (GROUP_COMMANDS), on a conversation that exists and is not dissolved. */
function decideGroup(command: Command, c: ConversationState, actor: Actor, input: DecideInput, system: SystemWriter): Outcome {
  const p = command.payload;
  const { limits, now } = input;
  const role = roleOf(c, actor.userId);
  const ownerOnly = (): Outcome => reject('forbidden', 'Only the owner may do this');
  const adminsOnly = (): Outcome => reject('forbidden', 'Only the owner and admins may do this');
  const member = (userId: string): Outcome | Member => {
    const username = c.members.get(userId);
    return username === undefined ? reject('not_found', 'They are not a member of this conversation') : { userId, username };
  };
  const isOutcome = (v: Outcome | Member): v is Outcome => !('userId' in v);

  // The workflow's step and the invitee's answer come from people who need not be members.
  if (p.type === 'ConfirmInvitation') {
    const invitation = c.invitations[p.userId];
    // A late repeat of an earlier invitation's check (same invitee, another inviter) is not this one's.
    if (!invitation || invitation.checked || invitation.by !== p.inviterId) return reject('conflict', 'Checked already');
    return accept({ type: 'InvitationChecked', userId: p.userId, allowed: p.allowed, reason: p.reason });
  }
  if (p.type === 'AnswerInvitation') {
    const invitation = c.invitations[actor.userId];
    if (!invitation?.checked) return reject('not_found', 'You have no invitation to this group');
    const answered: EventPayload = { type: 'InvitationAnswered', userId: actor.userId, username: actor.username, accepted: p.accept };
    if (!p.accept) return accept(answered);
    // (A banned profile holds no invitation: invitations to it are refused, and a ban needs membership.)
    if (c.members.size >= limits.maxMembers) return reject('limit_reached', 'The group is full');
    const self = { userId: actor.userId, username: actor.username };
    // A member's invitation to a group that wants approval becomes a request an admin answers.
    if (c.joinPolicy === 'approval' && !invitation.byAdmin) {
      if (Object.keys(c.joinRequests).length >= limits.maxMembers) return reject('limit_reached', 'Too many requests to join are waiting; try later');
      return accept(answered, { type: 'JoinRequested', userId: actor.userId, username: actor.username, note: '', invitedBy: invitation.by });
    }
    // The entry names the inviter as its actor: "bob joined, invited by alice".
    const inviter = { userId: invitation.by, username: invitation.byName };
    return accept(answered, { type: 'MembersJoined', members: [self], code: '' }, system({ event: 'joined', via: 'invitation', members: refs([self]) }, inviter));
  }

  if (!role) return reject('not_member', 'You are not a member of this conversation');
  switch (p.type) {
    case 'SetMemberRole': {
      if (role !== 'owner') return ownerOnly();
      if (p.role !== 'admin' && p.role !== 'member') return reject('bad_request', 'role is "admin" or "member"');
      const target = member(p.userId);
      if (isOutcome(target)) return target;
      if (target.userId === c.ownerId) return reject('forbidden', 'The owner is always the owner; transfer ownership instead');
      const current = roleOf(c, target.userId);
      if (current === p.role) return reject('conflict', `They are ${p.role === 'admin' ? 'an admin' : 'a member'} already`);
      if (p.role === 'admin' && Object.keys(c.admins).length >= limits.maxAdmins) return reject('limit_reached', `A group has at most ${limits.maxAdmins} admins`);
      return accept(system({ event: 'role', target: ref(target), role: p.role }), { type: 'MemberRoleChanged', userId: target.userId, username: target.username, role: p.role });
    }
    case 'TransferOwnership': {
      if (role !== 'owner') return ownerOnly();
      if (p.userId === actor.userId) return reject('self_target', 'You are the owner already');
      const target = member(p.userId);
      if (isOutcome(target)) return target;
      return accept(system({ event: 'owner', target: ref(target) }), { type: 'OwnershipTransferred', fromId: actor.userId, toId: target.userId, toName: target.username });
    }
    case 'DissolveConversation':
      if (role !== 'owner') return ownerOnly();
      return accept(system({ event: 'dissolved' }), { type: 'ConversationDissolved', reason: p.reason });
    case 'RemoveMember': {
      if (role === 'member') return adminsOnly();
      if (p.userId === actor.userId) return reject('self_target', 'Leave the conversation instead');
      const target = member(p.userId);
      if (isOutcome(target)) return target;
      const targetRole = roleOf(c, target.userId);
      if (targetRole === 'owner') return reject('forbidden', 'Nobody removes the owner');
      if (targetRole === 'admin' && role !== 'owner') return reject('forbidden', 'Only the owner removes admins');
      // The entry comes first: the removed member's history ends with it.
      return accept(system({ event: 'removed', target: ref(target), ban: p.ban }), { type: 'MemberRemoved', userId: target.userId, username: target.username, ban: p.ban });
    }
    case 'UnbanMember': {
      if (role === 'member') return adminsOnly();
      const username = c.banned[p.userId];
      if (username === undefined) return reject('conflict', 'They are not banned');
      return accept(system({ event: 'unbanned', target: { id: p.userId, username } }), { type: 'MemberUnbanned', userId: p.userId, username });
    }
    case 'MuteMember': {
      if (role === 'member') return adminsOnly();
      if (p.until < 0) return reject('bad_request', 'until is ms since the epoch, or 0 to unmute');
      const target = member(p.userId);
      if (isOutcome(target)) return target;
      const targetRole = roleOf(c, target.userId);
      if (targetRole === 'owner' || (targetRole === 'admin' && role !== 'owner')) return reject('forbidden', 'Admins are muted only by the owner, and the owner by nobody');
      const until = p.until > now ? p.until : 0;
      const mutedUntil = c.mutedUntil[target.userId] ?? 0;
      if (until === 0 && mutedUntil <= now) return reject('conflict', 'They are not muted');
      if (until !== 0 && until === mutedUntil) return reject('conflict', 'They are muted until then already');
      return accept(system({ event: 'muted', target: ref(target), until }), { type: 'MemberMuted', userId: target.userId, username: target.username, until });
    }
    case 'UpdateGroup': {
      if (role === 'member') return adminsOnly();
      if (!isOneOf(JOIN_POLICIES, p.joinPolicy)) return reject('bad_request', `joinPolicy is one of ${JOIN_POLICIES.join(', ')}`);
      if (!isOneOf(INVITE_POLICIES, p.invitePolicy)) return reject('bad_request', `invitePolicy is one of ${INVITE_POLICIES.join(', ')}`);
      if (c.kind === 'room' && (p.joinPolicy !== 'open' || p.name !== c.name)) return reject('bad_request', 'A room is open to all, and its name is its id');
      const changes: NonNullable<SystemEntry['changes']> = {};
      if (p.name !== c.name) changes.name = p.name;
      if (p.avatar !== c.avatar) changes.avatar = p.avatar;
      if (p.description !== c.description) changes.description = p.description;
      if (p.joinPolicy !== c.joinPolicy) changes.joinPolicy = p.joinPolicy;
      if (p.invitePolicy !== c.invitePolicy) changes.invitePolicy = p.invitePolicy;
      if (p.muteAll !== c.muteAll) changes.muteAll = p.muteAll;
      if (Object.keys(changes).length === 0) return reject('conflict', 'Nothing changes');
      return accept(system({ event: 'updated', changes }), { type: 'GroupUpdated', name: p.name, avatar: p.avatar, description: p.description, joinPolicy: p.joinPolicy, invitePolicy: p.invitePolicy, muteAll: p.muteAll });
    }
    case 'PostNotice': {
      if (role === 'member') return adminsOnly();
      const edited = p.noticeId !== '';
      if (edited && p.noticeId !== c.noticeId) return reject('not_found', 'Only the current notice can be edited; post a new one');
      if (edited && p.text === c.noticeText) return reject('conflict', 'The notice says that already');
      if (!edited && c.noticeCount >= limits.maxNotices) return reject('limit_reached', `A group posts at most ${limits.maxNotices} notices`);
      const noticeId = edited ? p.noticeId : input.newId();
      return accept(system({ event: 'notice', notice: { id: noticeId, text: p.text, edited } }), { type: 'NoticePosted', noticeId, text: p.text, edited });
    }
    case 'AckNotice':
      if (p.noticeId === '' || p.noticeId !== c.noticeId) return reject('not_found', 'That is not the current notice');
      return accept({ type: 'NoticeAcknowledged', userId: actor.userId, noticeId: p.noticeId });
    case 'InviteMembers': {
      if (c.kind !== 'group') return reject('bad_request', 'Rooms are open: share their name instead');
      const seen = new Set<string>();
      const fresh = p.invitees.filter((i) => {
        if (seen.has(i.userId) || c.members.has(i.userId) || c.invitations[i.userId]) return false;
        seen.add(i.userId);
        return true;
      });
      if (fresh.length === 0) return reject('conflict', 'They are members, or invited, already');
      const banned = fresh.find((i) => c.banned[i.userId] !== undefined);
      if (banned) return reject('banned', `${banned.username} is banned from this group`);
      if (Object.keys(c.invitations).length + fresh.length > limits.maxMembers) return reject('limit_reached', 'Too many invitations are waiting; try later');
      return accept({ type: 'MembersInvited', invitees: fresh.map((i) => ({ userId: i.userId, username: i.username, stream: i.stream })), friendsOnly: c.invitePolicy === 'friends' });
    }
    case 'AnswerJoinRequest': {
      if (role === 'member') return adminsOnly();
      const request = c.joinRequests[p.userId];
      if (!request) return reject('not_found', 'No request to join from them is waiting');
      const answered: EventPayload = { type: 'JoinRequestAnswered', userId: p.userId, username: request.username, approved: p.approve };
      if (!p.approve) return accept(answered);
      if (c.banned[p.userId] !== undefined) return reject('banned', 'They are banned from this group; lift the ban first');
      if (c.members.size >= limits.maxMembers) return reject('limit_reached', 'The group is full');
      const joiner = { userId: p.userId, username: request.username };
      return accept(answered, { type: 'MembersJoined', members: [joiner], code: '' }, system({ event: 'joined', via: 'request', members: refs([joiner]) }));
    }
    case 'CreateInviteLink':
      if (role === 'member') return adminsOnly();
      if (c.kind !== 'group') return reject('bad_request', 'Rooms are open: share their name instead');
      if (p.expiresAt <= now) return reject('bad_request', 'An invite link must expire in the future');
      if (p.maxUses < 0) return reject('bad_request', 'maxUses is 0 (unlimited) or more');
      if (c.links[p.code]) return reject('conflict', 'That code exists already');
      if (Object.keys(c.links).length >= limits.maxInviteLinks) return reject('limit_reached', `A group has at most ${limits.maxInviteLinks} invite links; revoke one`);
      return accept({ type: 'InviteLinkCreated', code: p.code, expiresAt: p.expiresAt, maxUses: p.maxUses });
    case 'RevokeInviteLink':
      if (role === 'member') return adminsOnly();
      if (!c.links[p.code]) return reject('not_found', 'No such invite link');
      return accept({ type: 'InviteLinkRevoked', code: p.code });
    default:
      return reject('bad_request', `${p.type} does not apply to a conversation`);
  }
}

/** Writes a system entry naming `by` as who made the change (the actor, unless it names another). */
export type SystemWriter = (entry: Omit<SystemEntry, 'actor'>, by?: Actor) => EventPayload;

/**
 * A system entry: a MessageSent of kind "system" whose content is a SystemEntry naming `by`. Its sender is
 * the command's actor, whose read mark it moves like an own message (an accepted invitation names the
 * inviter, but the invitee sent it: the inviter has not read what came before).
 */
function systemEntry(sender: Actor, by: Actor, entry: Omit<SystemEntry, 'actor'>, newId: () => string): EventPayload {
  return {
    type: 'MessageSent',
    id: newId(),
    senderId: sender.userId,
    senderName: sender.username,
    clientMsgId: '',
    kind: SYSTEM_KIND,
    content: JSON.stringify({ ...entry, actor: { id: by.userId, username: by.username } }),
  };
}

/** Who owns a room its owner leaves: the first admin still in it, else the longest-standing other member. */
function roomHeir(c: ConversationState, leaving: string): Member | undefined {
  const admin = Object.keys(c.admins).find((id) => id !== leaving && c.members.has(id));
  if (admin) return { userId: admin, username: c.members.get(admin)! };
  for (const [userId, username] of c.members) if (userId !== leaving) return { userId, username };
  return undefined;
}

function uniqueMembers(members: readonly Member[]): Member[] {
  const seen = new Map<string, Member>();
  for (const m of members) if (!seen.has(m.userId)) seen.set(m.userId, { userId: m.userId, username: m.username });
  return [...seen.values()];
}

function ref(m: Member): { id: string; username: string } {
  return { id: m.userId, username: m.username };
}

/** Members as a system entry lists them (the first 200). */
function refs(members: readonly Member[]): Array<{ id: string; username: string }> {
  return members.slice(0, 200).map(ref);
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

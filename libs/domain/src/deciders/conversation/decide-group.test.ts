import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Actor, CommandPayload, EventPayload, ParleyEvent } from '@parley/schemas';
import { ERROR_CODES, SYSTEM_KIND, directConversationId, type SystemEntry } from '@parley/protocol';
import type { DecideContext } from '../../decide.js';
import type { StreamState } from '../../stream-state.js';
import { accountStream } from '../../streams.js';
import { also, given, on, rejected, testContext, then, when, type Fact } from '../given-when-then.js';
import { roleOf } from './conversation-state.js';

/*
 * The conversation decider's group and room rules (issue 11; /work/groups-contract.md "Semantics").
 *
 * First the role matrix: every group command by every kind of actor, and what comes of it. It is the
 * documentation of who may do what; `ROLE_MATRIX_MD=<file> node --test dist/deciders/conversation/` also
 * writes it as a markdown table. Then the rules one by one.
 */

const person = (username: string): Actor => ({ userId: `u-${username}`, username });
const alice = person('alice'); // the owner
const bob = person('bob'); // an admin
const carol = person('carol'); // a member
const dan = person('dan'); // a member others act on
const erin = person('erin'); // never in the group: added or invited
const nina = person('nina'); // a non-member
const rita = person('rita'); // removed (not banned)
const boris = person('boris'); // removed and banned
const jack = person('jack'); // waiting on a join request

const G = 'g.team';
const ROOM = 'r.lobby';

/** Limits high enough not to matter, unless a test says otherwise. */
const ctx: DecideContext = { ...testContext, limits: { ...testContext.limits, maxMembers: 20, maxAdmins: 5, maxNotices: 5, maxInviteLinks: 5 } };
const at = (now: number): DecideContext => ({ ...ctx, now });
/** testContext.now */
const NOW = testContext.now;

// --- Facts ------------------------------------------------------------------------------------------

const created = (joinPolicy = 'open', members: Actor[] = [alice, bob, carol, dan, rita, boris]): EventPayload => ({
  type: 'ConversationCreated',
  kind: 'group',
  name: 'Team',
  createdBy: alice.userId,
  members,
  joinPolicy,
});
const madeAdmin = (who: Actor): EventPayload => ({ type: 'MemberRoleChanged', userId: who.userId, username: who.username, role: 'admin' });
const removed = (who: Actor, ban = false): EventPayload => ({ type: 'MemberRemoved', userId: who.userId, username: who.username, ban });
const noticed = (noticeId: string): EventPayload => ({ type: 'NoticePosted', noticeId, text: 'read me', edited: false });
const link = (code: string, expiresAt = 10_000, maxUses = 0): EventPayload => ({ type: 'InviteLinkCreated', code, expiresAt, maxUses });
const requested = (who: Actor, invitedBy = ''): EventPayload => ({ type: 'JoinRequested', userId: who.userId, username: who.username, note: 'let me in', invitedBy });
const policy = (joinPolicy: string, more: Partial<Extract<EventPayload, { type: 'GroupUpdated' }>> = {}): EventPayload => ({
  type: 'GroupUpdated',
  name: 'Team',
  avatar: '',
  description: '',
  joinPolicy,
  invitePolicy: 'friends',
  muteAll: false,
  ...more,
});
const message = (from: Actor, text = 'hi'): EventPayload => ({ type: 'MessageSent', id: `m-${text}`, senderId: from.userId, senderName: from.username, clientMsgId: text, kind: 'text', content: text });
const dissolved: EventPayload = { type: 'ConversationDissolved', reason: '' };
const invitee = (who: Actor) => ({ userId: who.userId, username: who.username, stream: accountStream(who.username) });
const checked = (who: Actor, allowed = true): EventPayload => ({ type: 'InvitationChecked', userId: who.userId, allowed, reason: allowed ? '' : 'not_friends' });

/**
 * The group every test starts from: alice owns it, bob is an admin, carol and dan are members, rita was
 * removed and boris removed and banned; it has a notice n1, an invite link L1 and jack's join request.
 * Its join policy is open unless `setup` changes it.
 */
function team(...setup: EventPayload[]): StreamState {
  return given(...on(G, created(), madeAdmin(bob), removed(rita), removed(boris, true), noticed('n1'), link('L1'), requested(jack), ...setup));
}

/** Invitations to these people, made by `by` (the fold names the inviter from the event's actor). */
function invitedBy(by: Actor, ...who: Actor[]): Fact {
  return { stream: G, actor: by, payload: { type: 'MembersInvited', invitees: who.map(invitee), friendsOnly: true } };
}

/** Decides a command on the group (or `stream`) and folds its events. */
function run(state: StreamState, actor: Actor, payload: CommandPayload, context = ctx, stream = G): ParleyEvent[] {
  return when(state, { stream, actor, payload }, context);
}

/**
 * An outcome in one line: the refusal's code (`✗ forbidden`), or the events in order, a system entry as
 * `entry` (`entry + MemberRemoved`).
 */
function outcome(events: readonly ParleyEvent[]): string {
  const [first] = events;
  if (first?.payload.type === 'CommandRejected') return `✗ ${first.payload.code}`;
  return events.map((e) => (e.payload.type === 'MessageSent' && e.payload.kind === SYSTEM_KIND ? 'entry' : e.payload.type)).join(' + ');
}

/** The system entry an event carries (asserting it is one: kind system, no client id). */
function entryOf(event: ParleyEvent | undefined): SystemEntry {
  assert.ok(event?.payload.type === 'MessageSent', `a system entry, not ${event?.payload.type}`);
  assert.equal(event.payload.kind, SYSTEM_KIND);
  assert.equal(event.payload.clientMsgId, '');
  return JSON.parse(event.payload.content) as SystemEntry;
}

const ref = (who: Actor) => ({ id: who.userId, username: who.username });

// --- The role matrix ----------------------------------------------------------------------------------

type Role = 'owner' | 'admin' | 'member' | 'non-member' | 'removed' | 'banned';
const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'non-member', 'removed', 'banned'];
const actorOf: Record<Role, Actor> = { owner: alice, admin: bob, member: carol, 'non-member': nina, removed: rita, banned: boris };

interface Row {
  /** What is done (and to whom, in the group team() sets up). */
  readonly action: string;
  /** The command (as a function of who sends it when it names them). */
  readonly command: CommandPayload | ((actor: Actor) => CommandPayload);
  /** Facts added to team() for this row. */
  readonly setup?: EventPayload[];
  /** What comes of it, by who does it. */
  readonly by: Record<Role, string>;
}

const FORBIDDEN = '✗ forbidden';
const NOT_MEMBER = '✗ not_member';
const CONFLICT = '✗ conflict';
const BANNED = '✗ banned';
const NOT_FOUND = '✗ not_found';
/** Not a member now: never was, removed, or removed and banned. */
const OUTSIDERS = { 'non-member': NOT_MEMBER, removed: NOT_MEMBER, banned: NOT_MEMBER } as const;
const JOINED = 'MembersJoined + entry';

const MATRIX: readonly Row[] = [
  {
    action: 'SetMemberRole: make member dan an admin',
    command: { type: 'SetMemberRole', userId: dan.userId, role: 'admin' },
    by: { owner: 'entry + MemberRoleChanged', admin: FORBIDDEN, member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'SetMemberRole: make admin dan a member (dan made an admin first)',
    setup: [madeAdmin(dan)],
    command: { type: 'SetMemberRole', userId: dan.userId, role: 'member' },
    by: { owner: 'entry + MemberRoleChanged', admin: FORBIDDEN, member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'TransferOwnership to member dan',
    command: { type: 'TransferOwnership', userId: dan.userId },
    by: { owner: 'entry + OwnershipTransferred', admin: FORBIDDEN, member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'DissolveConversation',
    command: { type: 'DissolveConversation', reason: '' },
    by: { owner: 'entry + ConversationDissolved', admin: FORBIDDEN, member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'RemoveMember: remove member dan',
    command: { type: 'RemoveMember', userId: dan.userId, ban: false },
    by: { owner: 'entry + MemberRemoved', admin: 'entry + MemberRemoved', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'RemoveMember: remove and ban member dan',
    command: { type: 'RemoveMember', userId: dan.userId, ban: true },
    by: { owner: 'entry + MemberRemoved', admin: 'entry + MemberRemoved', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'RemoveMember: remove admin dan (dan made an admin first)',
    setup: [madeAdmin(dan)],
    command: { type: 'RemoveMember', userId: dan.userId, ban: false },
    by: { owner: 'entry + MemberRemoved', admin: FORBIDDEN, member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'RemoveMember: remove oneself (leave instead)',
    command: (actor) => ({ type: 'RemoveMember', userId: actor.userId, ban: false }),
    by: { owner: '✗ self_target', admin: '✗ self_target', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'RemoveMember: remove owner alice',
    command: { type: 'RemoveMember', userId: alice.userId, ban: false },
    by: { owner: '✗ self_target', admin: FORBIDDEN, member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'UnbanMember boris',
    command: { type: 'UnbanMember', userId: boris.userId },
    by: { owner: 'entry + MemberUnbanned', admin: 'entry + MemberUnbanned', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'MuteMember: mute member dan for a while',
    command: { type: 'MuteMember', userId: dan.userId, until: NOW + 60_000 },
    by: { owner: 'entry + MemberMuted', admin: 'entry + MemberMuted', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'MuteMember: mute admin dan for a while (dan made an admin first)',
    setup: [madeAdmin(dan)],
    command: { type: 'MuteMember', userId: dan.userId, until: NOW + 60_000 },
    by: { owner: 'entry + MemberMuted', admin: FORBIDDEN, member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'MuteMember: mute owner alice',
    command: { type: 'MuteMember', userId: alice.userId, until: NOW + 60_000 },
    by: { owner: FORBIDDEN, admin: FORBIDDEN, member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'UpdateGroup: change the description',
    command: { type: 'UpdateGroup', name: 'Team', avatar: '', description: 'new', joinPolicy: 'open', invitePolicy: 'friends', muteAll: false },
    by: { owner: 'entry + GroupUpdated', admin: 'entry + GroupUpdated', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'UpdateGroup: mute everyone but admins',
    command: { type: 'UpdateGroup', name: 'Team', avatar: '', description: '', joinPolicy: 'open', invitePolicy: 'friends', muteAll: true },
    by: { owner: 'entry + GroupUpdated', admin: 'entry + GroupUpdated', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'PostNotice: a new notice',
    command: { type: 'PostNotice', noticeId: '', text: 'news' },
    by: { owner: 'entry + NoticePosted', admin: 'entry + NoticePosted', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'PostNotice: edit the current notice n1',
    command: { type: 'PostNotice', noticeId: 'n1', text: 'news, edited' },
    by: { owner: 'entry + NoticePosted', admin: 'entry + NoticePosted', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'AckNotice n1 (read the current notice)',
    command: { type: 'AckNotice', noticeId: 'n1' },
    by: { owner: 'NoticeAcknowledged', admin: 'NoticeAcknowledged', member: 'NoticeAcknowledged', ...OUTSIDERS },
  },
  {
    action: 'InviteMembers: invite erin',
    command: { type: 'InviteMembers', invitees: [invitee(erin)] },
    by: { owner: 'MembersInvited', admin: 'MembersInvited', member: 'MembersInvited', ...OUTSIDERS },
  },
  {
    action: "AnswerInvitation: accept (nina and rita hold alice's checked invitation)",
    setup: [checked(nina), checked(rita)],
    command: { type: 'AnswerInvitation', accept: true },
    by: {
      owner: NOT_FOUND,
      admin: NOT_FOUND,
      member: NOT_FOUND,
      'non-member': `InvitationAnswered + ${JOINED}`,
      removed: `InvitationAnswered + ${JOINED}`,
      banned: NOT_FOUND,
    },
  },
  {
    action: "AnswerJoinRequest: approve jack's request",
    command: { type: 'AnswerJoinRequest', userId: jack.userId, approve: true },
    by: { owner: `JoinRequestAnswered + ${JOINED}`, admin: `JoinRequestAnswered + ${JOINED}`, member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: "AnswerJoinRequest: refuse jack's request",
    command: { type: 'AnswerJoinRequest', userId: jack.userId, approve: false },
    by: { owner: 'JoinRequestAnswered', admin: 'JoinRequestAnswered', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'CreateInviteLink',
    command: { type: 'CreateInviteLink', code: 'L2', expiresAt: NOW + 60_000, maxUses: 10 },
    by: { owner: 'InviteLinkCreated', admin: 'InviteLinkCreated', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'RevokeInviteLink L1',
    command: { type: 'RevokeInviteLink', code: 'L1' },
    by: { owner: 'InviteLinkRevoked', admin: 'InviteLinkRevoked', member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'AddMembers: add erin directly',
    command: { type: 'AddMembers', members: [erin] },
    by: { owner: JOINED, admin: JOINED, member: FORBIDDEN, ...OUTSIDERS },
  },
  {
    action: 'SendMessage',
    command: { type: 'SendMessage', clientMsgId: 'k1', kind: 'text', content: 'hello' },
    by: { owner: 'MessageSent', admin: 'MessageSent', member: 'MessageSent', ...OUTSIDERS },
  },
  {
    action: 'SendMessage while everyone but admins is muted',
    setup: [policy('open', { muteAll: true })],
    command: { type: 'SendMessage', clientMsgId: 'k1', kind: 'text', content: 'hello' },
    by: { owner: 'MessageSent', admin: 'MessageSent', member: '✗ muted', ...OUTSIDERS },
  },
  {
    action: 'MarkRead (a message of dan)',
    setup: [message(dan)],
    command: { type: 'MarkRead', seq: 1 },
    by: { owner: 'ReceiptsMarked', admin: 'ReceiptsMarked', member: 'ReceiptsMarked', ...OUTSIDERS },
  },
  {
    action: 'LeaveConversation (others remain)',
    command: { type: 'LeaveConversation', reason: '' },
    by: { owner: FORBIDDEN, admin: 'entry + MemberLeft', member: 'entry + MemberLeft', ...OUTSIDERS },
  },
  {
    action: 'JoinConversation: an open group',
    command: { type: 'JoinConversation', kind: 'group' },
    by: { owner: CONFLICT, admin: CONFLICT, member: CONFLICT, 'non-member': JOINED, removed: JOINED, banned: BANNED },
  },
  {
    action: 'JoinConversation: an approval group',
    setup: [policy('approval')],
    command: { type: 'JoinConversation', kind: 'group', note: 'hi' },
    by: { owner: CONFLICT, admin: CONFLICT, member: CONFLICT, 'non-member': 'JoinRequested', removed: 'JoinRequested', banned: BANNED },
  },
  {
    action: 'JoinConversation: an invite-only group',
    setup: [policy('invite')],
    command: { type: 'JoinConversation', kind: 'group' },
    by: { owner: CONFLICT, admin: CONFLICT, member: CONFLICT, 'non-member': FORBIDDEN, removed: FORBIDDEN, banned: BANNED },
  },
  {
    action: 'JoinConversation: an invite-only group, with invite link L1',
    setup: [policy('invite')],
    command: { type: 'JoinConversation', kind: 'group', code: 'L1' },
    by: { owner: CONFLICT, admin: CONFLICT, member: CONFLICT, 'non-member': JOINED, removed: JOINED, banned: BANNED },
  },
];

function commandOf(row: Row, actor: Actor): CommandPayload {
  return typeof row.command === 'function' ? row.command(actor) : row.command;
}

/** The other facts of one cell's state besides team(): AnswerInvitation's row needs alice's invitations. */
function cellState(row: Row): StreamState {
  const state = team(...(row.setup ?? []).filter((p) => p.type !== 'InvitationChecked'));
  const invitations = (row.setup ?? []).filter((p) => p.type === 'InvitationChecked');
  if (invitations.length > 0) {
    also(state, invitedBy(alice, nina, rita), ...on(G, ...invitations));
  }
  return state;
}

test('the role matrix: every group command, by the owner, an admin, a member, a non-member, a removed and a banned user', () => {
  const actual = MATRIX.map((row) => ({
    action: row.action,
    by: Object.fromEntries(ROLES.map((role) => [role, outcome(run(cellState(row), actorOf[role], commandOf(row, actorOf[role])))])),
  }));
  assert.deepEqual(
    actual,
    MATRIX.map(({ action, by }) => ({ action, by })),
  );
});

test('the matrix covers every command a client may send to a group', () => {
  const covered = new Set(MATRIX.map((row) => commandOf(row, carol).type));
  const groupCommands: Array<CommandPayload['type']> = [
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
    'AnswerInvitation',
    'AnswerJoinRequest',
    'CreateInviteLink',
    'RevokeInviteLink',
    'AddMembers',
    'SendMessage',
    'MarkRead',
    'LeaveConversation',
    'JoinConversation',
  ];
  assert.deepEqual(groupCommands.filter((type) => !covered.has(type)), []);
});

test('every refusal in the matrix is a documented error code', () => {
  const codes = MATRIX.flatMap((row) => Object.values(row.by))
    .filter((cell) => cell.startsWith('✗ '))
    .map((cell) => cell.slice(2));
  const documented: readonly string[] = ERROR_CODES;
  assert.deepEqual(codes.filter((code) => !documented.includes(code)), []);
});

/** The matrix as a markdown table (docs). */
function roleMatrixMarkdown(): string {
  const cell = (value: string) => (value.startsWith('✗ ') ? `✗ \`${value.slice(2)}\`` : `✓ ${value}`);
  return [
    '# Who may do what in a group',
    '',
    'Generated from the role matrix in `libs/domain/src/deciders/conversation/decide-group.test.ts`, which checks',
    'every cell against the conversation decider (`ROLE_MATRIX_MD=<file> node --test dist/deciders/conversation/`',
    'in `libs/domain` writes this file).',
    '',
    'The group: alice is the owner, bob an admin, carol and dan members; nina was never in it; rita was removed;',
    'boris was removed and banned. It has a current notice `n1`, a live invite link `L1` and a join request from',
    'jack, and is open unless the row says otherwise. Each cell is decided on that group afresh.',
    '',
    '`✓` lists the events written, in order; `entry` is the system entry (a `MessageSent` of kind `system` at the',
    'next seq, from the actor). `✗` is the refusal, as its error code; nothing is written but the refusal.',
    '',
    `| Action | ${ROLES.join(' | ')} |`,
    `| --- | ${ROLES.map(() => '---').join(' | ')} |`,
    ...MATRIX.map((row) => `| ${row.action} | ${ROLES.map((role) => cell(row.by[role])).join(' | ')} |`),
    '',
    'Besides the table:',
    '',
    '- After `DissolveConversation` every command but `MarkRead` and `LeaveConversation` is refused with `dissolved`;',
    '  members keep reading the history.',
    '- The owner leaving as the last member of a group dissolves it (`entry + MemberLeft + ConversationDissolved`).',
    '- Rooms have the same roles and moderation (kick, ban, mute, notices); their join policy is always `open`, their',
    '  name cannot change, and they take no invitations, invite links or direct adds (`bad_request`). The first',
    '  joiner of a room is its owner; an owner leaving a room passes it to its first admin, else its longest-standing',
    '  member; an emptied room is not dissolved (its name stays joinable) and its next joiner owns it.',
    '- Muted members (`MuteMember`) are refused sends with `muted` until the mute ends; the owner is never muted.',
    '- An invitation is answerable (`AnswerInvitation`) only after the invitee\'s own stream took it (their blocks,',
    '  and friendship when the group\'s invite policy is `friends`). Accepting joins at once, unless the group needs',
    '  approval and the inviter was not an admin: then it is a join request an admin answers.',
    '',
  ].join('\n');
}

test('the role matrix as markdown: one row per action, one column per role', () => {
  const markdown = roleMatrixMarkdown();
  const rows = markdown.split('\n').filter((line) => line.startsWith('| '));
  assert.equal(rows.length, MATRIX.length + 2);
  assert.ok(rows.every((line) => line.split(' | ').length === ROLES.length + 1));
  const out = process.env.ROLE_MATRIX_MD;
  if (out) writeFileSync(out, markdown);
});

// --- System entries -------------------------------------------------------------------------------------

test('a change is a system entry at the next seq, from the member who made it; the change after it carries its seq', () => {
  const state = team(message(carol, 'a'), message(dan, 'b'));
  assert.equal(state.conversations.get(G)?.lastSeq, 2);

  const events = run(state, alice, { type: 'SetMemberRole', userId: carol.userId, role: 'admin' });

  then(events, [
    { type: 'MessageSent', senderId: alice.userId, senderName: 'alice', clientMsgId: '', kind: 'system' },
    { type: 'MemberRoleChanged', userId: carol.userId, username: 'carol', role: 'admin' },
  ]);
  assert.deepEqual(entryOf(events[0]), { event: 'role', actor: ref(alice), target: ref(carol), role: 'admin' });
  assert.deepEqual(events.map((e) => e.seq), [3, 3]);
  assert.equal(run(state, carol, { type: 'SendMessage', clientMsgId: 'c', kind: 'text', content: 'x' })[0]?.seq, 4, 'messages go on after the entry');
});

test('a client cannot send a message of kind system', () => {
  then(run(team(), carol, { type: 'SendMessage', clientMsgId: 'c', kind: SYSTEM_KIND, content: '{"event":"dissolved"}' }), rejected('bad_request'));
});

test('each change writes its entry: what happened, to whom, by whom', () => {
  const cases: Array<{ by: Actor; command: CommandPayload; setup?: EventPayload[]; entry: Omit<SystemEntry, 'actor'> }> = [
    { by: bob, command: { type: 'RemoveMember', userId: dan.userId, ban: false }, entry: { event: 'removed', target: ref(dan), ban: false } },
    { by: bob, command: { type: 'RemoveMember', userId: dan.userId, ban: true }, entry: { event: 'removed', target: ref(dan), ban: true } },
    { by: bob, command: { type: 'UnbanMember', userId: boris.userId }, entry: { event: 'unbanned', target: ref(boris) } },
    { by: alice, command: { type: 'SetMemberRole', userId: bob.userId, role: 'member' }, entry: { event: 'role', target: ref(bob), role: 'member' } },
    { by: alice, command: { type: 'TransferOwnership', userId: carol.userId }, entry: { event: 'owner', target: ref(carol) } },
    { by: alice, command: { type: 'DissolveConversation', reason: 'done' }, entry: { event: 'dissolved' } },
    { by: bob, command: { type: 'MuteMember', userId: dan.userId, until: 5_000 }, entry: { event: 'muted', target: ref(dan), until: 5_000 } },
    {
      by: bob,
      command: { type: 'UpdateGroup', name: 'Team 2', avatar: 'a.png', description: '', joinPolicy: 'approval', invitePolicy: 'friends', muteAll: false },
      entry: { event: 'updated', changes: { name: 'Team 2', avatar: 'a.png', joinPolicy: 'approval' } },
    },
    { by: bob, command: { type: 'PostNotice', noticeId: 'n1', text: 'edited' }, entry: { event: 'notice', notice: { id: 'n1', text: 'edited', edited: true } } },
    { by: carol, command: { type: 'LeaveConversation', reason: '' }, entry: { event: 'left' } },
    { by: nina, command: { type: 'JoinConversation', kind: 'group' }, entry: { event: 'joined', via: 'open', members: [ref(nina)] } },
    { by: nina, setup: [policy('invite')], command: { type: 'JoinConversation', kind: 'group', code: 'L1' }, entry: { event: 'joined', via: 'link', members: [ref(nina)] } },
    { by: bob, command: { type: 'AddMembers', members: [erin, nina] }, entry: { event: 'joined', via: 'added', members: [ref(erin), ref(nina)] } },
    { by: bob, command: { type: 'AnswerJoinRequest', userId: jack.userId, approve: true }, entry: { event: 'joined', via: 'request', members: [ref(jack)] } },
  ];
  for (const { by, command, setup = [], entry } of cases) {
    const events = run(team(...setup), by, command);
    const systemEvents = events.filter((e) => e.payload.type === 'MessageSent');
    assert.equal(systemEvents.length, 1, command.type);
    assert.deepEqual(entryOf(systemEvents[0]), { ...entry, actor: ref(by) }, command.type);
    assert.equal(systemEvents[0]?.payload.type === 'MessageSent' && systemEvents[0].payload.senderId, by.userId);
  }
});

test('a new notice gets a fresh id, in the entry and the event', () => {
  const events = run(team(), bob, { type: 'PostNotice', noticeId: '', text: 'news' });
  const posted = events[1]?.payload;
  assert.ok(posted?.type === 'NoticePosted' && posted.noticeId !== '' && posted.noticeId !== 'n1' && !posted.edited);
  assert.deepEqual(entryOf(events[0]).notice, { id: posted.noticeId, text: 'news', edited: false });
  assert.equal(team(posted).conversations.get(G)?.noticeId, posted.noticeId, 'the new notice is the current one');
});

test('a removal or a leave: the entry first, then the change at the entry\'s seq (where the departed member\'s history ends)', () => {
  const state = team(message(carol));
  const removal = run(state, bob, { type: 'RemoveMember', userId: dan.userId, ban: false });
  then(removal, [{ type: 'MessageSent', kind: 'system' }, { type: 'MemberRemoved', userId: dan.userId, username: 'dan', ban: false }]);
  assert.deepEqual(removal.map((e) => e.seq), [2, 2]);

  const leave = run(state, carol, { type: 'LeaveConversation', reason: '' });
  then(leave, [{ type: 'MessageSent', kind: 'system', senderId: carol.userId }, { type: 'MemberLeft', userId: carol.userId, username: 'carol' }]);
  assert.deepEqual(leave.map((e) => e.seq), [3, 3]);
  assert.deepEqual([...state.conversations.get(G)!.members.keys()], [alice.userId, bob.userId]);
});

test('a join: MembersJoined first (so the joiner gets the entry), then the entry at the next seq', () => {
  const state = team(message(carol));
  const join = run(state, nina, { type: 'JoinConversation', kind: 'group' });
  then(join, [{ type: 'MembersJoined', members: [nina], code: '' }, { type: 'MessageSent', kind: 'system', senderId: nina.userId }]);
  assert.deepEqual(join.map((e) => e.seq), [1, 2]);

  const approval = run(state, bob, { type: 'AnswerJoinRequest', userId: jack.userId, approve: true });
  then(approval, [{ type: 'JoinRequestAnswered', userId: jack.userId, username: 'jack', approved: true }, { type: 'MembersJoined', members: [jack] }, { type: 'MessageSent', kind: 'system' }]);
  assert.deepEqual(approval.map((e) => e.seq), [2, 2, 3]);
});

// --- Roles: removing, promoting, transferring ------------------------------------------------------------

test('RemoveMember: admins remove members, only the owner removes admins, nobody removes the owner', () => {
  const state = team(madeAdmin(carol));
  then(run(state, bob, { type: 'RemoveMember', userId: carol.userId, ban: false }), rejected('forbidden'));
  then(run(state, bob, { type: 'RemoveMember', userId: alice.userId, ban: false }), rejected('forbidden'));
  then(run(state, bob, { type: 'RemoveMember', userId: bob.userId, ban: false }), rejected('self_target'));
  then(run(state, bob, { type: 'RemoveMember', userId: nina.userId, ban: false }), rejected('not_found'));
  then(run(state, bob, { type: 'RemoveMember', userId: rita.userId, ban: false }), rejected('not_found'));
  then(run(state, alice, { type: 'RemoveMember', userId: carol.userId, ban: false }), [{ type: 'MessageSent' }, { type: 'MemberRemoved', userId: carol.userId }]);
  const c = state.conversations.get(G)!;
  assert.equal(c.members.has(carol.userId), false);
  assert.equal(c.admins[carol.userId], undefined, 'a removed admin is no admin');
});

test('a removed member can no longer act in the group, and rejoins like anyone else', () => {
  const state = team();
  run(state, bob, { type: 'RemoveMember', userId: dan.userId, ban: false });
  then(run(state, dan, { type: 'SendMessage', clientMsgId: 'k', kind: 'text', content: 'x' }), rejected('not_member'));
  then(run(state, dan, { type: 'MarkRead', seq: 1 }), rejected('not_member'));
  then(run(state, dan, { type: 'JoinConversation', kind: 'group' }), [{ type: 'MembersJoined', members: [dan] }, { type: 'MessageSent' }]);
});

test('SetMemberRole: the owner only; never the owner; no-ops are conflicts; the role is admin or member', () => {
  const state = team();
  then(run(state, alice, { type: 'SetMemberRole', userId: alice.userId, role: 'member' }), rejected('forbidden'));
  then(run(state, alice, { type: 'SetMemberRole', userId: bob.userId, role: 'admin' }), rejected('conflict'));
  then(run(state, alice, { type: 'SetMemberRole', userId: carol.userId, role: 'member' }), rejected('conflict'));
  then(run(state, alice, { type: 'SetMemberRole', userId: carol.userId, role: 'owner' }), rejected('bad_request'));
  then(run(state, alice, { type: 'SetMemberRole', userId: nina.userId, role: 'admin' }), rejected('not_found'));
  then(run(state, alice, { type: 'SetMemberRole', userId: carol.userId, role: 'admin' }), [{ type: 'MessageSent' }, { type: 'MemberRoleChanged', role: 'admin' }]);
  // carol is an admin now: she moderates members.
  then(run(state, carol, { type: 'RemoveMember', userId: dan.userId, ban: false }), [{ type: 'MessageSent' }, { type: 'MemberRemoved' }]);
  then(run(state, alice, { type: 'SetMemberRole', userId: carol.userId, role: 'member' }), [{ type: 'MessageSent' }, { type: 'MemberRoleChanged', role: 'member' }]);
  then(run(state, carol, { type: 'CreateInviteLink', code: 'X', expiresAt: NOW + 1, maxUses: 0 }), rejected('forbidden'));
});

test('TransferOwnership: the new owner is owner at once, the old owner becomes an admin', () => {
  const state = team();
  then(run(state, alice, { type: 'TransferOwnership', userId: alice.userId }), rejected('self_target'));
  then(run(state, alice, { type: 'TransferOwnership', userId: nina.userId }), rejected('not_found'));
  then(run(state, alice, { type: 'TransferOwnership', userId: rita.userId }), rejected('not_found'));
  then(run(state, alice, { type: 'TransferOwnership', userId: dan.userId }), [
    { type: 'MessageSent', kind: 'system' },
    { type: 'OwnershipTransferred', fromId: alice.userId, toId: dan.userId, toName: 'dan' },
  ]);
  const c = state.conversations.get(G)!;
  assert.equal(c.ownerId, dan.userId);
  assert.deepEqual(Object.keys(c.admins).sort(), [alice.userId, bob.userId].sort());

  then(run(state, alice, { type: 'DissolveConversation', reason: '' }), rejected('forbidden'));
  then(run(state, alice, { type: 'SetMemberRole', userId: carol.userId, role: 'admin' }), rejected('forbidden'));
  // The new owner runs the group, and may demote or remove the old owner; the old owner may leave now.
  then(run(state, dan, { type: 'SetMemberRole', userId: carol.userId, role: 'admin' }), [{ type: 'MessageSent' }, { type: 'MemberRoleChanged' }]);
  then(run(state, alice, { type: 'LeaveConversation', reason: '' }), [{ type: 'MessageSent' }, { type: 'MemberLeft', userId: alice.userId }]);
  then(run(state, dan, { type: 'LeaveConversation', reason: '' }), rejected('forbidden'));
});

test('transferring to an admin: they are owner, not admin as well', () => {
  const state = team();
  run(state, alice, { type: 'TransferOwnership', userId: bob.userId });
  const c = state.conversations.get(G)!;
  assert.deepEqual([c.ownerId, Object.keys(c.admins)], [bob.userId, [alice.userId]]);
});

// --- Leaving and dissolving ------------------------------------------------------------------------------

test('the owner may not leave while others remain; the last member leaving dissolves the group', () => {
  const state = given(...on(G, created('invite', [alice, bob])));
  then(run(state, alice, { type: 'LeaveConversation', reason: '' }), rejected('forbidden'));
  run(state, bob, { type: 'LeaveConversation', reason: '' });

  const events = run(state, alice, { type: 'LeaveConversation', reason: '' });
  then(events, [{ type: 'MessageSent', kind: 'system' }, { type: 'MemberLeft', userId: alice.userId }, { type: 'ConversationDissolved' }]);
  assert.deepEqual(events.map((e) => e.seq), [2, 2, 2]);
  assert.equal(state.conversations.get(G)?.dissolved, true);
  then(run(state, alice, { type: 'JoinConversation', kind: 'group' }), rejected('dissolved'));
});

test('after DissolveConversation every command but MarkRead and LeaveConversation is refused with dissolved', () => {
  for (const role of ['owner', 'admin', 'member'] as const) {
    for (const row of MATRIX) {
      const state = cellState(row);
      also(state, ...on(G, dissolved));
      const command = commandOf(row, actorOf[role]);
      const expected = command.type === 'MarkRead' ? 'ReceiptsMarked' : command.type === 'LeaveConversation' ? 'entry + MemberLeft' : '✗ dissolved';
      assert.equal(outcome(run(state, actorOf[role], command)), expected, `${row.action} by the ${role}`);
    }
  }
  for (const row of MATRIX.filter((r) => commandOf(r, nina).type === 'JoinConversation')) {
    const state = cellState(row);
    also(state, ...on(G, dissolved));
    assert.equal(outcome(run(state, nina, commandOf(row, nina))), '✗ dissolved', row.action);
  }
});

test('a dissolved group keeps its history and members; its invitations, requests and links are gone', () => {
  const state = team(message(carol), message(dan, 'b'));
  also(state, invitedBy(carol, erin), ...on(G, checked(erin)));
  then(run(state, alice, { type: 'DissolveConversation', reason: 'done' }), [{ type: 'MessageSent', kind: 'system' }, { type: 'ConversationDissolved', reason: 'done' }]);
  const c = state.conversations.get(G)!;
  assert.deepEqual([c.dissolved, c.lastSeq, c.members.size], [true, 3, 4]);
  assert.deepEqual([c.invitations, c.joinRequests, c.links], [{}, {}, {}]);
  then(run(state, carol, { type: 'MarkRead', seq: 3 }), [{ type: 'ReceiptsMarked', marks: [{ userId: carol.userId, readSeq: 3, deliveredSeq: 3, shared: true }] }]);
  then(run(state, erin, { type: 'AnswerInvitation', accept: true }), rejected('dissolved'));
  then(run(state, nina, { type: 'JoinConversation', kind: 'group', code: 'L1' }), rejected('dissolved'));
  // The owner of a dissolved group may leave it like anyone.
  then(run(state, alice, { type: 'LeaveConversation', reason: '' }), [{ type: 'MessageSent' }, { type: 'MemberLeft' }]);
});

// --- Mutes ------------------------------------------------------------------------------------------------

const send = (clientMsgId: string): CommandPayload => ({ type: 'SendMessage', clientMsgId, kind: 'text', content: 'x' });

test('a muted member cannot send until the mute ends', () => {
  const state = team();
  then(run(state, bob, { type: 'MuteMember', userId: dan.userId, until: 5_000 }), [{ type: 'MessageSent' }, { type: 'MemberMuted', userId: dan.userId, username: 'dan', until: 5_000 }]);
  then(run(state, bob, { type: 'MuteMember', userId: dan.userId, until: 5_000 }), rejected('conflict')); // the same mute again is no change (and no entry)
  then(run(state, dan, send('k1')), rejected('muted'));
  then(run(state, dan, send('k1'), at(4_999)), rejected('muted'));
  then(run(state, dan, send('k1'), at(5_000)), [{ type: 'MessageSent', senderId: dan.userId, kind: 'text' }]);
  // Being muted takes nothing else: reading and acknowledging the notice go on.
  then(run(state, dan, { type: 'AckNotice', noticeId: 'n1' }), [{ type: 'NoticeAcknowledged', userId: dan.userId, noticeId: 'n1' }]);
});

test('a mute until a time already past (or 0) unmutes; unmuting the unmuted is a conflict', () => {
  const state = team({ type: 'MemberMuted', userId: dan.userId, username: 'dan', until: 5_000 });
  then(run(state, carol, { type: 'MuteMember', userId: dan.userId, until: 0 }), rejected('forbidden'));
  const events = run(state, bob, { type: 'MuteMember', userId: dan.userId, until: NOW - 1 });
  then(events, [{ type: 'MessageSent', kind: 'system' }, { type: 'MemberMuted', userId: dan.userId, until: 0 }]);
  assert.equal(entryOf(events[0]).until, 0);
  then(run(state, dan, send('k1')), [{ type: 'MessageSent' }]);
  then(run(state, bob, { type: 'MuteMember', userId: dan.userId, until: 0 }), rejected('conflict'));
  then(run(state, bob, { type: 'MuteMember', userId: dan.userId, until: -1 }), rejected('bad_request'));
  then(run(state, bob, { type: 'MuteMember', userId: nina.userId, until: 5_000 }), rejected('not_found'));
});

test('admins are muted only by the owner; the owner by nobody', () => {
  const state = team(madeAdmin(carol));
  then(run(state, bob, { type: 'MuteMember', userId: carol.userId, until: 5_000 }), rejected('forbidden'));
  then(run(state, bob, { type: 'MuteMember', userId: alice.userId, until: 5_000 }), rejected('forbidden'));
  then(run(state, alice, { type: 'MuteMember', userId: alice.userId, until: 5_000 }), rejected('forbidden'));
  then(run(state, alice, { type: 'MuteMember', userId: carol.userId, until: 5_000 }), [{ type: 'MessageSent' }, { type: 'MemberMuted', until: 5_000 }]);
  then(run(state, carol, send('k1')), rejected('muted'));
});

test('a muted member who becomes the owner is not muted any more (the owner is muted by nobody)', () => {
  const state = team({ type: 'MemberMuted', userId: dan.userId, username: 'dan', until: 5_000 });
  run(state, alice, { type: 'TransferOwnership', userId: dan.userId });
  then(run(state, dan, send('k1')), [{ type: 'MessageSent', senderId: dan.userId }]);
});

test('muteAll: only the owner and admins send; lifting it lets everyone write again', () => {
  const state = team();
  const muteAll = (on: boolean): CommandPayload => ({ type: 'UpdateGroup', name: 'Team', avatar: '', description: '', joinPolicy: 'open', invitePolicy: 'friends', muteAll: on });
  const events = run(state, bob, muteAll(true));
  assert.deepEqual(entryOf(events[0]).changes, { muteAll: true });
  then(run(state, carol, send('k1')), rejected('muted'));
  then(run(state, bob, send('k2')), [{ type: 'MessageSent' }]);
  then(run(state, alice, send('k3')), [{ type: 'MessageSent' }]);
  run(state, bob, muteAll(false));
  then(run(state, carol, send('k1')), [{ type: 'MessageSent' }]);
});

test('leaving or being removed ends a mute: a muted member who rejoins is not muted', () => {
  const state = team({ type: 'MemberMuted', userId: dan.userId, username: 'dan', until: 5_000 });
  run(state, dan, { type: 'LeaveConversation', reason: '' });
  run(state, dan, { type: 'JoinConversation', kind: 'group' });
  then(run(state, dan, send('k1')), [{ type: 'MessageSent' }]);
});

// --- Bans -----------------------------------------------------------------------------------------------

test('a banned user cannot rejoin, be added or be invited until unbanned', () => {
  const state = team();
  then(run(state, bob, { type: 'RemoveMember', userId: dan.userId, ban: true }), [{ type: 'MessageSent' }, { type: 'MemberRemoved', userId: dan.userId, ban: true }]);
  assert.deepEqual(state.conversations.get(G)?.banned, { [boris.userId]: 'boris', [dan.userId]: 'dan' });
  then(run(state, dan, { type: 'JoinConversation', kind: 'group' }), rejected('banned'));
  then(run(state, dan, { type: 'JoinConversation', kind: 'group', code: 'L1' }), rejected('banned'));
  then(run(state, bob, { type: 'AddMembers', members: [dan] }), rejected('banned'));
  then(run(state, carol, { type: 'InviteMembers', invitees: [invitee(dan)] }), rejected('banned'));

  then(run(state, carol, { type: 'UnbanMember', userId: dan.userId }), rejected('forbidden'));
  then(run(state, bob, { type: 'UnbanMember', userId: dan.userId }), [{ type: 'MessageSent', kind: 'system' }, { type: 'MemberUnbanned', userId: dan.userId, username: 'dan' }]);
  then(run(state, bob, { type: 'UnbanMember', userId: dan.userId }), rejected('conflict'));
  then(run(state, dan, { type: 'JoinConversation', kind: 'group' }), [{ type: 'MembersJoined', members: [dan] }, { type: 'MessageSent' }]);
});

test('a join request of a user banned since cannot be approved (only refused)', () => {
  const state = team();
  // jack joined by the link, was banned; his old request is gone with the join.
  run(state, jack, { type: 'JoinConversation', kind: 'group', code: 'L1' });
  run(state, bob, { type: 'RemoveMember', userId: jack.userId, ban: true });
  then(run(state, bob, { type: 'AnswerJoinRequest', userId: jack.userId, approve: true }), rejected('not_found'));
  // A request recorded before a ban (facts in any order) is still not a way in.
  also(state, ...on(G, requested(jack)));
  then(run(state, bob, { type: 'AnswerJoinRequest', userId: jack.userId, approve: true }), rejected('banned'));
  then(run(state, bob, { type: 'AnswerJoinRequest', userId: jack.userId, approve: false }), [{ type: 'JoinRequestAnswered', approved: false }]);
});

// --- Join policies --------------------------------------------------------------------------------------

test('open: anyone with the id joins', () => {
  then(run(team(), nina, { type: 'JoinConversation', kind: 'group' }), [{ type: 'MembersJoined', members: [nina], code: '' }, { type: 'MessageSent', kind: 'system' }]);
  then(run(team(), nina, { type: 'JoinConversation', kind: 'group' }, ctx, 'g.nope'), rejected('not_found'));
});

test('approval: a join request with a note waits for an admin, who lets them in or refuses', () => {
  const state = team(policy('approval'));
  then(run(state, nina, { type: 'JoinConversation', kind: 'group', note: 'I am nina' }), [
    { type: 'JoinRequested', userId: nina.userId, username: 'nina', note: 'I am nina', invitedBy: '' },
  ]);
  then(run(state, nina, { type: 'JoinConversation', kind: 'group' }), rejected('request_pending'));
  then(run(state, nina, send('k')), rejected('not_member'));

  then(run(state, carol, { type: 'AnswerJoinRequest', userId: nina.userId, approve: true }), rejected('forbidden'));
  const approved = run(state, bob, { type: 'AnswerJoinRequest', userId: nina.userId, approve: true });
  then(approved, [{ type: 'JoinRequestAnswered', userId: nina.userId, approved: true }, { type: 'MembersJoined', members: [nina], code: '' }, { type: 'MessageSent' }]);
  assert.deepEqual(entryOf(approved[2]), { event: 'joined', via: 'request', members: [ref(nina)], actor: ref(bob) });
  then(run(state, bob, { type: 'AnswerJoinRequest', userId: nina.userId, approve: true }), rejected('not_found'));

  then(run(state, alice, { type: 'AnswerJoinRequest', userId: jack.userId, approve: false }), [{ type: 'JoinRequestAnswered', userId: jack.userId, username: 'jack', approved: false }]);
  assert.equal(state.conversations.get(G)?.members.has(jack.userId), false);
  // Refused, jack may ask again.
  then(run(state, jack, { type: 'JoinConversation', kind: 'group' }), [{ type: 'JoinRequested', userId: jack.userId }]);
});

test('invite: a plain join is forbidden; an invitation or an invite link gets in', () => {
  const state = team(policy('invite'));
  then(run(state, nina, { type: 'JoinConversation', kind: 'group' }), rejected('forbidden'));
  then(run(state, nina, { type: 'JoinConversation', kind: 'group', code: 'L1' }), [{ type: 'MembersJoined', members: [nina], code: 'L1' }, { type: 'MessageSent' }]);
});

test('the join policy and invite policy are set by admins, to known values only', () => {
  const state = team();
  const update = (joinPolicy: string, invitePolicy: string): CommandPayload => ({ type: 'UpdateGroup', name: 'Team', avatar: '', description: '', joinPolicy, invitePolicy, muteAll: false });
  then(run(state, bob, update('closed', 'friends')), rejected('bad_request'));
  then(run(state, bob, update('open', 'everyone')), rejected('bad_request'));
  then(run(state, bob, update('open', 'friends')), rejected('conflict'));
  then(run(state, bob, update('approval', 'anyone')), [{ type: 'MessageSent' }, { type: 'GroupUpdated', joinPolicy: 'approval', invitePolicy: 'anyone' }]);
  const c = state.conversations.get(G)!;
  assert.deepEqual([c.joinPolicy, c.invitePolicy], ['approval', 'anyone']);
});

test('a group is created with its join policy (open when the event has none)', () => {
  const state = given();
  then(run(state, alice, { type: 'CreateConversation', kind: 'group', name: 'New', members: [alice], joinPolicy: 'invite' }), [{ type: 'ConversationCreated', joinPolicy: 'invite' }]);
  then(run(state, alice, { type: 'CreateConversation', kind: 'group', name: 'Bad', members: [alice], joinPolicy: 'closed' }, ctx, 'g.bad'), rejected('bad_request'));
  const c = state.conversations.get(G)!;
  assert.deepEqual([c.joinPolicy, c.ownerId, c.createdBy], ['invite', alice.userId, alice.userId]);
  const old = given(...on('g.old', { type: 'ConversationCreated', kind: 'group', name: 'Old', createdBy: alice.userId, members: [alice] }));
  assert.equal(old.conversations.get('g.old')?.joinPolicy, 'open');
});

// --- Invite links ---------------------------------------------------------------------------------------

test('invite links: admins create and revoke them; a code is unique; it must expire in the future', () => {
  const state = team();
  then(run(state, bob, { type: 'CreateInviteLink', code: 'L2', expiresAt: NOW + 1, maxUses: 3 }), [{ type: 'InviteLinkCreated', code: 'L2', expiresAt: NOW + 1, maxUses: 3 }]);
  then(run(state, bob, { type: 'CreateInviteLink', code: 'L2', expiresAt: NOW + 1, maxUses: 3 }), rejected('conflict'));
  then(run(state, bob, { type: 'CreateInviteLink', code: 'L3', expiresAt: NOW, maxUses: 0 }), rejected('bad_request'));
  then(run(state, bob, { type: 'CreateInviteLink', code: 'L3', expiresAt: NOW + 1, maxUses: -1 }), rejected('bad_request'));
  then(run(state, bob, { type: 'RevokeInviteLink', code: 'L2' }), [{ type: 'InviteLinkRevoked', code: 'L2' }]);
  then(run(state, bob, { type: 'RevokeInviteLink', code: 'L2' }), rejected('not_found'));
});

test('a link used as often as it may be is invite_expired; each join by it counts one use', () => {
  const state = team(policy('invite'), link('TWO', 10_000, 2));
  then(run(state, nina, { type: 'JoinConversation', kind: 'group', code: 'TWO' }), [{ type: 'MembersJoined', code: 'TWO' }, { type: 'MessageSent' }]);
  assert.equal(state.conversations.get(G)?.links.TWO?.uses, 1);
  then(run(state, erin, { type: 'JoinConversation', kind: 'group', code: 'TWO' }), [{ type: 'MembersJoined', code: 'TWO' }, { type: 'MessageSent' }]);
  then(run(state, rita, { type: 'JoinConversation', kind: 'group', code: 'TWO' }), rejected('invite_expired'));
  // A refused join uses nothing; an unlimited link (L1) goes on.
  assert.equal(state.conversations.get(G)?.links.TWO?.uses, 2);
  then(run(state, rita, { type: 'JoinConversation', kind: 'group', code: 'L1' }), [{ type: 'MembersJoined', code: 'L1' }, { type: 'MessageSent' }]);
});

test('an expired link is invite_expired; a revoked (or unknown) one is invite_revoked', () => {
  const state = team(policy('invite'));
  then(run(state, nina, { type: 'JoinConversation', kind: 'group', code: 'L1' }, at(10_000)), rejected('invite_expired'));
  then(run(state, nina, { type: 'JoinConversation', kind: 'group', code: 'nope' }), rejected('invite_revoked'));
  run(state, bob, { type: 'RevokeInviteLink', code: 'L1' });
  then(run(state, nina, { type: 'JoinConversation', kind: 'group', code: 'L1' }), rejected('invite_revoked'));
});

test('a link gets in whatever the policy: an approval group too', () => {
  const state = team(policy('approval'));
  then(run(state, nina, { type: 'JoinConversation', kind: 'group', code: 'L1' }), [{ type: 'MembersJoined' }, { type: 'MessageSent' }]);
});

test('a join folded twice (a consumer replaying) counts one use of its link', () => {
  const state = team(policy('invite'), link('ONE', 10_000, 1));
  const events = run(state, nina, { type: 'JoinConversation', kind: 'group', code: 'ONE' });
  for (const event of events) state.apply(event);
  const c = state.conversations.get(G)!;
  assert.deepEqual([c.links.ONE?.uses, c.members.size, c.lastSeq], [1, 5, 1]);
});

test('the fold is idempotent for the other group facts too', () => {
  const state = team();
  const events = [
    ...run(state, bob, { type: 'PostNotice', noticeId: '', text: 'second' }),
    ...run(state, alice, { type: 'SetMemberRole', userId: carol.userId, role: 'admin' }),
    ...run(state, bob, { type: 'RemoveMember', userId: dan.userId, ban: true }),
  ];
  const before = JSON.stringify(groupFields(state));
  for (const event of events) state.apply(event);
  assert.equal(JSON.stringify(groupFields(state)), before);
  assert.equal(state.conversations.get(G)?.noticeCount, 2);
});

/** The group's state as plain data (members included): it serializes as it is. */
function groupFields(state: StreamState) {
  const { members, sent, ...rest } = state.conversations.get(G)!;
  return { ...rest, members: [...members], sent: [...sent] };
}

// --- Invitations ----------------------------------------------------------------------------------------

test('InviteMembers: any member invites; members, the already invited and repeats are left out', () => {
  const state = team();
  then(run(state, carol, { type: 'InviteMembers', invitees: [invitee(erin), invitee(erin), invitee(dan), invitee(nina)] }), [
    { type: 'MembersInvited', invitees: [invitee(erin), invitee(nina)], friendsOnly: true },
  ]);
  const c = state.conversations.get(G)!;
  assert.deepEqual(c.invitations[erin.userId], { by: carol.userId, byName: 'carol', byAdmin: false, checked: false });
  then(run(state, bob, { type: 'InviteMembers', invitees: [invitee(erin), invitee(dan)] }), rejected('conflict'));
  then(run(state, carol, { type: 'InviteMembers', invitees: [invitee(carol)] }), rejected('conflict'));
});

test('InviteMembers asks for friendship when the invite policy is friends, not when it is anyone', () => {
  then(run(team(policy('open', { invitePolicy: 'anyone' })), carol, { type: 'InviteMembers', invitees: [invitee(erin)] }), [{ type: 'MembersInvited', friendsOnly: false }]);
});

test('an invitation not yet checked by the invitee\'s stream cannot be answered', () => {
  const state = team();
  run(state, carol, { type: 'InviteMembers', invitees: [invitee(erin)] });
  then(run(state, erin, { type: 'AnswerInvitation', accept: true }), rejected('not_found'));
  then(run(state, nina, { type: 'AnswerInvitation', accept: true }), rejected('not_found'));
});

test('ConfirmInvitation allowed=false drops the invitation; a second confirmation is a conflict', () => {
  const state = team();
  run(state, carol, { type: 'InviteMembers', invitees: [invitee(erin)] });
  const confirm: CommandPayload = { type: 'ConfirmInvitation', userId: erin.userId, inviterId: carol.userId, allowed: false, reason: 'not_friends' };
  then(run(state, carol, confirm), [{ type: 'InvitationChecked', userId: erin.userId, allowed: false, reason: 'not_friends' }]);
  assert.equal(state.conversations.get(G)?.invitations[erin.userId], undefined);
  then(run(state, carol, confirm), rejected('conflict'));
  then(run(state, erin, { type: 'AnswerInvitation', accept: true }), rejected('not_found'));
  // Dropped, she can be invited again.
  then(run(state, carol, { type: 'InviteMembers', invitees: [invitee(erin)] }), [{ type: 'MembersInvited' }]);
});

test('accepting a checked invitation joins, with the inviter as the entry\'s actor', () => {
  const state = team(policy('invite'));
  run(state, carol, { type: 'InviteMembers', invitees: [invitee(erin)] });
  then(run(state, carol, { type: 'ConfirmInvitation', userId: erin.userId, inviterId: carol.userId, allowed: true, reason: '' }), [{ type: 'InvitationChecked', allowed: true }]);
  then(run(state, carol, { type: 'ConfirmInvitation', userId: erin.userId, inviterId: carol.userId, allowed: true, reason: '' }), rejected('conflict'));

  const events = run(state, erin, { type: 'AnswerInvitation', accept: true });
  then(events, [
    { type: 'InvitationAnswered', userId: erin.userId, username: 'erin', accepted: true },
    { type: 'MembersJoined', members: [erin], code: '' },
    // Sent by erin (her read mark moves, not carol's), naming carol as who brought her in.
    { type: 'MessageSent', kind: 'system', senderId: erin.userId, senderName: 'erin' },
  ]);
  assert.deepEqual(entryOf(events[2]), { event: 'joined', via: 'invitation', members: [ref(erin)], actor: ref(carol) });
  assert.equal(state.conversations.get(G)?.invitations[erin.userId], undefined);
  then(run(state, erin, { type: 'AnswerInvitation', accept: true }), rejected('not_found'));
});

test('declining a checked invitation ends it, and nothing else', () => {
  const state = team();
  also(state, invitedBy(carol, erin), ...on(G, checked(erin)));
  then(run(state, erin, { type: 'AnswerInvitation', accept: false }), [{ type: 'InvitationAnswered', userId: erin.userId, accepted: false }]);
  assert.equal(state.conversations.get(G)?.members.has(erin.userId), false);
  then(run(state, erin, { type: 'AnswerInvitation', accept: true }), rejected('not_found'));
});

test('an approval group: a member\'s invitation, accepted, is a join request; an admin\'s joins at once', () => {
  const state = team(policy('approval'));
  also(state, invitedBy(carol, erin), invitedBy(bob, nina), ...on(G, checked(erin), checked(nina)));

  then(run(state, erin, { type: 'AnswerInvitation', accept: true }), [
    { type: 'InvitationAnswered', userId: erin.userId, accepted: true },
    { type: 'JoinRequested', userId: erin.userId, username: 'erin', note: '', invitedBy: carol.userId },
  ]);
  assert.equal(state.conversations.get(G)?.members.has(erin.userId), false);
  then(run(state, alice, { type: 'AnswerJoinRequest', userId: erin.userId, approve: true }), [{ type: 'JoinRequestAnswered' }, { type: 'MembersJoined', members: [erin] }, { type: 'MessageSent' }]);

  then(run(state, nina, { type: 'AnswerInvitation', accept: true }), [{ type: 'InvitationAnswered' }, { type: 'MembersJoined', members: [nina] }, { type: 'MessageSent' }]);
});

test('joining some other way ends a pending invitation and request', () => {
  const state = team();
  also(state, invitedBy(carol, jack), ...on(G, checked(jack)));
  run(state, bob, { type: 'AddMembers', members: [jack] });
  const c = state.conversations.get(G)!;
  assert.deepEqual([c.invitations[jack.userId], c.joinRequests[jack.userId]], [undefined, undefined]);
  then(run(state, jack, { type: 'AnswerInvitation', accept: true }), rejected('not_found'));
});

test('invitations, links and direct adds are for groups; a direct conversation has no group commands', () => {
  const direct = directConversationId(alice.userId, bob.userId);
  const state = given(...on(direct, { type: 'ConversationCreated', kind: 'direct', name: '', createdBy: alice.userId, members: [alice, bob] }));
  then(run(state, alice, send('k1'), ctx, direct), [{ type: 'MessageSent' }]);
  then(run(state, alice, { type: 'InviteMembers', invitees: [invitee(erin)] }, ctx, direct), rejected('bad_request'));
  then(run(state, alice, { type: 'DissolveConversation', reason: '' }, ctx, direct), rejected('bad_request'));
  then(run(state, alice, { type: 'RemoveMember', userId: bob.userId, ban: false }, ctx, direct), rejected('bad_request'));
  then(run(team(), alice, { type: 'SetMemberRole', userId: bob.userId, role: 'member' }, ctx, 'g.nope'), rejected('not_found'));
});

// --- Notices --------------------------------------------------------------------------------------------

test('notices: only the current one is edited or acknowledged', () => {
  const state = team();
  then(run(state, bob, { type: 'PostNotice', noticeId: 'n0', text: 'x' }), rejected('not_found'));
  then(run(state, carol, { type: 'AckNotice', noticeId: 'n0' }), rejected('not_found'));
  then(run(state, carol, { type: 'AckNotice', noticeId: '' }), rejected('not_found'));
  const [, posted] = run(state, bob, { type: 'PostNotice', noticeId: '', text: 'second' });
  const id = posted?.payload.type === 'NoticePosted' ? posted.payload.noticeId : '';
  then(run(state, bob, { type: 'PostNotice', noticeId: 'n1', text: 'x' }), rejected('not_found'));
  then(run(state, carol, { type: 'AckNotice', noticeId: 'n1' }), rejected('not_found'));
  then(run(state, carol, { type: 'AckNotice', noticeId: id }), [{ type: 'NoticeAcknowledged', userId: carol.userId, noticeId: id }]);
  then(run(state, alice, { type: 'PostNotice', noticeId: id, text: 'second, edited' }), [{ type: 'MessageSent' }, { type: 'NoticePosted', noticeId: id, edited: true }]);
  then(run(state, bob, { type: 'PostNotice', noticeId: id, text: 'second, edited' }), rejected('conflict')); // an edit to the same text is no change

  const fresh = given(...on(G, created()));
  then(run(fresh, alice, { type: 'AckNotice', noticeId: '' }), rejected('not_found'));
});

// --- Limits (testContext: 3 members, 2 admins, 2 notices, 2 invite links) -----------------------------------

test('maxAdmins: a third admin is limit_reached; demoting one makes room', () => {
  const state = team(madeAdmin(carol));
  then(run(state, alice, { type: 'SetMemberRole', userId: dan.userId, role: 'admin' }, testContext), rejected('limit_reached'));
  run(state, alice, { type: 'SetMemberRole', userId: carol.userId, role: 'member' }, testContext);
  then(run(state, alice, { type: 'SetMemberRole', userId: dan.userId, role: 'admin' }, testContext), [{ type: 'MessageSent' }, { type: 'MemberRoleChanged' }]);
});

test('maxNotices: the group posts at most that many notices in its life; edits do not count', () => {
  const state = team();
  then(run(state, bob, { type: 'PostNotice', noticeId: '', text: 'second' }, testContext), [{ type: 'MessageSent' }, { type: 'NoticePosted', edited: false }]);
  then(run(state, bob, { type: 'PostNotice', noticeId: '', text: 'third' }, testContext), rejected('limit_reached'));
  const current = state.conversations.get(G)!.noticeId;
  then(run(state, bob, { type: 'PostNotice', noticeId: current, text: 'edited' }, testContext), [{ type: 'MessageSent' }, { type: 'NoticePosted', edited: true }]);
});

test('maxInviteLinks: live links at once; revoking one makes room', () => {
  const state = team();
  const create = (code: string): CommandPayload => ({ type: 'CreateInviteLink', code, expiresAt: NOW + 1, maxUses: 0 });
  then(run(state, bob, create('L2'), testContext), [{ type: 'InviteLinkCreated' }]);
  then(run(state, bob, create('L3'), testContext), rejected('limit_reached'));
  run(state, bob, { type: 'RevokeInviteLink', code: 'L1' }, testContext);
  then(run(state, bob, create('L3'), testContext), [{ type: 'InviteLinkCreated' }]);
});

test('maxMembers: a full group takes nobody more, by any way in', () => {
  const full = () => given(...on(G, created('open', [alice, bob, carol]), link('L1'), requested(jack)));
  then(run(full(), nina, { type: 'JoinConversation', kind: 'group' }, testContext), rejected('limit_reached'));
  then(run(full(), nina, { type: 'JoinConversation', kind: 'group', code: 'L1' }, testContext), rejected('limit_reached'));
  then(run(full(), alice, { type: 'AddMembers', members: [nina] }, testContext), rejected('limit_reached'));
  then(run(full(), alice, { type: 'AnswerJoinRequest', userId: jack.userId, approve: true }, testContext), rejected('limit_reached'));
  const invited = full();
  also(invited, invitedBy(alice, erin), ...on(G, checked(erin)));
  then(run(invited, erin, { type: 'AnswerInvitation', accept: true }, testContext), rejected('limit_reached'));
  // Declining and refusing are always possible.
  then(run(invited, erin, { type: 'AnswerInvitation', accept: false }, testContext), [{ type: 'InvitationAnswered', accepted: false }]);
  then(run(full(), alice, { type: 'AnswerJoinRequest', userId: jack.userId, approve: false }, testContext), [{ type: 'JoinRequestAnswered', approved: false }]);
  // One leaves: one may join.
  const room = full();
  run(room, carol, { type: 'LeaveConversation', reason: '' }, testContext);
  then(run(room, nina, { type: 'JoinConversation', kind: 'group' }, testContext), [{ type: 'MembersJoined' }, { type: 'MessageSent' }]);
});

test('maxMembers also bounds the invitations and the join requests waiting at once', () => {
  const state = given(...on(G, created('open', [alice])));
  then(run(state, alice, { type: 'InviteMembers', invitees: [invitee(bob), invitee(carol), invitee(dan)] }, testContext), [{ type: 'MembersInvited' }]);
  then(run(state, alice, { type: 'InviteMembers', invitees: [invitee(erin)] }, testContext), rejected('limit_reached'));

  const requests = given(...on(G, created('approval', [alice]), requested(bob), requested(carol), requested(dan)));
  then(run(requests, nina, { type: 'JoinConversation', kind: 'group' }, testContext), rejected('limit_reached'));
});

// --- Rooms ----------------------------------------------------------------------------------------------

const joinRoom = (state: StreamState, who: Actor) => run(state, who, { type: 'JoinConversation', kind: 'room' }, ctx, ROOM);
const onRoom = (state: StreamState, who: Actor, payload: CommandPayload) => run(state, who, payload, ctx, ROOM);

test('a room\'s first joiner creates it and owns it; the others join it openly', () => {
  const state = given();
  then(joinRoom(state, alice), [{ type: 'ConversationCreated', kind: 'room', name: 'lobby', createdBy: alice.userId, joinPolicy: 'open' }]);
  then(joinRoom(state, bob), [{ type: 'MembersJoined', members: [bob] }, { type: 'MessageSent', kind: 'system' }]);
  const c = state.conversations.get(ROOM)!;
  assert.deepEqual([c.ownerId, c.joinPolicy], [alice.userId, 'open']);
});

test('a room: its join policy stays open and its name its id; the rest of its profile and muteAll change', () => {
  const state = given();
  joinRoom(state, alice);
  const update = (name: string, joinPolicy: string, muteAll = false): CommandPayload => ({ type: 'UpdateGroup', name, avatar: '', description: 'chat', joinPolicy, invitePolicy: 'friends', muteAll });
  then(onRoom(state, alice, update('lobby', 'invite')), rejected('bad_request'));
  then(onRoom(state, alice, update('lobby', 'approval')), rejected('bad_request'));
  then(onRoom(state, alice, update('Lobby!', 'open')), rejected('bad_request'));
  then(onRoom(state, alice, update('lobby', 'open', true)), [{ type: 'MessageSent' }, { type: 'GroupUpdated', name: 'lobby', joinPolicy: 'open', description: 'chat', muteAll: true }]);
});

test('a room takes no invitations, invite links or direct adds', () => {
  const state = given();
  joinRoom(state, alice);
  then(onRoom(state, alice, { type: 'InviteMembers', invitees: [invitee(bob)] }), rejected('bad_request'));
  then(onRoom(state, alice, { type: 'CreateInviteLink', code: 'X', expiresAt: NOW + 1, maxUses: 0 }), rejected('bad_request'));
  then(onRoom(state, alice, { type: 'AddMembers', members: [bob] }), rejected('bad_request'));
});

test('a room: moderators kick and ban; the kicked rejoin, the banned cannot until unbanned', () => {
  const state = given();
  for (const who of [alice, bob, carol, dan]) joinRoom(state, who);
  then(onRoom(state, alice, { type: 'SetMemberRole', userId: bob.userId, role: 'admin' }), [{ type: 'MessageSent' }, { type: 'MemberRoleChanged' }]);
  then(onRoom(state, carol, { type: 'RemoveMember', userId: dan.userId, ban: false }), rejected('forbidden'));

  then(onRoom(state, bob, { type: 'RemoveMember', userId: carol.userId, ban: false }), [{ type: 'MessageSent' }, { type: 'MemberRemoved', userId: carol.userId, ban: false }]);
  assert.equal(state.roomsByUser.get(carol.userId)?.has(ROOM), false, 'out of the room\'s presence');
  then(joinRoom(state, carol), [{ type: 'MembersJoined' }, { type: 'MessageSent' }]);

  then(onRoom(state, bob, { type: 'RemoveMember', userId: dan.userId, ban: true }), [{ type: 'MessageSent' }, { type: 'MemberRemoved', userId: dan.userId, ban: true }]);
  then(joinRoom(state, dan), rejected('banned'));
  then(onRoom(state, bob, { type: 'UnbanMember', userId: dan.userId }), [{ type: 'MessageSent' }, { type: 'MemberUnbanned' }]);
  then(joinRoom(state, dan), [{ type: 'MembersJoined' }, { type: 'MessageSent' }]);

  then(onRoom(state, bob, { type: 'MuteMember', userId: dan.userId, until: 5_000 }), [{ type: 'MessageSent' }, { type: 'MemberMuted' }]);
  then(onRoom(state, dan, send('k1')), rejected('muted'));
});

test('a room\'s owner may leave: it passes to its first admin, else its longest-standing member; an emptied room is owned by its next joiner', () => {
  const state = given();
  joinRoom(state, alice);
  joinRoom(state, bob);
  joinRoom(state, carol);
  then(onRoom(state, alice, { type: 'SetMemberRole', userId: carol.userId, role: 'admin' }), [{ type: 'MessageSent' }, { type: 'MemberRoleChanged' }]);
  const left = onRoom(state, alice, { type: 'LeaveConversation', reason: '' });
  then(left, [{ type: 'MessageSent' }, { type: 'MemberLeft', userId: alice.userId }, { type: 'MessageSent' }, { type: 'OwnershipTransferred', fromId: alice.userId, toId: carol.userId }]);
  assert.equal(entryOf(left[2])?.event, 'owner');
  assert.equal(roleOf(state.conversations.get(ROOM)!, carol.userId), 'owner', 'the admin, not the longer-standing bob');
  then(onRoom(state, carol, { type: 'LeaveConversation', reason: '' }), [{ type: 'MessageSent' }, { type: 'MemberLeft' }, { type: 'MessageSent' }, { type: 'OwnershipTransferred', toId: bob.userId }]);
  then(onRoom(state, bob, { type: 'LeaveConversation', reason: '' }), [{ type: 'MessageSent' }, { type: 'MemberLeft', userId: bob.userId }]);
  assert.equal(state.conversations.get(ROOM)?.dissolved, false, 'an emptied room stays joinable');
  then(joinRoom(state, dan), [{ type: 'MembersJoined', members: [dan] }, { type: 'MessageSent' }, { type: 'MessageSent' }, { type: 'OwnershipTransferred', fromId: bob.userId, toId: dan.userId }]);
  assert.equal(roleOf(state.conversations.get(ROOM)!, dan.userId), 'owner');
  then(joinRoom(state, alice), [{ type: 'MembersJoined', members: [alice] }, { type: 'MessageSent' }]);
  assert.equal(roleOf(state.conversations.get(ROOM)!, alice.userId), 'member', 'a former owner comes back as a member');
});

test('a room is dissolved only by its owner, and then refuses joins', () => {
  const state = given();
  joinRoom(state, alice);
  joinRoom(state, bob);
  then(onRoom(state, bob, { type: 'DissolveConversation', reason: '' }), rejected('forbidden'));
  then(onRoom(state, alice, { type: 'DissolveConversation', reason: '' }), [{ type: 'MessageSent' }, { type: 'ConversationDissolved' }]);
  then(joinRoom(state, carol), rejected('dissolved'));
  then(onRoom(state, bob, send('k1')), rejected('dissolved'));
});

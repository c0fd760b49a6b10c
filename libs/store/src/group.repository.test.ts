import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import type { Actor, EventPayload, ParleyEvent } from '@parley/schemas';
import type { SystemEntry } from '@parley/protocol';
import { migrateTo, migrateToLatest, migrationsAfter } from './migrations.js';
import { ProjectionWriter } from './projection-writer.js';
import { GroupRepository } from './group.repository.js';
import { ConversationRepository } from './conversation.repository.js';
import { MessageRepository } from './message.repository.js';
import { projectionChecksums } from './checksum.js';
import { testDatabases } from './test-databases.js';

const { databases, stop } = testDatabases();
after(stop);

const user = (userId: string, username: string): Actor => ({ userId, username });
const alice = user('ua', 'alice');
const bob = user('ub', 'bob');
const carl = user('uc', 'carl');
const dave = user('ud', 'dave');
const erin = user('ue', 'erin');
const frank = user('uf', 'frank');
const gina = user('ug', 'gina');
const hank = user('uh', 'hank');
const ian = user('ui', 'ian');
const ref = (a: Actor) => ({ id: a.userId, username: a.username });
const FAR = 9_000_000_000_000;

/**
 * Writes a conversation's events as the decider does: a system entry takes the next seq; any other event
 * carries the newest seq before it. `ws` gives the events an origin connection (the batched path).
 */
function timeline(stream: string) {
  let seq = 0;
  let n = 0;
  const events: ParleyEvent[] = [];
  const push = (payload: EventPayload, actor: Actor, ws = false): ParleyEvent => {
    if (payload.type === 'MessageSent') seq += 1;
    n += 1;
    const e: ParleyEvent = {
      eventId: `${stream}-e${n}`,
      stream,
      seq: payload.type === 'ConversationCreated' ? 0 : seq,
      ts: 10_000 + n,
      commandId: `${stream}-c${n}`,
      actor,
      origin: ws ? { gatewayId: 'g', connectionId: 'g/1' } : null,
      payload,
    };
    events.push(e);
    return e;
  };
  return {
    events,
    event: push,
    entry: (by: Actor, entry: Omit<SystemEntry, 'actor'>, ws = false) =>
      push({ type: 'MessageSent', id: `${stream}-m${seq + 1}`, senderId: by.userId, senderName: by.username, clientMsgId: '', kind: 'system', content: JSON.stringify({ ...entry, actor: ref(by) }) }, by, ws),
    message: (by: Actor, content: string) =>
      push({ type: 'MessageSent', id: `${stream}-m${seq + 1}`, senderId: by.userId, senderName: by.username, clientMsgId: `k${seq + 1}`, kind: 'text', content }, by, true),
  };
}

/** A group through every kind of change, a dissolved group, and a room. */
function groupLog(): ParleyEvent[] {
  const profiles: ParleyEvent[] = [alice, bob, carl].map((u, i) => ({
    eventId: `p${i}`,
    stream: `u.${u.username}`,
    seq: 0,
    ts: 1000 + i,
    commandId: `pc${i}`,
    actor: u,
    origin: null,
    payload: { type: 'ProfileCreated', profileId: u.userId, loginId: u.userId, handle: u.username, displayName: u === carl ? 'Zoë Carlsson' : u.username, bio: '', avatar: '' },
  }));

  const g = timeline('g.team');
  g.event({ type: 'ConversationCreated', kind: 'group', name: 'team', createdBy: 'ua', members: [alice, bob], joinPolicy: 'approval' }, alice);
  g.message(bob, 'hi');
  g.entry(alice, { event: 'role', target: ref(bob), role: 'admin' });
  g.event({ type: 'MemberRoleChanged', userId: 'ub', username: 'bob', role: 'admin' }, alice);
  g.entry(alice, { event: 'updated', changes: { name: 'Team', avatar: 'initials:#112233', invitePolicy: 'anyone' } });
  g.event({ type: 'GroupUpdated', name: 'Team', avatar: 'initials:#112233', description: 'the team', joinPolicy: 'approval', invitePolicy: 'anyone', muteAll: false }, alice);
  g.entry(alice, { event: 'notice', notice: { id: 'n1', text: 'v1', edited: false } });
  g.event({ type: 'NoticePosted', noticeId: 'n1', text: 'v1', edited: false }, alice);
  g.entry(alice, { event: 'notice', notice: { id: 'n1', text: 'v2', edited: true } });
  g.event({ type: 'NoticePosted', noticeId: 'n1', text: 'v2', edited: true }, alice);
  g.event({ type: 'NoticeAcknowledged', userId: 'ub', noticeId: 'n1' }, bob);
  // bob (an admin) invites carl (allowed) and dave (refused by dave's stream); carl accepts.
  g.event({ type: 'MembersInvited', invitees: [carl, dave].map((u) => ({ ...u, stream: `u.${u.username}` })), friendsOnly: false }, bob);
  g.event({ type: 'InvitationChecked', userId: 'uc', allowed: true, reason: '' }, bob);
  g.event({ type: 'InvitationChecked', userId: 'ud', allowed: false, reason: 'blocked' }, bob);
  g.event({ type: 'InvitationAnswered', userId: 'uc', username: 'carl', accepted: true }, carl);
  g.event({ type: 'MembersJoined', members: [carl], code: '' }, carl);
  g.entry(bob, { event: 'joined', via: 'invitation', members: [ref(carl)] });
  // carl (a member) invites erin: her acceptance becomes a request; frank asks on his own.
  g.event({ type: 'MembersInvited', invitees: [{ ...erin, stream: 'u.erin' }], friendsOnly: false }, carl);
  g.event({ type: 'InvitationChecked', userId: 'ue', allowed: true, reason: '' }, carl);
  g.event({ type: 'InvitationAnswered', userId: 'ue', username: 'erin', accepted: true }, erin);
  g.event({ type: 'JoinRequested', userId: 'ue', username: 'erin', note: '', invitedBy: 'uc' }, erin);
  g.event({ type: 'JoinRequested', userId: 'uf', username: 'frank', note: 'let me in', invitedBy: '' }, frank);
  g.event({ type: 'InviteLinkCreated', code: 'L1', expiresAt: FAR, maxUses: 5 }, alice);
  g.event({ type: 'InviteLinkCreated', code: 'L2', expiresAt: FAR, maxUses: 0 }, alice);
  g.event({ type: 'InviteLinkRevoked', code: 'L2' }, alice);
  // gina joins by link over a connection, and is removed and banned.
  g.event({ type: 'MembersJoined', members: [gina], code: 'L1' }, gina, true);
  g.entry(gina, { event: 'joined', via: 'link', members: [ref(gina)] }, true);
  g.entry(bob, { event: 'removed', target: ref(gina), ban: true });
  g.event({ type: 'MemberRemoved', userId: 'ug', username: 'gina', ban: true }, bob);
  g.entry(alice, { event: 'muted', target: ref(carl), until: FAR });
  g.event({ type: 'MemberMuted', userId: 'uc', username: 'carl', until: FAR }, alice);
  g.entry(carl, { event: 'left' });
  g.event({ type: 'MemberLeft', userId: 'uc', username: 'carl' }, carl);
  g.message(alice, 'after carl');
  g.entry(alice, { event: 'owner', target: ref(bob) });
  g.event({ type: 'OwnershipTransferred', fromId: 'ua', toId: 'ub', toName: 'bob' }, alice);
  // frank is let in, removed with a ban, and unbanned.
  g.event({ type: 'JoinRequestAnswered', userId: 'uf', username: 'frank', approved: true }, bob);
  g.event({ type: 'MembersJoined', members: [frank], code: '' }, bob);
  g.entry(bob, { event: 'joined', via: 'request', members: [ref(frank)] });
  g.entry(bob, { event: 'removed', target: ref(frank), ban: true });
  g.event({ type: 'MemberRemoved', userId: 'uf', username: 'frank', ban: true }, bob);
  g.entry(bob, { event: 'unbanned', target: ref(frank) });
  g.event({ type: 'MemberUnbanned', userId: 'uf', username: 'frank' }, bob);
  // carl comes back by the link.
  g.event({ type: 'MembersJoined', members: [carl], code: 'L1' }, carl);
  g.entry(carl, { event: 'joined', via: 'link', members: [ref(carl)] });
  g.entry(bob, { event: 'muted', target: ref(alice), until: 5_000_000_000_000 });
  g.event({ type: 'MemberMuted', userId: 'ua', username: 'alice', until: 5_000_000_000_000 }, bob);
  g.entry(alice, { event: 'notice', notice: { id: 'n2', text: 'second', edited: false } });
  g.event({ type: 'NoticePosted', noticeId: 'n2', text: 'second', edited: false }, alice);
  g.event({ type: 'MembersInvited', invitees: [{ ...hank, stream: 'u.hank' }], friendsOnly: true }, alice);
  g.event({ type: 'InvitationChecked', userId: 'uh', allowed: true, reason: '' }, alice);
  g.event({ type: 'MembersInvited', invitees: [{ ...ian, stream: 'u.ian' }], friendsOnly: true }, alice);
  g.event({ type: 'JoinRequested', userId: 'ui', username: 'ian', note: '', invitedBy: '' }, ian);

  const d = timeline('g.gone');
  d.event({ type: 'ConversationCreated', kind: 'group', name: 'Gone', createdBy: 'ua', members: [alice, bob], joinPolicy: 'invite' }, alice);
  d.event({ type: 'InviteLinkCreated', code: 'L3', expiresAt: FAR, maxUses: 0 }, alice);
  d.event({ type: 'MembersInvited', invitees: [{ ...hank, stream: 'u.hank' }], friendsOnly: true }, alice);
  d.event({ type: 'InvitationChecked', userId: 'uh', allowed: true, reason: '' }, alice);
  d.event({ type: 'JoinRequested', userId: 'ui', username: 'ian', note: '', invitedBy: '' }, ian);
  d.entry(alice, { event: 'dissolved' });
  d.event({ type: 'ConversationDissolved', reason: '' }, alice);

  const r = timeline('r.lobby');
  r.event({ type: 'ConversationCreated', kind: 'room', name: 'lobby', createdBy: 'ub', members: [bob], joinPolicy: 'open' }, bob, true);
  r.event({ type: 'MembersJoined', members: [alice], code: '' }, alice, true);
  r.entry(alice, { event: 'joined', via: 'open', members: [ref(alice)] }, true);

  return [...profiles, ...g.events, ...d.events, ...r.events];
}

for (const adapter of databases) {
  describe(`groups on ${adapter.name}`, () => {
    it('every group event projects; a re-applied batch changes nothing; a replay gives equal checksums', async () => {
      const live = await adapter.open();
      const replayed = await adapter.open();
      try {
        await migrateToLatest(live as Kysely<unknown>);
        await migrateToLatest(replayed as Kysely<unknown>);
        const log = groupLog();
        const writer = new ProjectionWriter(live);
        await writer.applyBatch('parley.events', 0, log, log.length);
        const once = await projectionChecksums(live);
        await writer.applyBatch('parley.events', 0, log, log.length);
        assert.deepEqual(await projectionChecksums(live), once, 'a re-applied batch changes nothing (not even a link counts a join twice)');
        const replayWriter = new ProjectionWriter(replayed);
        for (let i = 0; i < log.length; i += 7) await replayWriter.applyBatch('parley.events', 0, log.slice(i, i + 7), Math.min(i + 7, log.length));
        assert.deepEqual(await projectionChecksums(replayed), once, 'a replay in other batches gives the same tables');

        const groups = new GroupRepository(live);
        const now = 1_000_000_000_000;
        const team = await groups.details('g.team', 'ub', now);
        assert.deepEqual(team && { ...team, notice: team.notice?.id }, {
          id: 'g.team',
          kind: 'group',
          name: 'Team',
          avatar: 'initials:#112233',
          description: 'the team',
          joinPolicy: 'approval',
          invitePolicy: 'anyone',
          muteAll: false,
          dissolved: false,
          ownerId: 'ub',
          memberCount: 3,
          adminCount: 1,
          myRole: 'owner',
          myMutedUntil: 0,
          notice: 'n2',
          noticeUnread: true,
        });
        assert.equal((await groups.details('g.team', 'ua', now))?.noticeUnread, false, "the poster has read their notice");
        assert.equal((await groups.details('g.team', 'ua', now))?.myMutedUntil, 5_000_000_000_000);
        assert.equal((await groups.details('g.team', 'ua', 6_000_000_000_000))?.myMutedUntil, 0, 'a mute that ended is none');
        assert.equal((await groups.details('g.team', 'uc', now))?.myMutedUntil, 0, 'a mute ends with the membership');
        assert.equal(await groups.details('g.team', 'ug'), undefined, 'not a member');
        assert.equal((await groups.details('r.lobby', 'ub'))?.myRole, 'owner', "a room's first joiner owns it");
        assert.equal((await groups.details('r.lobby', 'ua'))?.kind, 'room');

        assert.equal(await groups.role('g.team', 'ua'), 'admin', 'the old owner is an admin');
        assert.equal(await groups.role('g.team', 'uc'), 'member', 'a rejoined member starts over');
        assert.equal(await groups.role('g.team', 'ug'), undefined);
        assert.equal(await groups.readableUntil('g.team', 'ub'), Number.MAX_SAFE_INTEGER);
        assert.equal(await groups.readableUntil('g.team', 'ug'), 8, "a removed member reads up to the entry of their removal");
        assert.equal(await groups.readableUntil('g.team', 'uf'), 14);
        assert.equal(await groups.readableUntil('g.team', 'uc'), Number.MAX_SAFE_INTEGER, 'rejoined');
        assert.equal(await groups.readableUntil('g.team', 'uz'), undefined);
        const former = await live.selectFrom('former_members').select(['user_id', 'reason']).where('conversation_id', '=', 'g.team').orderBy('user_id').execute();
        assert.deepEqual(former, [{ user_id: 'uf', reason: 'removed' }, { user_id: 'ug', reason: 'removed' }]);

        const names = (ms: Array<{ username: string }>) => ms.map((m) => m.username);
        assert.deepEqual(await groups.members('g.team', { limit: 10, now }), [
          { id: 'ua', username: 'alice', displayName: 'alice', role: 'admin', joinedAt: log[3]!.ts, readSeq: 18, mutedUntil: 5_000_000_000_000 },
          { id: 'ub', username: 'bob', displayName: 'bob', role: 'owner', joinedAt: log[3]!.ts, readSeq: 17, mutedUntil: 0 },
          { id: 'uc', username: 'carl', displayName: 'Zoë Carlsson', role: 'member', joinedAt: (await groups.member('g.team', 'uc'))!.joinedAt, readSeq: 16, mutedUntil: 0 },
        ]);
        assert.deepEqual(names(await groups.members('g.team', { limit: 1, after: 'alice' })), ['bob']);
        assert.deepEqual(names(await groups.members('g.team', { limit: 10, q: 'ZOE' })), ['carl'], 'the display name, ignoring case and accents');
        assert.deepEqual(names(await groups.members('g.team', { limit: 10, q: 'li' })), ['alice']);
        assert.deepEqual(names(await groups.members('g.team', { limit: 10, q: '%' })), []);
        assert.deepEqual(names(await groups.members('g.team', { limit: 10, role: 'admin' })), ['alice']);
        assert.equal(await groups.member('g.team', 'ug'), undefined);

        assert.deepEqual(await groups.bans('g.team'), [{ user: ref(gina), bannedBy: 'ub', bannedAt: log.find((e) => e.payload.type === 'MemberRemoved')!.ts }]);

        const notices = await groups.notices('g.team', 10);
        assert.deepEqual(notices.map((x) => [x.id, x.text, x.postedBy.username, x.seq, x.editedAt > 0]), [
          ['n2', 'second', 'alice', 18, false],
          ['n1', 'v2', 'alice', 5, true],
        ]);
        assert.deepEqual((await groups.notices('g.team', 10, notices[0]!.postedAt)).map((x) => x.id), ['n1']);
        assert.equal((await groups.notice('g.team', 'n1'))?.text, 'v2');
        assert.equal(await groups.notice('g.team', 'nx'), undefined);

        assert.deepEqual(await groups.invitationsFor('uh'), [
          { conversation: { id: 'g.team', name: 'Team', avatar: 'initials:#112233', memberCount: 3 }, invitedBy: ref(alice), invitedAt: log.find((e) => e.payload.type === 'MembersInvited' && e.payload.invitees[0]?.userId === 'uh')!.ts },
        ], 'allowed, not in the dissolved group');
        assert.deepEqual(await groups.invitationsFor('ui'), [], 'not checked yet');
        assert.deepEqual(await groups.invitationsFor('ud'), [], 'refused by their stream');
        assert.deepEqual(await groups.invitationsFor('uc'), [], 'answered');
        assert.equal((await groups.invitation('g.team', 'uh'))?.invitedBy.id, 'ua');
        assert.equal(await groups.invitation('g.gone', 'uh'), undefined);

        const requests = await groups.joinRequests('g.team');
        assert.deepEqual(
          requests.map((x) => [x.user.username, x.note, x.invitedBy, x.conversation]),
          [
            ['erin', '', ref(carl), { id: 'g.team', name: 'Team' }],
            ['ian', '', null, { id: 'g.team', name: 'Team' }],
          ],
        );
        assert.deepEqual((await groups.joinRequestsFor('ua')).map((x) => x.user.id), ['ue', 'ui'], 'an admin');
        assert.deepEqual((await groups.joinRequestsFor('ub')).map((x) => x.user.id), ['ue', 'ui'], 'the owner');
        assert.deepEqual(await groups.joinRequestsFor('uc'), [], 'a member runs nothing');

        const links = await groups.inviteLinks('g.team');
        assert.deepEqual(links.map((l) => [l.code, l.uses, l.maxUses, l.createdBy.username]), [['L1', 2, 5, 'alice']]);
        assert.deepEqual([(await groups.inviteLink('L1'))?.conversationId, (await groups.inviteLink('L1'))?.revoked], ['g.team', false]);
        assert.deepEqual([(await groups.inviteLink('L2'))?.conversationId, (await groups.inviteLink('L2'))?.revoked], ['g.team', true], 'revoked, kept so a join is told so');
        assert.equal(await groups.inviteLink('nope'), undefined);

        const gone = await groups.details('g.gone', 'ub');
        assert.equal(gone?.dissolved, true);
        assert.deepEqual([await groups.inviteLinks('g.gone'), await groups.joinRequests('g.gone'), (await groups.inviteLink('L3'))?.revoked], [[], [], true]);

        const conversations = new ConversationRepository(live);
        const summary = await conversations.summaryFor('ub', 'g.team');
        assert.equal(summary?.role, 'owner');
        assert.equal(summary?.dissolved, false);
        assert.equal(summary?.lastMessage?.preview, 'alice posted a notice', 'a system entry is previewed in words');
        assert.equal(summary?.unread, 1, "bob's own entries count as read");
        assert.equal((await conversations.summaryFor('ub', 'g.gone'))?.dissolved, true);
        assert.equal((await conversations.summaryFor('ua', 'r.lobby'))?.lastMessage?.preview, 'alice joined', 'an entry from a connection too');
        assert.equal(await conversations.summaryFor('ug', 'g.team'), undefined, 'a former member does not list it');

        const messages = new MessageRepository(live);
        assert.deepEqual((await messages.after('g.team', 5, 100, 8)).map((m) => m.seq), [6, 7, 8], 'up to a former member\'s last');
        assert.deepEqual((await messages.before('g.team', 100, 2, 8)).map((m) => m.seq), [7, 8]);
        assert.equal((await messages.after('g.team', 0, 100)).length, 18);
      } finally {
        await live.destroy();
        await replayed.destroy();
      }
    });

    it('migration 0004 makes the creator of each group and room its owner, as replaying their events does', async () => {
      const migrated = await adapter.open();
      const projected = await adapter.open();
      try {
        await migrateTo(migrated as Kysely<unknown>, '0003_profiles_and_friends');
        await sql`insert into conversations (id, kind, name, created_by, created_at, last_seq) values
          ('g.a', 'group', 'A', 'ua', 1001, 0), ('r.b', 'room', 'b', 'ub', 1002, 0), ('d.ua.ub', 'direct', '', 'ua', 1003, 0)`.execute(migrated);
        await sql`insert into members (conversation_id, user_id, username, joined_at, read_seq) values
          ('g.a', 'ua', 'alice', 1001, 0), ('g.a', 'ub', 'bob', 1001, 0), ('r.b', 'ub', 'bob', 1002, 0), ('r.b', 'ua', 'alice', 1004, 0),
          ('d.ua.ub', 'ua', 'alice', 1003, 0), ('d.ua.ub', 'ub', 'bob', 1003, 0)`.execute(migrated);
        assert.deepEqual(await migrateToLatest(migrated as Kysely<unknown>), migrationsAfter('0003_profiles_and_friends'));

        await migrateToLatest(projected as Kysely<unknown>);
        const at = (stream: string, ts: number, payload: EventPayload): ParleyEvent => ({ eventId: `${stream}${ts}`, stream, seq: 0, ts, commandId: `${stream}${ts}`, actor: alice, origin: null, payload });
        await new ProjectionWriter(projected).applyBatch(
          'parley.events',
          0,
          [
            at('g.a', 1001, { type: 'ConversationCreated', kind: 'group', name: 'A', createdBy: 'ua', members: [alice, bob] }),
            at('r.b', 1002, { type: 'ConversationCreated', kind: 'room', name: 'b', createdBy: 'ub', members: [bob] }),
            at('d.ua.ub', 1003, { type: 'ConversationCreated', kind: 'direct', name: '', createdBy: 'ua', members: [alice, bob] }),
            at('r.b', 1004, { type: 'MembersJoined', members: [alice] }),
          ],
          4,
        );
        const [a, b] = [await projectionChecksums(migrated), await projectionChecksums(projected)];
        assert.deepEqual([a.conversations, a.members], [b.conversations, b.members], 'the same rows as a replay makes');
        assert.deepEqual(
          (await migrated.selectFrom('members').select(['conversation_id', 'user_id', 'role']).where('role', '=', 'owner').orderBy('conversation_id').execute()),
          [{ conversation_id: 'g.a', user_id: 'ua', role: 'owner' }, { conversation_id: 'r.b', user_id: 'ub', role: 'owner' }],
        );
      } finally {
        await migrated.destroy();
        await projected.destroy();
      }
    });
  });
}

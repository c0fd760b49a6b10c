import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { isParleyError } from '@parley/core';
import type { ParleyEvent } from '@parley/schemas';
import { migrateTo, migrateToLatest } from './migrations.js';
import { PersonalDataVault } from './personal-data-vault.js';
import { LoginRepository } from './login.repository.js';
import { ProfileRepository } from './profile.repository.js';
import { FriendRepository } from './friend.repository.js';
import { SettingsRepository } from './settings.repository.js';
import { SessionRepository } from './session.repository.js';
import { CodeRepository } from './code.repository.js';
import { projectionChecksums } from './checksum.js';
import { ProjectionWriter } from './projection-writer.js';
import { ConversationRepository } from './conversation.repository.js';
import { MessageRepository } from './message.repository.js';
import { OutcomeRepository } from './outcome.repository.js';
import { testDatabases } from './test-databases.js';
import type { Database } from './database.js';

const alice = { userId: 'ua', username: 'alice' };
const bob = { userId: 'ub', username: 'bob' };
let n = 0;
const ev = (
  stream: string,
  seq: number,
  payload: ParleyEvent['payload'],
  origin: ParleyEvent['origin'] = { gatewayId: 'g', connectionId: 'g/1' },
): ParleyEvent => ({
  eventId: `e${++n}`,
  stream,
  seq,
  ts: 1000 + n,
  commandId: `c${n}`,
  actor: alice,
  origin,
  payload,
});

const events: ParleyEvent[] = [
  ev('u.alice', 0, { type: 'UserRegistered', userId: 'ua', username: 'alice', passwordHash: 'h' }, null),
  ev('u.bob', 0, { type: 'UserRegistered', userId: 'ub', username: 'bob', passwordHash: 'h' }, null),
  ev('d.ua.ub', 0, {
    type: 'ConversationCreated',
    kind: 'direct',
    name: '',
    createdBy: 'ua',
    members: [alice, bob],
  }),
  ...[1, 2, 3].map((seq) =>
    ev('d.ua.ub', seq, {
      type: 'MessageSent',
      id: `m${seq}`,
      senderId: 'ua',
      senderName: 'alice',
      clientMsgId: `c${seq}`,
      kind: 'text',
      content: `hello ${seq}`,
    }),
  ),
  ev('d.ua.ub', 3, { type: 'ReadMarked', userId: 'ub', readSeq: 1 }),
  ev('g.x', 0, { type: 'CommandRejected', code: 'not_member', message: 'no', clientMsgId: '' }, null),
  ev('u.alice', 0, { type: 'TokenRevoked', userId: 'ua', tokenId: 't1', expiresAt: 9 }),
  // The same read mark again, from HTTP (no origin connection): its command waits for an outcome row.
  ev('d.ua.ub', 3, { type: 'ReadMarked', userId: 'ub', readSeq: 1 }, null),
];

const { databases: adapters, stop } = testDatabases();
after(stop);

for (const adapter of adapters) {
  describe(`store on ${adapter.name}`, () => {
    it('migrations run into a fresh database; projections apply idempotently and answer the read queries', async () => {
      const db = await adapter.open();
      try {
        assert.deepEqual(await migrateToLatest(db as Kysely<unknown>), ['0001_projections', '0002_quarantined_events', '0003_profiles_and_friends', '0004_groups', '0005_message_bodies_replies_mentions', '0006_message_changes', '0007_attachments', '0008_message_search', '0009_receipts_privacy']);
        assert.deepEqual(await migrateToLatest(db as Kysely<unknown>), []);
        const writer = new ProjectionWriter(db);
        await writer.applyBatch('parley.events', 0, events, 10);
        await writer.applyBatch('parley.events', 0, events, 10); // a replayed batch changes nothing
        assert.equal(await writer.nextOffset('parley.events', 0), 10);
        assert.equal(await writer.nextOffset('parley.events', 1), undefined);

        const logins = new LoginRepository(db);
        const profiles = new ProfileRepository(db);
        assert.equal((await logins.byUsername('alice'))?.id, 'ua');
        assert.deepEqual((await profiles.search('b', 10)).users.map((u) => u.username), ['bob']);
        assert.deepEqual((await profiles.search('%', 10)).users, []);
        assert.deepEqual(await logins.byId('ua'), { id: 'ua', username: 'alice', passwordHash: 'h', email: null, createdAt: events[0]!.ts });
        assert.equal(await new SessionRepository(db).isRevoked('t1'), true);

        const conversations = new ConversationRepository(db);
        const [forBob] = await conversations.listForUser('ub', 10);
        assert.equal(forBob?.lastSeq, 3);
        assert.equal(forBob?.unread, 2);
        assert.equal(forBob?.lastMessage?.preview, 'hello 3');
        assert.deepEqual(forBob?.members?.map((m) => m.username).sort(), ['alice', 'bob']);
        const [forAlice] = await conversations.listForUser('ua', 10);
        assert.equal(forAlice?.unread, 0, 'the sender has read their own messages');
        assert.equal(await conversations.isMember('d.ua.ub', 'ub'), true);
        assert.equal(await conversations.isMember('d.ua.ub', 'uc'), false);

        const messages = new MessageRepository(db);
        assert.deepEqual(
          (await messages.after('d.ua.ub', 1, 10)).map((m) => m.seq),
          [2, 3],
        );
        assert.deepEqual(
          (await messages.before('d.ua.ub', 3, 1)).map((m) => m.seq),
          [2],
        );
        assert.equal((await messages.after('d.ua.ub', 0, 10)).length, 3);

        const outcomes = new OutcomeRepository(db);
        assert.equal((await outcomes.get(events[0]!.commandId))?.status, 'ok');
        assert.deepEqual(await outcomes.get(events[7]!.commandId), {
          status: 'rejected',
          code: 'not_member',
          message: 'no',
          stream: 'g.x',
        });
        assert.equal(
          await outcomes.get(events[3]!.commandId),
          undefined,
          'commands from a connection get their outcome over it, not here',
        );
        assert.equal((await outcomes.get(events[9]!.commandId))?.status, 'ok', 'a read mark from HTTP has its outcome');
        assert.equal(await outcomes.get(events[6]!.commandId), undefined, 'one from a connection has none');
      } finally {
        await db.destroy();
      }
    });
  });
}

/** The account events of issue 10 on a live database whose vault holds the logins' keys. */
async function accountLog(vault: PersonalDataVault): Promise<ParleyEvent[]> {
  await vault.createKey('la');
  await vault.createKey('lc');
  const zoe = { userId: 'pz', username: 'zoe' };
  const carl = { userId: 'pc', username: 'carl' };
  const account = (stream: string, payload: ParleyEvent['payload'], actor = zoe, origin: ParleyEvent['origin'] = null): ParleyEvent => ({ ...ev(stream, 0, payload, origin), actor });
  return [
    account('u.alice', { type: 'UserRegistered', userId: 'ua', username: 'alice', passwordHash: 'legacy-hash' }, alice),
    account('u.bob', { type: 'UserRegistered', userId: 'ub', username: 'bob', passwordHash: 'legacy-hash' }, bob),
    account('u.zoe', { type: 'LoginRegistered', loginId: 'la', username: 'zoe', credentials: await vault.seal('la', JSON.stringify({ passwordHash: 'hash-1' })) }),
    account('u.zoe', { type: 'ProfileCreated', profileId: 'pz', loginId: 'la', handle: 'zoe', displayName: 'zoe', bio: '', avatar: '' }),
    account('u.zoë.work', { type: 'ProfileCreated', profileId: 'pw', loginId: 'la', handle: 'Zoë.Work', displayName: 'Work', bio: '', avatar: '' }),
    account('u.zoe', { type: 'PasswordChanged', loginId: 'la', credentials: await vault.seal('la', JSON.stringify({ passwordHash: 'hash-2' })) }),
    account('u.zoe', { type: 'EmailVerified', loginId: 'la', email: await vault.seal('la', 'Zoe@Example.com') }),
    account('u.zoe', { type: 'ProfileUpdated', profileId: 'pz', displayName: 'Zoë Ändersson', bio: 'hi', avatar: 'initials:#112233' }),
    account('u.zoe', { type: 'PrivacyChanged', profileId: 'pz', directFrom: 'friends', readReceipts: false, presence: 'contacts' }, zoe, { gatewayId: 'g', connectionId: 'g/2' }),
    // alice and zoe become friends: accepted on zoe's stream, recorded on alice's by the workflow.
    account('u.zoe', { type: 'FriendRequested', requestId: 'r1', fromId: 'ua', fromHandle: 'alice', toId: 'pz', toHandle: 'zoe', note: 'hey' }, alice),
    account('u.zoe', { type: 'FriendRequestAccepted', requestId: 'r1', fromId: 'ua', fromHandle: 'alice', toId: 'pz', toHandle: 'zoe' }),
    account('u.alice', { type: 'FriendAdded', profileId: 'ua', friendId: 'pz', friendHandle: 'zoe', requestId: 'r1' }, zoe),
    account('u.alice', { type: 'FriendRequested', requestId: 'r2', fromId: 'pw', fromHandle: 'Zoë.Work', toId: 'ua', toHandle: 'alice', note: '' }),
    account('u.zoe', { type: 'FriendRequested', requestId: 'r3', fromId: 'ub', fromHandle: 'bob', toId: 'pz', toHandle: 'zoe', note: '' }, bob),
    account('u.zoe', { type: 'FriendRequestRefused', requestId: 'r3', fromId: 'ub', toId: 'pz' }),
    account('u.zoë.work', { type: 'FriendRequested', requestId: 'r4', fromId: 'ub', fromHandle: 'bob', toId: 'pw', toHandle: 'Zoë.Work', note: '' }, bob),
    account('u.zoë.work', { type: 'FriendRequestCancelled', requestId: 'r4', fromId: 'ub', toId: 'pw', reason: 'cancelled' }, bob),
    account('u.zoë.work', { type: 'FriendAdded', profileId: 'pw', friendId: 'ub', friendHandle: 'bob', requestId: 'rx' }),
    account('u.zoë.work', { type: 'FriendRemoved', profileId: 'pw', friendId: 'ub', friendStream: 'u.bob', mirrored: false }),
    account('u.zoe', { type: 'ContactRemarkSet', profileId: 'pz', contactId: 'ua', remark: 'Al' }),
    account('u.alice', { type: 'ContactRemarkSet', profileId: 'ua', contactId: 'pz', remark: 'temp' }, alice),
    account('u.alice', { type: 'ContactRemarkSet', profileId: 'ua', contactId: 'pz', remark: '' }, alice),
    account('u.alice', { type: 'ProfileBlocked', profileId: 'ua', blockedId: 'ub', blockedStream: 'u.bob' }, alice),
    account('u.bob', { type: 'ProfileBlocked', profileId: 'ub', blockedId: 'ua', blockedStream: 'u.alice' }, bob),
    account('u.bob', { type: 'ProfileUnblocked', profileId: 'ub', blockedId: 'ua', blockedStream: 'u.alice' }, bob),
    account('u.zoe', { type: 'ConversationSettingsChanged', profileId: 'pz', conversation: 'g.x', pinned: true, muteUntil: -1, hidden: true, remark: 'Team' }),
    account('d.pz.ua', { type: 'DirectApproved', conversation: 'd.pz.ua', requesterId: 'ua', requesterHandle: 'alice', approverId: 'pz', approverHandle: 'zoe' }, alice),
    account('d.ua.ub', { type: 'DirectBlockChanged', by: 'ua', other: 'ub', blocked: true }, alice),
    // carl comes and goes, leaving a friendship, requests both ways and a block behind.
    account('u.carl', { type: 'LoginRegistered', loginId: 'lc', username: 'carl', credentials: await vault.seal('lc', JSON.stringify({ passwordHash: 'carl-hash' })) }, carl),
    account('u.carl', { type: 'ProfileCreated', profileId: 'pc', loginId: 'lc', handle: 'carl', displayName: 'Carl', bio: '', avatar: '' }, carl),
    account('u.carl', { type: 'EmailVerified', loginId: 'lc', email: await vault.seal('lc', 'carl@example.com') }, carl),
    account('u.carl', { type: 'FriendAdded', profileId: 'pc', friendId: 'ua', friendHandle: 'alice', requestId: 'r5' }, carl),
    account('u.alice', { type: 'FriendAdded', profileId: 'ua', friendId: 'pc', friendHandle: 'carl', requestId: 'r5' }, carl),
    account('u.zoe', { type: 'FriendRequested', requestId: 'r6', fromId: 'pc', fromHandle: 'carl', toId: 'pz', toHandle: 'zoe', note: '' }, carl),
    account('u.carl', { type: 'FriendRequested', requestId: 'r7', fromId: 'ub', fromHandle: 'bob', toId: 'pc', toHandle: 'carl', note: '' }, bob),
    account('u.carl', { type: 'ProfileBlocked', profileId: 'pc', blockedId: 'ub', blockedStream: 'u.bob' }, carl),
    account('u.carl', { type: 'ContactRemarkSet', profileId: 'pc', contactId: 'ua', remark: 'A' }, carl),
    account('u.carl', { type: 'LoginDeleted', loginId: 'lc' }, carl),
    account('u.carl', { type: 'ProfileDeleted', profileId: 'pc', loginId: 'lc' }, carl),
  ];
}

/** A replay target: a fresh database holding the live database's vault, as the replay tool prepares it. */
async function replayTarget(adapter: { open: () => Promise<Kysely<Database>> }, live: Kysely<Database>): Promise<Kysely<Database>> {
  const target = await adapter.open();
  await migrateToLatest(target as Kysely<unknown>);
  const keys = await live.selectFrom('personal_keys').selectAll().execute();
  if (keys.length > 0) await target.insertInto('personal_keys').values(keys.map((k) => ({ ...k, created_at: Number(k.created_at) }))).execute();
  return target;
}

for (const adapter of adapters) {
  describe(`accounts, profiles and friends on ${adapter.name}`, () => {
    it('every new event projects; a re-applied batch changes nothing; a replay gives equal checksums', async () => {
      const live = await adapter.open();
      const dbs = [live];
      try {
        await migrateToLatest(live as Kysely<unknown>);
        const vault = new PersonalDataVault(live);
        const log = await accountLog(vault);
        const sessions = new SessionRepository(live);
        await sessions.create({ tokenId: 't-carl', loginId: 'lc', profileId: 'pc', client: 'cli', ip: '::1', createdAt: 1, expiresAt: 9e12 });
        await sessions.create({ tokenId: 't-zoe', loginId: 'la', profileId: 'pz', client: 'cli', ip: '::1', createdAt: 1, expiresAt: 9e12 });
        await new CodeRepository(live).issue({ loginId: 'lc', purpose: 'verify_email', email: 'carl@example.com', code: '123456', ttlMs: 60_000, now: 1 });

        const writer = new ProjectionWriter(live);
        await writer.applyBatch('parley.events', 0, log, log.length);
        const once = await projectionChecksums(live);
        await writer.applyBatch('parley.events', 0, log, log.length);
        assert.deepEqual(await projectionChecksums(live), once, 'a re-applied batch changes nothing');

        const logins = new LoginRepository(live);
        assert.deepEqual(await logins.byUsername('zoe'), { id: 'la', username: 'zoe', passwordHash: 'hash-2', email: 'Zoe@Example.com', createdAt: log[2]!.ts });
        assert.equal((await logins.byEmail('zoe@EXAMPLE.com'))?.id, 'la');
        assert.equal((await logins.byId('ua'))?.passwordHash, 'legacy-hash', 'a legacy registration is a login with the same id');
        assert.equal(await logins.byId('lc'), undefined, 'a deleted login is gone');
        assert.equal(await logins.byEmail('carl@example.com'), undefined);

        const profiles = new ProfileRepository(live);
        assert.deepEqual(await profiles.byId('pz'), {
          id: 'pz',
          loginId: 'la',
          handle: 'zoe',
          handleKey: 'zoe',
          displayName: 'Zoë Ändersson',
          bio: 'hi',
          avatar: 'initials:#112233',
          directFrom: 'friends',
          readReceipts: false,
          presence: 'contacts',
          deleted: false,
          createdAt: log[3]!.ts,
        });
        assert.equal((await profiles.byHandle('ZOË.work'))?.id, 'pw', 'handles compare on their key');
        assert.equal((await profiles.byHandle('zoë.work'))?.handleKey, 'zoë.work');
        assert.deepEqual((await profiles.byId('ua'))?.displayName, 'alice');
        assert.deepEqual((await profiles.listForLogin('la')).map((p) => p.id), ['pz', 'pw']);
        assert.equal((await profiles.byId('pc'))?.deleted, true);
        assert.equal(await profiles.byHandle('carl'), undefined);
        assert.equal(await profiles.publicById('pc'), undefined);
        assert.deepEqual(await profiles.publicById('pz'), { id: 'pz', handle: 'zoe', displayName: 'Zoë Ändersson', bio: 'hi', avatar: 'initials:#112233' });

        const friends = new FriendRepository(live);
        assert.deepEqual(
          (await friends.friends('pz')).map((f) => [f.profile.id, f.remark, f.since]),
          [['ua', 'Al', log[10]!.ts]],
        );
        assert.deepEqual((await friends.friends('ua')).map((f) => [f.profile.id, f.remark]), [['pz', '']], "carl's friendship went with him; an emptied remark is none");
        assert.deepEqual(await friends.friends('pw'), [], 'FriendRemoved');
        assert.ok((await friends.friends('ua')).some((f) => f.profile.id === 'pz'));
        assert.ok(!(await friends.friends('pw')).some((f) => f.profile.id === 'ub'));
        const { incoming, outgoing } = await friends.requests('ua');
        assert.deepEqual(incoming.map((r) => [r.id, r.from.handle, r.to.handle]), [['r2', 'Zoë.Work', 'alice']]);
        assert.deepEqual(outgoing, []);
        assert.deepEqual(await friends.requests('pz'), { incoming: [], outgoing: [] }, 'accepted, refused, and a deleted profile\'s requests are gone');
        assert.equal((await friends.request('r2'))?.createdAt, log[12]!.ts);
        assert.deepEqual((await friends.requests('pw')).outgoing.filter((r) => r.to.id === 'ua').map((r) => r.id), ['r2']);
        assert.deepEqual((await friends.requests('ua')).outgoing.filter((r) => r.to.id === 'pw'), []);
        assert.deepEqual((await friends.blocked('ua')).map((b) => b.profile.id), ['ub']);
        assert.deepEqual(await friends.blocked('ub'), [], 'unblocked');
        assert.equal(await friends.isBlocked('ua', 'ub'), true);
        assert.equal(await friends.isBlocked('ub', 'ua'), false);
        assert.equal(await friends.relation('ua', 'ua'), 'self');
        assert.equal(await friends.relation('ua', 'pz'), 'friend');
        assert.equal(await friends.relation('pw', 'ua'), 'requested');
        assert.equal(await friends.relation('ua', 'pw'), 'incoming');
        assert.equal(await friends.relation('ua', 'ub'), 'blocked');
        assert.equal(await friends.relation('ub', 'pz'), 'none');
        assert.equal(await friends.remark('pz', 'ua'), 'Al');
        assert.equal(await friends.remark('ua', 'pz'), '');

        assert.deepEqual(await new SettingsRepository(live).get('pz', 'g.x'), { pinned: true, muteUntil: -1, hidden: true, remark: 'Team' });
        assert.deepEqual(await new SettingsRepository(live).get('pz', 'g.y'), { pinned: false, muteUntil: 0, hidden: false, remark: '' });
        const hiddenAt = await live.selectFrom('conversation_settings').select('hidden_at').executeTakeFirstOrThrow();
        assert.equal(Number(hiddenAt.hidden_at), log[25]!.ts);

        // carl: login, key, sessions, codes, relations and private data gone; the profile row stays, deleted.
        assert.equal(await sessions.get('t-carl'), undefined);
        assert.ok(await sessions.get('t-zoe'));
        assert.deepEqual(await live.selectFrom('login_codes').selectAll().execute(), []);
        assert.deepEqual((await live.selectFrom('personal_keys').select('login_id').execute()).map((k) => k.login_id), ['la']);
        for (const [table, column] of [['friendships', 'profile_id'], ['friendships', 'friend_id'], ['friend_requests', 'from_id'], ['friend_requests', 'to_id'], ['blocks', 'profile_id'], ['contact_remarks', 'profile_id']] as const) {
          assert.deepEqual(await live.selectFrom(table).selectAll().where(column, '=', 'pc').execute(), [], `${table}.${column}`);
        }
        const outcomes = new OutcomeRepository(live);
        assert.equal((await outcomes.get(log[2]!.commandId))?.status, 'ok', 'HTTP commands still get their outcome');
        assert.equal(await outcomes.get(log[8]!.commandId), undefined);

        // The replay tool: a fresh database with the live vault, the whole log, in two batches.
        const replayed = await replayTarget(adapter, live);
        dbs.push(replayed);
        const replayWriter = new ProjectionWriter(replayed);
        await replayWriter.applyBatch('parley.events', 0, log.slice(0, 20), 20);
        await replayWriter.applyBatch('parley.events', 0, log.slice(20), log.length);
        assert.deepEqual(await projectionChecksums(replayed), await projectionChecksums(live));
      } finally {
        for (const db of dbs) await db.destroy();
      }
    });

    it('LoginDeleted erases the key: a replay of the same log can no longer read the password hash or email', async () => {
      const live = await adapter.open();
      const dbs = [live];
      try {
        await migrateToLatest(live as Kysely<unknown>);
        const vault = new PersonalDataVault(live);
        await vault.createKey('lz');
        const log = [
          ev('u.zed', 0, { type: 'LoginRegistered', loginId: 'lz', username: 'zed', credentials: await vault.seal('lz', JSON.stringify({ passwordHash: 'zed-hash' })) }, null),
          ev('u.zed', 1, { type: 'EmailVerified', loginId: 'lz', email: await vault.seal('lz', 'zed@example.com') }, null),
        ];
        const writer = new ProjectionWriter(live);
        await writer.applyBatch('parley.events', 0, log, 2);
        assert.deepEqual(
          await live.selectFrom('logins').select(['password_hash', 'email', 'email_key']).where('id', '=', 'lz').executeTakeFirst(),
          { password_hash: 'zed-hash', email: 'zed@example.com', email_key: 'zed@example.com' },
          'readable while the key exists',
        );
        log.push(ev('u.zed', 2, { type: 'LoginDeleted', loginId: 'lz' }, null));
        await writer.applyBatch('parley.events', 0, log.slice(2), 3);
        assert.equal((await live.selectFrom('personal_keys').selectAll().execute()).length, 0, 'the key is erased');

        const replayed = await replayTarget(adapter, live);
        dbs.push(replayed);
        const replayWriter = new ProjectionWriter(replayed);
        await replayWriter.applyBatch('parley.events', 0, log.slice(0, 2), 2);
        assert.deepEqual(
          await replayed.selectFrom('logins').select(['password_hash', 'email', 'email_key']).where('id', '=', 'lz').executeTakeFirst(),
          { password_hash: null, email: null, email_key: null },
          'the sealed data in the log is unreadable for good',
        );
        await replayWriter.applyBatch('parley.events', 0, log.slice(2), 3);
        assert.deepEqual(await projectionChecksums(replayed), await projectionChecksums(live));
      } finally {
        for (const db of dbs) await db.destroy();
      }
    });

    it('migration 0003 turns every users row into the login and profile its UserRegistered now projects', async () => {
      const migrated = await adapter.open();
      const projected = await adapter.open();
      try {
        await migrateTo(migrated as Kysely<unknown>, '0002_quarantined_events');
        await sql`insert into users (id, username, password_hash, created_at) values ('ua', 'alice', 'ha', 1001), ('ub', 'bob.b-2', 'hb', 1002)`.execute(migrated);
        assert.deepEqual(await migrateToLatest(migrated as Kysely<unknown>), ['0003_profiles_and_friends', '0004_groups', '0005_message_bodies_replies_mentions', '0006_message_changes', '0007_attachments', '0008_message_search', '0009_receipts_privacy']);
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_name = 'users'`.execute(migrated);
        assert.equal(rows[0]?.n, 0, 'users is dropped');
        assert.deepEqual(await new LoginRepository(migrated).byUsername('bob.b-2'), { id: 'ub', username: 'bob.b-2', passwordHash: 'hb', email: null, createdAt: 1002 });
        assert.deepEqual(await new ProfileRepository(migrated).byHandle('bob.b-2'), {
          id: 'ub',
          loginId: 'ub',
          handle: 'bob.b-2',
          handleKey: 'bob.b-2',
          displayName: 'bob.b-2',
          bio: '',
          avatar: '',
          directFrom: 'everyone',
          readReceipts: true,
          presence: 'everyone',
          deleted: false,
          createdAt: 1002,
        });
        assert.equal((await new LoginRepository(migrated).byUsername('alice'))?.passwordHash, 'ha');

        await migrateToLatest(projected as Kysely<unknown>);
        const legacy = (userId: string, username: string, passwordHash: string, ts: number): ParleyEvent => ({
          ...ev(`u.${username}`, 0, { type: 'UserRegistered', userId, username, passwordHash }),
          ts,
        });
        await new ProjectionWriter(projected).applyBatch('parley.events', 0, [legacy('ua', 'alice', 'ha', 1001), legacy('ub', 'bob.b-2', 'hb', 1002)], 2);
        const [a, b] = [await projectionChecksums(migrated), await projectionChecksums(projected)];
        assert.deepEqual([a.logins, a.profiles], [b.logins, b.profiles], 'the same rows as a replay makes');
      } finally {
        await migrated.destroy();
        await projected.destroy();
      }
    });

    it('people search ignores case and accents, escapes wildcards, pages with a cursor and skips deleted profiles', async () => {
      const db = await adapter.open();
      try {
        await migrateToLatest(db as Kysely<unknown>);
        const profile = (profileId: string, handle: string, displayName: string): ParleyEvent =>
          ev(`u.${handle}`, 0, { type: 'ProfileCreated', profileId, loginId: 'l', handle, displayName, bio: '', avatar: '' });
        await new ProjectionWriter(db).applyBatch(
          'parley.events',
          0,
          [
            profile('p1', 'zed', 'Zoë'),
            profile('p2', 'Zoë.B', 'B'),
            profile('p3', 'ann', 'Anne-Zoé Martin'),
            profile('p4', 'zoe_x', 'X'),
            profile('p5', 'zoe', 'Gone'),
            ev('u.zoe', 1, { type: 'ProfileDeleted', profileId: 'p5', loginId: 'l' }),
            ev('u.zed', 1, { type: 'ProfileUpdated', profileId: 'p1', displayName: 'Zoë', bio: '', avatar: 'initials:#000000' }),
          ],
          7,
        );
        const profiles = new ProfileRepository(db);
        const ids = async (q: string): Promise<string[]> => (await profiles.search(q, 10)).users.map((u) => u.id);
        assert.deepEqual(await ids('zoe'), ['p3', 'p1', 'p4', 'p2']);
        assert.deepEqual(await ids('ZOE'), ['p3', 'p1', 'p4', 'p2']);
        assert.deepEqual(await ids('Zoë'), ['p3', 'p1', 'p4', 'p2']);
        assert.deepEqual(await ids('zoe_'), ['p4'], '_ is no wildcard');
        assert.deepEqual(await ids('%'), []);
        assert.deepEqual(await ids('gone'), [], 'deleted profiles are not found');
        assert.deepEqual((await profiles.search('zed', 10)).users, [{ id: 'p1', username: 'zed', displayName: 'Zoë', avatar: 'initials:#000000' }]);

        const seen: string[] = [];
        let after: string | undefined;
        for (let page = 0; page < 10; page++) {
          const res = await profiles.search('zoe', 3, after);
          seen.push(...res.users.map((u) => u.id));
          if (res.next === null) break;
          after = res.next;
        }
        assert.deepEqual(seen, ['p3', 'p1', 'p4', 'p2'], 'pages neither skip nor repeat');
        await assert.rejects(profiles.search('zoe', 3, 'garbage'), (e) => isParleyError(e, 'bad_request'));
      } finally {
        await db.destroy();
      }
    });
  });
}

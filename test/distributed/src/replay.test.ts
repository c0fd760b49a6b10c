import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { eventually } from '@parley/core/conformance';
import { projectionChecksums, type Database } from '@parley/store';
import type { ParleyClient } from '@parley/sdk';
import { Cluster, clusterClient } from './cluster.js';

let cluster: Cluster | undefined;
const clients: ParleyClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

it('parley-replay rebuilds every projection from offset 0 into an empty database, checksum-equal to the live one', async () => {
  cluster = await Cluster.start({ gateway: 1, ingest: 1, fanout: 1, query: 1 });
  const c = cluster;
  const suffix = process.pid.toString(36);
  const users = [];
  for (const n of ['ra', 'rb', 'rc']) {
    const client = clusterClient(c, 0);
    await client.register(`${n}${suffix}`, 'correct horse battery');
    await client.login(`${n}${suffix}`, 'correct horse battery');
    clients.push(client);
    users.push(client);
  }
  const [a, b, cc] = users as [ParleyClient, ParleyClient, ParleyClient];
  await a.connect();
  await b.connect();
  const direct = await a.openDirect(`rb${suffix}`);
  const group = await b.createGroup('Replay', [`ra${suffix}`, `rc${suffix}`]);
  await b.joinRoom(`replay${suffix}`);
  for (let i = 0; i < 20; i++) await Promise.all([a.send(direct.id, `d${i}`), b.send(group.id, `g${i}`)]);
  b.markRead(direct.id, 10);
  await cc.leave(group.id);

  // The social layer: every new projection gets rows, and a login whose personal data was erased.
  const [aId, bId, cId] = await Promise.all([a, b, cc].map(async (x) => (await x.fetchMe()).user.id));
  const request = await a.sendFriendRequest(bId!, 'hello');
  await b.acceptFriendRequest(request.id);
  await eventually(async () => assert.equal((await a.friends()).length, 1), 30_000, 100);
  await cc.sendFriendRequest(aId!, 'me too');
  await b.block(cId!);
  await a.setRemark(bId!, 'Bee');
  await a.setConversationSettings(direct.id, { pinned: true, muteUntil: -1 });
  await a.updateProfile(aId!, { displayName: 'Ä Replay', bio: 'replayed' });
  const second = await a.createProfile(`rx${suffix}`, 'Second');
  await a.requestEmailCode(`ra${suffix}@example.com`);
  const code = await eventually(() => {
    const line = c.instance('query', 0).logs.find((l) => l.includes(`ra${suffix}@example.com`) && l.includes('email not sent'));
    const found = line && /is (\d{6})\./.exec(line)?.[1];
    assert.ok(found, 'the verification code in the query log');
    return found;
  }, 30_000, 100);
  await a.verifyEmail(code);
  const gone = clusterClient(c, 0);
  clients.push(gone);
  await gone.register(`rg${suffix}`, 'correct horse battery');
  await gone.login(`rg${suffix}`, 'correct horse battery');
  await gone.deleteLogin('correct horse battery');
  assert.ok(second.id);
  await cc.logout();

  const live = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: c.instance('query', 0).env['DATABASE_URL'], max: 2 }) }) });
  const targetUrl = await c.postgres.createDatabase(`replay_${suffix}`);
  try {
    // The live projector has caught up when a second look finds the same tables.
    let previous = '';
    await eventually(async () => {
      const now = JSON.stringify(await projectionChecksums(live));
      const same = now === previous;
      previous = now;
      assert.ok(same);
    }, 30_000, 1000);
    const main = fileURLToPath(new URL('../../../apps/query/dist/replay-main.js', import.meta.url));
    const run = spawnSync(process.execPath, [main], {
      env: { ...process.env, KAFKA_BROKERS: c.kafka.brokers.join(','), REPLAY_DATABASE_URL: targetUrl, DATABASE_URL: c.instance('query', 0).env['DATABASE_URL']!, PARLEY_LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { events: number; keys: number; checksums: Record<string, { rows: number; md5: string }> };
    const expected = await projectionChecksums(live);
    assert.ok(result.events > 40, `replayed ${result.events} events`);
    assert.ok(expected['messages']!.rows >= 40);
    for (const table of ['logins', 'profiles', 'friendships', 'friend_requests', 'blocks', 'conversation_settings', 'contact_remarks']) {
      assert.ok(expected[table]!.rows > 0, `${table} has rows to compare`);
    }
    assert.equal(result.keys, 3, 'the keys of the three live logins were copied; the deleted one has none');
    assert.deepEqual(result.checksums, expected);
    // The erased login's personal data is gone from the replay too: no row, no key.
    const target = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: targetUrl, max: 1 }) }) });
    try {
      assert.equal((await target.selectFrom('logins').select('id').where('username', '=', `rg${suffix}`).execute()).length, 0);
      const alice = await target.selectFrom('logins').select(['password_hash', 'email']).where('username', '=', `ra${suffix}`).executeTakeFirstOrThrow();
      assert.match(alice.password_hash ?? '', /^\$argon2id\$/, 'the sealed hash opened with the copied key');
      assert.equal(alice.email, `ra${suffix}@example.com`);
    } finally {
      await target.destroy();
    }
    // A second replay into the same, no longer empty, database is refused with a message saying what to do.
    const again = spawnSync(process.execPath, [main], { env: { ...process.env, KAFKA_BROKERS: c.kafka.brokers.join(','), REPLAY_DATABASE_URL: targetUrl }, encoding: 'utf8' });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /not empty: point REPLAY_DATABASE_URL at a new, empty database/);
  } finally {
    await live.destroy();
  }
});

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { PasswordHasher } from '@parley/auth';
import { Topics, topicSpecs } from '@parley/domain';
import { EmbeddedLog } from '@parley/log-embedded';
import { directConversationId } from '@parley/protocol';
import { eventCodec, fingerprintOf } from '@parley/schemas';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { newClient } from './clients.js';
import { befriend, rejectsWith, signUp, type TestUser } from './social-helpers.js';

const PARTITIONS = 8;
/** The event schema as it was before logins and profiles: UserRegistered carried the password hash itself. */
const V1 = avro.Type.forSchema(
  JSON.parse(
    readFileSync(new URL('../../../schemas/history/event.v1.avsc', import.meta.url), 'utf8'),
  ) as avro.Schema,
  { wrapUnions: 'auto' },
);

interface V1Event {
  stream: string;
  seq: number;
  actor: { userId: string; username: string } | null;
  payload: { type: string } & Record<string, unknown>;
}

/**
 * One event as a v1-era writer encoded it (Avro single-object encoding):
 *
 *   0xC3 0x01 | CRC-64-AVRO fingerprint of event.v1.avsc, 8 bytes little-endian | Avro binary body
 */
function encodeV1(event: V1Event, n: number): Buffer {
  const header = Buffer.alloc(10);
  header[0] = 0xc3;
  header[1] = 0x01;
  header.writeBigUInt64LE(fingerprintOf(V1), 2);
  const { type, ...fields } = event.payload;
  const record = {
    eventId: `e-legacy-${n}`,
    stream: event.stream,
    seq: event.seq,
    ts: Date.UTC(2024, 0, 1) + n * 1000,
    commandId: `c-legacy-${n}`,
    actor: event.actor,
    origin: null,
    payload: { [`parley.event.${type}`]: fields },
  };
  return Buffer.concat([header, V1.toBuffer(record)]);
}

const ada = {
  userId: 'u01HLEGACY0000000000000ADA',
  username: 'ada.legacy',
  password: 'ada password from 2024',
};
const bert = {
  userId: 'u01HLEGACY000000000000BERT',
  username: 'bert_legacy',
  password: 'bert password from 2024',
};
const direct = directConversationId(ada.userId, bert.userId);
const asActor = (u: typeof ada) => ({ userId: u.userId, username: u.username });

/** A data directory whose log holds only events a v1-era server wrote: two registrations, a direct conversation, two messages. */
async function legacyDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-e2e-legacy-'));
  const hasher = new PasswordHasher();
  const events: V1Event[] = [
    {
      stream: `u.${ada.username}`,
      seq: 0,
      actor: null,
      payload: {
        type: 'UserRegistered',
        userId: ada.userId,
        username: ada.username,
        passwordHash: await hasher.hash(ada.password),
      },
    },
    {
      stream: `u.${bert.username}`,
      seq: 0,
      actor: null,
      payload: {
        type: 'UserRegistered',
        userId: bert.userId,
        username: bert.username,
        passwordHash: await hasher.hash(bert.password),
      },
    },
    {
      stream: direct,
      seq: 0,
      actor: asActor(ada),
      payload: {
        type: 'ConversationCreated',
        kind: 'direct',
        name: '',
        createdBy: ada.userId,
        members: [asActor(ada), asActor(bert)],
      },
    },
    {
      stream: direct,
      seq: 1,
      actor: asActor(ada),
      payload: {
        type: 'MessageSent',
        id: 'm01HLEGACY1',
        senderId: ada.userId,
        senderName: ada.username,
        clientMsgId: 'legacy-1',
        kind: 'text',
        content: 'hello from the old days',
      },
    },
    {
      stream: direct,
      seq: 2,
      actor: asActor(bert),
      payload: {
        type: 'MessageSent',
        id: 'm01HLEGACY2',
        senderId: bert.userId,
        senderName: bert.username,
        clientMsgId: 'legacy-2',
        kind: 'text',
        content: 'hi ada',
      },
    },
  ];
  const records = events.map((e, i) => ({ key: e.stream, value: encodeV1(e, i) }));
  // The reader of today resolves the v1 writer's records (else the server would not start on them).
  assert.deepEqual(
    records.map((r) => eventCodec.decode(r.value).payload.type),
    events.map((e) => e.payload.type),
  );
  const log = await EmbeddedLog.open({ dir: join(dir, 'log') });
  try {
    await log.createTopics(topicSpecs(PARTITIONS));
    await log.producer().send(Topics.events, records);
  } finally {
    await log.close();
  }
  return dir;
}

describe('a log written before profiles (v1 events) on a started single node', () => {
  let server: RunningServer;
  const closers: Array<() => void> = [];
  before(async () => {
    server = await startServer({
      dataDir: await legacyDataDir(),
      env: { PARLEY_PARTITIONS: String(PARTITIONS) },
    });
  });
  after(async () => {
    for (const close of closers) close();
    await server?.stop();
    if (server) await removeDataDir(server.dataDir);
  });

  it('the legacy user signs in with its password, has a profile named after it, keeps its conversation and messages, writes on, and makes a new friend', async () => {
    const client = newClient(server.url);
    closers.push(() => client.close());
    await rejectsWith(client.login(ada.username, 'not the password'), 'invalid_credentials', 401);
    const signedIn = await client.login(ada.username, ada.password, { client: 'legacy test' });
    assert.deepEqual(signedIn.user, { id: ada.userId, username: ada.username });
    const me = await client.fetchMe();
    assert.deepEqual(
      me.login,
      { id: ada.userId, username: ada.username, email: null },
      'the login has the user id',
    );
    assert.deepEqual(
      (await client.profiles()).map((p) => [p.id, p.handle, p.displayName, p.directFrom]),
      [[ada.userId, ada.username, ada.username, 'everyone']],
      'one profile, handle = username',
    );

    const [conversation, ...others] = await client.conversations();
    assert.deepEqual(others, []);
    assert.equal(conversation?.id, direct);
    assert.equal(conversation.kind, 'direct');
    assert.equal(conversation.lastSeq, 2);
    assert.deepEqual(conversation.members?.map((m) => m.username).sort(), [ada.username, bert.username]);
    const history = await client.history(direct, { after: 0 });
    assert.deepEqual(
      history.messages.map((m) => [m.seq, m.sender.username, m.content]),
      [
        [1, ada.username, 'hello from the old days'],
        [2, bert.username, 'hi ada'],
      ],
    );
    await client.connect();
    assert.equal(
      (await client.send(direct, 'still here')).seq,
      3,
      'the conversation goes on after the v1 messages',
    );

    const legacy: TestUser = {
      client,
      username: ada.username,
      id: ada.userId,
      token: signedIn.token,
      password: ada.password,
    };
    const newcomer = await signUp(server.url, 'newcomer');
    closers.push(() => newcomer.client.close());
    assert.deepEqual(
      (await newcomer.client.searchUsers('ada.leg')).users.map((u) => u.id),
      [ada.userId],
    );
    await befriend(newcomer, legacy);
    await befriend(legacy, await signUp(server.url, 'another'));
    assert.equal((await client.friends()).length, 2);
    const bertClient = newClient(server.url);
    closers.push(() => bertClient.close());
    assert.equal((await bertClient.login(bert.username, bert.password)).user.id, bert.userId);
    assert.equal((await bertClient.history(direct, { after: 2 })).messages[0]?.content, 'still here');
  });
});

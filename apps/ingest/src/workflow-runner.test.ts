import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@parley/core';
import { eventually } from '@parley/core/conformance';
import { EmbeddedLog } from '@parley/log-embedded';
import { Topics, accountStream } from '@parley/domain';
import { commandCodec, eventCodec, type Command, type EventPayload } from '@parley/schemas';
import { WorkflowRunner } from './workflow-runner.js';

const bob = { userId: 'ub', username: 'bob' };

async function readCommands(log: EmbeddedLog): Promise<Command[]> {
  const out: Command[] = [];
  for (let p = 0; p < (await log.partitionCount(Topics.commands)); p++) out.push(...(await log.read(Topics.commands, p, 0, 100_000)).map((r) => commandCodec.decode(r.value)));
  return out;
}

test('the runner writes the workflow commands of the events it reads, once across a restart, and skips what it cannot decode', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-workflows-'));
  const open = async () => {
    const log = await EmbeddedLog.open({ dir });
    await log.createTopics([{ name: Topics.commands, partitions: 2 }, { name: Topics.events, partitions: 2 }]);
    const runner = new WorkflowRunner({ log, logger: silentLogger, instanceId: 't' });
    await runner.start();
    return { log, runner };
  };
  let n = 0;
  const append = (log: EmbeddedLog, stream: string, payload: EventPayload) =>
    log.producer().send(Topics.events, [{ key: stream, value: eventCodec.encode({ eventId: `e${++n}`, stream, seq: 0, ts: 1, commandId: `c${n}`, actor: bob, origin: null, payload }) }]);
  try {
    let { log, runner } = await open();
    await append(log, accountStream('bob'), { type: 'FriendRequestAccepted', requestId: 'r1', fromId: 'ua', fromHandle: 'alice', toId: 'ub', toHandle: 'bob' });
    // Not a workflow event: nothing to do.
    await append(log, accountStream('bob'), { type: 'ProfileUpdated', profileId: 'ub', displayName: 'Bob', bio: '', avatar: '' });
    await log.producer().send(Topics.events, [{ key: 'u.bob', value: Buffer.from('not avro') }]);
    await eventually(async () => assert.equal((await readCommands(log)).length, 1));
    const [record] = await readCommands(log);
    assert.equal(record?.stream, accountStream('alice'));
    assert.deepEqual(record?.payload, { type: 'RecordFriend', friendId: 'ub', friendHandle: 'bob', requestId: 'r1' });
    assert.equal(record?.commandId, 'wf:e1:0');
    await eventually(() => assert.equal(runner.health.recent().length, 1, 'the undecodable event is reported'));
    await runner.close();
    await log.close();

    // After a restart the group resumes past what it handled: no command is written twice.
    ({ log, runner } = await open());
    await append(log, accountStream('alice'), { type: 'ProfileBlocked', profileId: 'ua', blockedId: 'ub', blockedStream: accountStream('bob') });
    await eventually(async () => assert.equal((await readCommands(log)).length, 4));
    const types = (await readCommands(log)).map((c) => `${c.payload.type}@${c.stream}`);
    assert.deepEqual(types.sort(), ['MirrorFriendRemoved@u.bob', 'RecordFriend@u.alice', 'SetDirectBlock@d.ua.ub', 'WithdrawFriendRequests@u.bob'].sort());
    await runner.close();
    await log.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@parley/core';
import { eventually } from '@parley/core/conformance';
import { EmbeddedLog } from '@parley/log-embedded';
import { Topics } from '@parley/domain';
import { commandCodec, eventCodec, type CommandPayload, type ParleyEvent } from '@parley/schemas';
import { Ingest } from './ingest.js';

const alice = { userId: 'ua', username: 'alice' };

async function readEvents(log: EmbeddedLog): Promise<ParleyEvent[]> {
  const out: ParleyEvent[] = [];
  for (let p = 0; p < (await log.partitionCount(Topics.events)); p++) out.push(...(await log.read(Topics.events, p, 0, 100_000)).map((r) => eventCodec.decode(r.value)));
  return out;
}

test('ingest appends one outcome per command and keeps seqs dense across a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-ingest-'));
  const open = async () => {
    const log = await EmbeddedLog.open({ dir });
    await log.createTopics([{ name: Topics.commands, partitions: 2 }, { name: Topics.events, partitions: 2 }]);
    const ingest = new Ingest({ log, logger: silentLogger, instanceId: 't', limits: { maxMembers: 10 }, dedupeWindow: 100 });
    await ingest.start();
    return { log, ingest };
  };
  const submit = (log: EmbeddedLog, stream: string, payload: CommandPayload, i: number) =>
    log.producer().send(Topics.commands, [{ key: stream, value: commandCodec.encode({ commandId: `c${i}`, stream, issuedAt: 0, actor: alice, origin: null, payload }) }]);
  try {
    let { log, ingest } = await open();
    await submit(log, 'g.t', { type: 'CreateConversation', kind: 'group', name: 'T', members: [alice] }, 0);
    for (let i = 1; i <= 5; i++) await submit(log, 'g.t', { type: 'SendMessage', clientMsgId: `m${i}`, kind: 'text', content: String(i) }, i);
    await eventually(async () => assert.equal((await readEvents(log)).length, 6));
    await ingest.close();
    await log.close();
    ({ log, ingest } = await open());
    await submit(log, 'g.t', { type: 'SendMessage', clientMsgId: 'm3', kind: 'text', content: '3' }, 7);
    await submit(log, 'g.t', { type: 'SendMessage', clientMsgId: 'm6', kind: 'text', content: '6' }, 8);
    await submit(log, 'g.t', { type: 'SendMessage', clientMsgId: 'garbage', kind: 'text', content: 'x' }, 9);
    await log.producer().send(Topics.commands, [{ key: 'g.t', value: Buffer.from('not avro') }]);
    await eventually(async () => assert.equal((await readEvents(log)).length, 9));
    const events = await readEvents(log);
    assert.deepEqual(
      events.filter((e) => e.payload.type === 'MessageSent').map((e) => e.seq),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(events.filter((e) => e.payload.type === 'CommandDuplicate').length, 1, 'm3 again is a duplicate after the restart');
    await ingest.close();
    await log.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

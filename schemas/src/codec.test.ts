import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandCodec, eventCodec, SchemaError, schemaVersions, fingerprintOf } from './codec.js';
import { rabinFingerprint } from './rabin.js';
import type { Command, ParleyEvent } from './types.js';

test('CRC-64-AVRO matches the Avro specification test vectors', () => {
  // Vectors from the Avro project's own test suite (schema "null" and "int" in canonical form).
  assert.equal(rabinFingerprint(Buffer.from('"null"')), 0x63dd24e7cc258f8an);
  assert.equal(rabinFingerprint(Buffer.from('"int"')), 0x7275d51a3f395c8fn);
});

test('a command round-trips through single-object encoding', () => {
  const command: Command = {
    commandId: 'cmd1',
    stream: 'c:g.1',
    issuedAt: 1_700_000_000_000,
    actor: { userId: 'u1', username: 'alice' },
    origin: { gatewayId: 'gw1', connectionId: 'c1' },
    payload: { type: 'SendMessage', clientMsgId: 'm1', kind: 'text', content: 'héllo 你好' },
  };
  const bytes = commandCodec.encode(command);
  assert.equal(bytes[0], 0xc3);
  assert.equal(bytes[1], 0x01);
  assert.deepEqual(commandCodec.decode(bytes), command);
});

test('every event payload round-trips', () => {
  const base = { eventId: 'e', stream: 'c:d.a.b', seq: 3, ts: 5, commandId: 'x', actor: null, origin: null };
  const payloads: ParleyEvent['payload'][] = [
    { type: 'UserRegistered', userId: 'u', username: 'n', passwordHash: 'h' },
    { type: 'TokenRevoked', userId: 'u', tokenId: 't', expiresAt: 9 },
    { type: 'ConversationCreated', kind: 'group', name: 'g', createdBy: 'u', members: [{ userId: 'u', username: 'n' }] },
    { type: 'MembersJoined', members: [{ userId: 'u', username: 'n' }] },
    { type: 'MemberLeft', userId: 'u', username: 'n' },
    { type: 'MessageSent', id: 'i', senderId: 'u', senderName: 'n', clientMsgId: 'c', kind: 'text', content: 'x' },
    { type: 'ReadMarked', userId: 'u', readSeq: 2 },
    { type: 'CommandRejected', code: 'not_member', message: 'no', clientMsgId: 'c' },
    { type: 'CommandDuplicate', clientMsgId: 'c', messageId: 'i', messageSeq: 1, messageTs: 4 },
  ];
  for (const payload of payloads) {
    const event: ParleyEvent = { ...base, payload };
    assert.deepEqual(eventCodec.decode(eventCodec.encode(event)), event);
  }
});

test('encoding a value that breaks the schema fails with the field path', () => {
  const bad = { commandId: 'c', stream: 's', issuedAt: 'now', actor: null, origin: null, payload: { type: 'MarkRead', seq: 1 } };
  assert.throws(() => commandCodec.encode(bad as unknown as Command), (e: unknown) => e instanceof SchemaError && /issuedAt/.test(e.message));
});

test('garbage, truncated records and unknown fingerprints are SchemaErrors', () => {
  assert.throws(() => eventCodec.decode(Buffer.from('{"json":true}')), SchemaError);
  const good = eventCodec.encode({
    eventId: 'e', stream: 's', seq: 1, ts: 1, commandId: 'c', actor: null, origin: null,
    payload: { type: 'ReadMarked', userId: 'u', readSeq: 1 },
  });
  assert.throws(() => eventCodec.decode(good.subarray(0, good.length - 3)), SchemaError);
  const foreign = Buffer.from(good);
  foreign.writeBigUInt64LE(123n, 2);
  assert.throws(() => eventCodec.decode(foreign), /Unknown event schema fingerprint/);
});

for (const name of ['command', 'event'] as const) {
  test(`${name}.avsc evolves compatibly: it reads every earlier version, and the newest history file is it`, () => {
    const { current, history } = schemaVersions(name);
    assert.ok(history.length >= 1, `schemas/history must keep ${name}.v1.avsc`);
    for (const writer of history) assert.doesNotThrow(() => current.createResolver(writer));
    const latest = history[history.length - 1]!;
    assert.equal(
      fingerprintOf(latest),
      fingerprintOf(current),
      `schemas/${name}.avsc changed: copy it to schemas/history/${name}.v${history.length + 1}.avsc (add fields with defaults only)`,
    );
  });
}

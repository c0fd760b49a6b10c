import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { PROTOCOL_SCHEMA_COMMAND, PROTOCOL_SCHEMA_PATH, bodyDefinition, protocolSchema, renderProtocolSchema } from './protocol-schema.js';
import { MESSAGE_KINDS, messageProblem, type MessageKind } from '../message-kinds.js';
import { isAttachmentKind } from '../attachments.js';

const root = new URL('../../../../', import.meta.url);

test(`${PROTOCOL_SCHEMA_PATH} is what the frame declarations produce`, async () => {
  const committed = await readFile(new URL(PROTOCOL_SCHEMA_PATH, root), 'utf8');
  assert.ok(
    committed === renderProtocolSchema(),
    `${PROTOCOL_SCHEMA_PATH} differs from the frame declarations in libs/protocol/src/*-frames.ts. ` +
      `Regenerate it with \`${PROTOCOL_SCHEMA_COMMAND}\` and commit the result.`,
  );
});

test('the published schema is strict JSON Schema and every example frame in docs/PROTOCOL.md follows it', async () => {
  const ajv = new Ajv({ strict: true, unicodeRegExp: true });
  ajv.addSchema(protocolSchema(), 'protocol');
  const markdown = await readFile(new URL('docs/PROTOCOL.md', root), 'utf8');
  const examples = [...markdown.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1] ?? '') as { type?: string; event?: string });
  assert.ok(examples.length >= 12, `found only ${examples.length} JSON examples`);
  const names: Record<string, string> = {
    auth: 'AuthFrame',
    send: 'SendFrame',
    resume: 'ResumeFrame',
    read: 'ReadFrame',
    ping: 'PingFrame',
    ready: 'ReadyFrame',
    ack: 'AckFrame',
    message: 'MessageFrame',
    conversation: 'ConversationFrame',
    'room.presence': 'RoomPresenceFrame',
    resumed: 'ResumedFrame',
    error: 'ErrorFrame',
    pong: 'PongFrame',
    friend: 'FriendFrame',
    block: 'BlockFrame',
    settings: 'SettingsFrame',
    remark: 'RemarkFrame',
    profile: 'ProfileFrame',
    invitation: 'InvitationFrame',
    join_request: 'JoinRequestFrame',
    receipts: 'ReceiptsFrame',
    presence: 'PresenceFrame',
  };
  for (const example of examples) {
    // An example without a `type` is a system entry (the content of a message of kind "system").
    // `typing` is both a client frame and a server frame: the server's names the user.
    const name = example.type === undefined ? 'SystemEntry' : example.type === 'typing' ? ('user' in example ? 'TypingFrame' : 'TypingClientFrame') : names[example.type];
    assert.ok(name, `example of unknown type ${example.type}`);
    const validate = ajv.getSchema(`protocol#/definitions/${name}`);
    assert.ok(validate, name);
    assert.ok(validate(example), `${JSON.stringify(example).slice(0, 80)}: ${ajv.errorsText(validate.errors)}`);
    const message = example as { kind?: string; content?: string; body?: unknown };
    if (example.type === 'message' && message.kind === 'system') {
      const entry = ajv.getSchema('protocol#/definitions/SystemEntry');
      assert.ok(entry?.(JSON.parse(message.content ?? '')), `the content of a system message: ${ajv.errorsText(entry?.errors)}`);
    } else if (example.type === 'send' || example.type === 'message') {
      // The body against its kind's definition, and the rules JSON Schema does not say (spans in the content).
      // A received message of an attachment kind carries the file's description, not the sent ref.
      const kind = (message.kind ?? 'text') as MessageKind;
      const received = example.type === 'message' && isAttachmentKind(kind);
      const body = ajv.getSchema(`protocol#/definitions/${received ? 'ReceivedAttachmentBody' : bodyDefinition(kind)}`);
      assert.ok(body?.(message.body ?? {}), `the body of a ${kind} message: ${ajv.errorsText(body?.errors)}`);
      assert.equal(messageProblem(kind, message.content ?? '', message.body, received ? 'stored' : 'sent'), undefined, JSON.stringify(example).slice(0, 80));
    }
  }
  const kinds = new Set(examples.filter((e) => e.type === 'send').map((e) => (e as { kind?: string }).kind ?? 'text'));
  assert.deepEqual(kinds, new Set(MESSAGE_KINDS), 'every message kind has a send example');
  const frames = examples.filter((e) => e.type !== undefined);
  assert.deepEqual(new Set(frames.map((e) => e.type)), new Set([...Object.keys(names), 'typing']), 'every frame type has an example');
  assert.ok(frames.some((e) => e.type === 'typing' && 'user' in e) && frames.some((e) => e.type === 'typing' && !('user' in e)), 'both typing frames have an example');
  const entries = new Set(examples.filter((e) => e.type === undefined).map((e) => e.event));
  assert.ok(['joined', 'removed', 'updated'].every((e) => entries.has(e)), `system entry examples: ${[...entries].join(', ')}`);
});

test("docs/PROTOCOL.md's frame tables list exactly the declared fields, with the client frames' bounds", async () => {
  const markdown = await readFile(new URL('docs/PROTOCOL.md', root), 'utf8');
  const definitions = protocolSchema()['definitions'] as Record<string, { title?: string; properties?: Record<string, Record<string, unknown>> }>;
  const clientFrames = ['AuthFrame', 'SendFrame', 'ResumeFrame', 'ReadFrame', 'TypingClientFrame', 'PingFrame'];
  // `typing` is a client frame and a server frame: each is looked up in its own part of the document.
  const [before, serverPart = ''] = markdown.split('\n## Server → client frames');
  const clientPart = before?.split('\n## Client → server frames')[1] ?? '';
  for (const [name, schema] of Object.entries(definitions)) {
    if (!schema.properties || !schema.title) continue;
    const part = clientFrames.includes(name) ? clientPart : name.endsWith('Frame') ? serverPart : markdown;
    const section = part.split(`### \`${schema.title}\``)[1]?.split(/\n##+ /)[0];
    assert.ok(section, `PROTOCOL.md has no section for ${schema.title}`);
    const rows = new Set([...section.matchAll(/^\| `([A-Za-z]+)[.`]/gm)].map((m) => m[1]));
    assert.deepEqual(rows, new Set(Object.keys(schema.properties)), `the ${schema.title} table vs ${name}`);
    // What a client sends: the client frames and the message bodies.
    if (!clientFrames.includes(name) && !name.endsWith('Body')) continue;
    for (const [field, p] of Object.entries(schema.properties)) {
      const nested = (p['additionalProperties'] as Record<string, unknown> | undefined) ?? p;
      for (const bound of [nested['maxLength'], nested['maximum']].filter((b) => typeof b === 'number')) {
        const row = section.split('\n').find((l) => l.startsWith(`| \`${field}\``)) ?? '';
        assert.ok(row.includes(String(bound)), `PROTOCOL.md ${schema.title}.${field} does not state the bound ${String(bound)}`);
      }
    }
  }
});

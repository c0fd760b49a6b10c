import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { silentLogger } from '@parley/core';
import type { Attachment, UploadCompleted } from '@parley/protocol';
import { AttachmentSweeper } from './attachment-sweeper.js';
import { openUploadWorld, TEST_LIMITS, type UploadWorld } from './test-upload-world.js';

// The sweeper over the real store and a real LocalBlobStore, with uploads made through the HTTP routes.

const GROUP = 'g.01JD3T0ZK8V5N2R4Q6W9YB1HCF';
const TTL_MS = TEST_LIMITS.ttlSeconds * 1000;
let w: UploadWorld;

before(async () => {
  w = await openUploadWorld(['alice']);
  const alice = w.users['alice']!;
  await w.project(GROUP, alice, { type: 'ConversationCreated', kind: 'group', name: 'team', createdBy: alice.userId, members: [alice] });
});
after(() => w.close());

const sweeper = () => new AttachmentSweeper({ uploads: w.deps.uploads, blobs: w.blobs, logger: silentLogger, limits: TEST_LIMITS });

async function upload(kind: string, name: string, bytes: Uint8Array, completed = true): Promise<{ id: string; done?: UploadCompleted }> {
  const id = String((await w.call('POST', '/v1/uploads', { as: 'alice', json: { kind, name, size: bytes.byteLength } })).body['id']);
  const chunk = Math.min(bytes.byteLength, TEST_LIMITS.chunkBytes);
  assert.equal((await w.call('PUT', `/v1/uploads/${id}?offset=0`, { as: 'alice', bytes: bytes.subarray(0, chunk) })).status, 200);
  if (!completed) return { id };
  const answer = await w.call('POST', `/v1/uploads/${id}/complete`, { as: 'alice' });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return { id, done: answer.body as unknown as UploadCompleted };
}

function send(attachment: Attachment): Promise<number> {
  const alice = w.users['alice']!;
  return w.project(GROUP, alice, { type: 'MessageSent', id: `m-${attachment.id}`, senderId: alice.userId, senderName: 'alice', clientMsgId: `k-${attachment.id}`, kind: attachment.kind, content: attachment.name, body: JSON.stringify({ attachment }) });
}

test('the sweeper deletes a stale open upload and an unsent attachment with their blobs, and keeps what a message uses', async () => {
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c63' } }).png().toBuffer();
  const open = await upload('file', 'half.bin', randomBytes(TEST_LIMITS.chunkBytes * 2), false);
  const unsent = await upload('file', 'unsent.bin', randomBytes(500));
  const sent = await upload('image', 'sent.png', png);
  await send(sent.done!.attachment);
  const blobsBefore = await w.blobList();
  assert.equal(blobsBefore.length, 4, 'the open upload\'s chunk, the unsent file, the image and its thumbnail');

  assert.deepEqual(await sweeper().sweepOnce(Date.now()), { uploads: 0, blobs: 0 }, 'nothing is due yet');
  const swept = await sweeper().sweepOnce(Date.now() + TTL_MS + 1000);
  assert.deepEqual(swept, { uploads: 2, blobs: 2 });
  assert.equal(await w.deps.uploads.get(open.id), undefined);
  assert.equal(await w.deps.uploads.get(unsent.id), undefined);
  assert.equal((await w.deps.uploads.get(sent.id))?.state, 'complete', 'a message uses it');
  const { attachment } = sent.done!;
  assert.deepEqual(await w.blobList(), [attachment.id, attachment.thumbnail!.id].sort());
  assert.deepEqual(await sweeper().sweepOnce(Date.now() + TTL_MS + 1000), { uploads: 0, blobs: 0 }, 'a second pass finds nothing');
});

test('the sweeper keeps a blob another upload still needs, and an attachment completed within the TTL though created before it', async () => {
  const bytes = randomBytes(700);
  const a = await upload('file', 'a.bin', bytes, false);
  const b = await upload('file', 'b.bin', bytes, false); // the same chunk: the same blob
  const now = Date.now();
  // b was touched lately; a not since long ago.
  await w.db.updateTable('uploads').set({ updated_at: now - TTL_MS - 1000 }).where('id', '=', a.id).execute();
  const swept = await sweeper().sweepOnce(now);
  assert.deepEqual(swept, { uploads: 1, blobs: 0 });
  assert.ok((await w.blobList()).length > 0 && (await w.blobs.size((await w.deps.uploads.get(b.id))!.parts[0]!.sha256)) === 700);

  // Created two TTLs ago, completed now: its ref is good for half a TTL from now, so it stays.
  const late = await upload('file', 'late.bin', randomBytes(300));
  await w.db.updateTable('uploads').set({ created_at: now - 2 * TTL_MS }).where('id', '=', late.id).execute();
  await sweeper().sweepOnce(now + 1000);
  assert.equal((await w.deps.uploads.get(late.id))?.state, 'complete');
  await sweeper().sweepOnce(now + TTL_MS + 2000);
  assert.equal(await w.deps.uploads.get(late.id), undefined, 'swept a TTL after its completion');
});

test('start sweeps at once (then every sweepSeconds); close waits for the pass and is idempotent', async () => {
  const stale = await upload('file', 'stale.bin', randomBytes(100), false);
  await w.db.updateTable('uploads').set({ updated_at: Date.now() - TTL_MS - 1000 }).where('id', '=', stale.id).execute();
  const s = sweeper();
  s.start();
  s.start();
  await s.close();
  assert.equal(await w.deps.uploads.get(stale.id), undefined);
  await s.close();
});

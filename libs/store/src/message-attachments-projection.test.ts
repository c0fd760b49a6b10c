import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Attachment } from '@parley/protocol';
import type { Actor, ParleyEvent } from '@parley/schemas';
import { migrateToLatest } from './migrations.js';
import { ProjectionWriter } from './projection-writer.js';
import { UploadRepository } from './upload.repository.js';
import { PROJECTED_TABLES, projectionChecksums, projectionsEmpty } from './checksum.js';
import { attachmentBlobs } from './message-attachments-projection.js';
import { testDatabases } from './test-databases.js';
import { alice, assertReplaysInBatches, bob, timelineOf } from './test-timeline.js';

const { databases, stop } = testDatabases();
after(stop);

const sha = (label: string): string => createHash('sha256').update(label).digest('hex');

const photo: Attachment = {
  id: sha('photo'),
  kind: 'image',
  mime: 'image/jpeg',
  size: 123_456,
  name: 'beach.jpg',
  width: 4000,
  height: 3000,
  thumbnail: { id: sha('photo-thumb'), mime: 'image/webp', width: 320, height: 240, size: 9000 },
};
const report: Attachment = { id: sha('report'), kind: 'file', mime: 'application/pdf', size: 99, name: 'report.pdf' };
const memo: Attachment = { id: sha('memo'), kind: 'voice', mime: 'audio/ogg', size: 5000, name: 'memo.ogg', durationMs: 3100 };

/** Messages of every attachment kind, on both of the projector's paths, with bodies good and bad, a forward, an edit and a recall. */
function attachmentLog(): ParleyEvent[] {
  const g = timelineOf('g.files');
  const d = timelineOf('d.ua.ub');
  const send = (t: ReturnType<typeof timelineOf>, by: Actor, kind: string, body: string, extra: { ws?: boolean; forwarded?: boolean } = {}) =>
    t.sent(by, kind, `[${kind}]`, { body, ...(extra.forwarded ? { forwarded: true } : {}) }, extra.ws ?? true);
  g.push({ type: 'ConversationCreated', kind: 'group', name: 'files', createdBy: 'ua', members: [alice, bob] }, alice, false);
  d.push({ type: 'ConversationCreated', kind: 'direct', name: '', createdBy: 'ua', members: [alice, bob] }, alice, false);
  send(g, alice, 'image', JSON.stringify({ attachment: photo })); // g 1: file and thumbnail
  send(g, bob, 'file', JSON.stringify({ attachment: report }), { ws: false }); // g 2: over HTTP, one by one
  send(g, alice, 'voice', JSON.stringify({ attachment: memo })); // g 3
  send(g, alice, 'video', '{"attachment": '); // g 4: does not parse
  send(g, alice, 'image', JSON.stringify({ attachment: { kind: 'image' } })); // g 5: no id
  send(g, alice, 'file', JSON.stringify({ attachment: { ...report, id: '../../etc/passwd' } })); // g 6: not a blob name
  send(g, alice, 'image', JSON.stringify({ attachment: { ...photo, thumbnail: { id: 42 } } })); // g 7: the file, not the odd thumbnail
  send(g, alice, 'text', JSON.stringify({ attachment: photo })); // g 8: not an attachment kind
  send(g, alice, 'file', 'null'); // g 9
  send(g, alice, 'image', ''); // g 10: no body (an event from before bodies)
  send(d, alice, 'image', JSON.stringify({ attachment: photo }), { forwarded: true }); // d 1: a forward shares the blobs
  // An edit changes the caption only; a recall blanks the body and frees its blobs (no row names them).
  g.push({ type: 'MessageSent', id: 'g.files-e', senderId: 'ua', senderName: 'alice', clientMsgId: 'e', kind: 'system', content: JSON.stringify({ event: 'edited', message: 1, actor: { id: 'ua', username: 'alice' } }) }, alice, false);
  g.push({ type: 'MessageEdited', target: 1, content: 'the beach', body: JSON.stringify({ attachment: photo }) }, alice, false);
  g.push({ type: 'MessageSent', id: 'g.files-r', senderId: 'ua', senderName: 'alice', clientMsgId: 'r', kind: 'system', content: JSON.stringify({ event: 'recalled', message: 3, actor: { id: 'ua', username: 'alice' } }) }, alice, false);
  g.push({ type: 'MessageRecalled', target: 3 }, alice, false);
  // Interleaved as partitions would never be, to vary what batches hold.
  return [...g.events.slice(0, 6), ...d.events, ...g.events.slice(6)];
}

describe('attachmentBlobs', () => {
  it('names the file and thumbnail of an attachment kind, and nothing for anything else', () => {
    assert.deepEqual(attachmentBlobs({ kind: 'image', body: JSON.stringify({ attachment: photo }) }), [photo.id, photo.thumbnail!.id]);
    assert.deepEqual(attachmentBlobs({ kind: 'file', body: JSON.stringify({ attachment: report }) }), [report.id]);
    assert.deepEqual(attachmentBlobs({ kind: 'image', body: JSON.stringify({ attachment: { ...photo, thumbnail: { ...photo.thumbnail, id: photo.id } } }) }), [photo.id], 'one row per blob');
    for (const [kind, body] of [['text', JSON.stringify({ attachment: photo })], ['image', '{'], ['image', '[]'], ['image', '"x"'], ['image', '{"attachment":null}'], ['image', '{"attachment":"ref"}'], ['voice', '{"attachment":{"id":"ABC"}}'], ['video', undefined], ['video', null]] as const) {
      assert.deepEqual(attachmentBlobs({ kind, body }), [], `${kind} ${String(body)}`);
    }
  });
});

for (const adapter of databases) {
  describe(`message_attachments on ${adapter.name}`, () => {
    it('names the blobs of attachment messages, never throws on a bad body, and replays to the same checksums in any batches', async () => {
      const live = await adapter.open();
      try {
        await migrateToLatest(live as Kysely<unknown>);
        const log = attachmentLog();
        const writer = new ProjectionWriter(live);
        await writer.applyBatch('parley.events', 0, log, log.length);
        const rows = await live.selectFrom('message_attachments').selectAll().orderBy('conversation_id').orderBy('seq').orderBy('blob').execute();
        const expected = [
          ['d.ua.ub', 1, photo.id],
          ['d.ua.ub', 1, photo.thumbnail!.id],
          ['g.files', 1, photo.id],
          ['g.files', 1, photo.thumbnail!.id],
          ['g.files', 2, report.id],
          ['g.files', 7, photo.id],
        ].sort((a, b) => `${a[0]}${a[1]}${a[2]}`.localeCompare(`${b[0]}${b[1]}${b[2]}`));
        assert.deepEqual(rows.map((r) => [r.conversation_id, Number(r.seq), r.blob]), expected);
        const messages = await live.selectFrom('messages').select('seq').where('conversation_id', '=', 'g.files').execute();
        assert.equal(messages.length, 12, 'every message is projected, the bad bodies too');
        const recalled = await live.selectFrom('messages').select(['recalled', 'body']).where('conversation_id', '=', 'g.files').where('seq', '=', 3).executeTakeFirstOrThrow();
        assert.deepEqual(recalled, { recalled: true, body: '' }, 'the recall applied');

        const once = await projectionChecksums(live);
        assert.equal(once['message_attachments']?.rows, 6, 'the checksum covers message_attachments');
        await writer.applyBatch('parley.events', 0, log, log.length);
        assert.deepEqual(await projectionChecksums(live), once, 'a re-applied batch changes nothing');
        await assertReplaysInBatches(() => adapter.open(), log, [1, 2, 5], once);
      } finally {
        await live.destroy();
      }
    });

    it('uploads is not a projection: a replay target may hold uploads, and the checksums leave them out', async () => {
      assert.ok('message_attachments' in PROJECTED_TABLES);
      assert.ok(!('uploads' in PROJECTED_TABLES));
      const db = await adapter.open();
      try {
        await migrateToLatest(db as Kysely<unknown>);
        const empty = await projectionChecksums(db);
        const uploads = new UploadRepository(db);
        await uploads.create({ id: 'up_keep', userId: 'ua', kind: 'image', name: 'a.png', size: 10, createdAt: 1 });
        await uploads.complete('up_keep', photo, 2);
        assert.equal(await projectionsEmpty(db), true, 'an upload does not make a database a non-empty replay target');
        assert.deepEqual(await projectionChecksums(db), empty);
        const log = attachmentLog();
        await new ProjectionWriter(db).applyBatch('parley.events', 0, log, log.length);
        assert.equal((await uploads.get('up_keep'))?.attachment?.id, photo.id, 'projecting leaves uploads alone');
        assert.equal(await uploads.blobInUse(photo.id, 'up_keep'), true, 'sent: named by messages');
        assert.deepEqual(await uploads.unreferenced(10, 10), [], 'its attachment is in a message');
      } finally {
        await db.destroy();
      }
    });
  });
}

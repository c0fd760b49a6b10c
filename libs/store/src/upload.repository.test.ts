import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Attachment } from '@parley/protocol';
import type { Actor, ParleyEvent } from '@parley/schemas';
import { migrateToLatest } from './migrations.js';
import { ProjectionWriter } from './projection-writer.js';
import { UploadRepository } from './upload.repository.js';
import { testDatabases } from './test-databases.js';
import type { Database } from './database.js';

const { databases, stop } = testDatabases();
after(stop);

const T = 1_700_000_000_000;
/** A blob name: the sha256 of `label`. */
const sha = (label: string): string => createHash('sha256').update(label).digest('hex');
const alice: Actor = { userId: 'ua', username: 'alice' };

const image = (id: string, thumbnail?: string): Attachment => ({
  id,
  kind: 'image',
  mime: 'image/png',
  size: 300,
  name: 'cat.png',
  width: 640,
  height: 480,
  ...(thumbnail ? { thumbnail: { id: thumbnail, mime: 'image/webp', width: 320, height: 240, size: 40 } } : {}),
});

/** Projects message `seq` of g.pics, of kind image naming `attachment`, as the gateway writes it. */
async function sendImage(db: Kysely<Database>, attachment: Attachment, seq: number, sender = 'ua'): Promise<void> {
  const event: ParleyEvent = {
    eventId: `e-img${seq}`,
    stream: 'g.pics',
    seq,
    ts: T + seq,
    commandId: `c-img${seq}`,
    actor: alice,
    origin: { gatewayId: 'g', connectionId: 'g/1' },
    payload: { type: 'MessageSent', id: `m-img${seq}`, senderId: sender, senderName: sender, clientMsgId: `img${seq}`, kind: 'image', content: '[Image] cat.png', body: JSON.stringify({ attachment }) },
  };
  await new ProjectionWriter(db).applyBatch('parley.events', 0, [event], seq);
}

for (const adapter of databases) {
  describe(`UploadRepository on ${adapter.name}`, () => {
    let db: Kysely<Database>;
    before(async () => {
      db = await adapter.open();
      await migrateToLatest(db as Kysely<unknown>);
    });
    after(async () => {
      await db.destroy();
    });

    it('creates an open upload and reads it back', async () => {
      const uploads = new UploadRepository(db);
      await uploads.create({ id: 'up_create1', userId: 'uc', kind: 'file', name: 'report.pdf', size: 5_000_000_000, mimeClaimed: 'application/pdf', createdAt: T });
      await uploads.create({ id: 'up_create2', userId: 'uc', kind: 'voice', name: 'hi.ogg', size: 10, createdAt: T + 1 });
      assert.deepEqual(await uploads.get('up_create1'), {
        id: 'up_create1',
        userId: 'uc',
        kind: 'file',
        name: 'report.pdf',
        size: 5_000_000_000,
        mimeClaimed: 'application/pdf',
        received: 0,
        parts: [],
        state: 'open',
        createdAt: T,
        updatedAt: T,
      }, 'sizes past 2^32 survive');
      assert.equal((await uploads.get('up_create2'))?.mimeClaimed, undefined, 'no claimed type: none');
      assert.equal(await uploads.get('up_none'), undefined);
      await assert.rejects(uploads.create({ id: 'up_create1', userId: 'ux', kind: 'file', name: 'x', size: 1, createdAt: T }), 'an id is taken once');
    });

    it('appendPart appends only at the current offset (compare-and-set), and never to a complete upload', async () => {
      const uploads = new UploadRepository(db);
      await uploads.create({ id: 'up_cas', userId: 'ua', kind: 'image', name: 'a.png', size: 10, createdAt: T });
      const p1 = { sha256: sha('p1'), size: 4 };
      const p2 = { sha256: sha('p2'), size: 6 };
      assert.equal(await uploads.appendPart('up_cas', 4, p1, T + 1), undefined, 'not at offset 4 yet');
      const first = await uploads.appendPart('up_cas', 0, p1, T + 2);
      assert.deepEqual([first?.received, first?.parts, first?.updatedAt, first?.state], [4, [p1], T + 2, 'open']);
      assert.equal(await uploads.appendPart('up_cas', 0, p2, T + 3), undefined, 'offset 0 has moved');
      assert.deepEqual((await uploads.get('up_cas'))?.parts, [p1], 'the refused part is not recorded');

      // Two chunks at one offset at the same time: exactly one is recorded.
      const raced = await Promise.all([uploads.appendPart('up_cas', 4, p2, T + 4), uploads.appendPart('up_cas', 4, { sha256: sha('p2b'), size: 6 }, T + 4)]);
      assert.equal(raced.filter((r) => r !== undefined).length, 1, 'one of two racing appends wins');
      const now = await uploads.get('up_cas');
      assert.equal(now?.received, 10);
      assert.equal(now?.parts.length, 2);
      assert.deepEqual(now, raced.find((r) => r !== undefined), 'the winner answers the row as stored');

      await uploads.complete('up_cas', image(sha('whole')), T + 5);
      assert.equal(await uploads.appendPart('up_cas', 10, { sha256: sha('p3'), size: 1 }, T + 6), undefined, 'complete: no more parts');
      assert.equal(await uploads.appendPart('up_gone', 0, p1, T + 6), undefined, 'no such upload');
    });

    it('complete records the attachment and forgets the parts; delete forgets the upload', async () => {
      const uploads = new UploadRepository(db);
      await uploads.create({ id: 'up_done', userId: 'ud', kind: 'image', name: 'cat.png', size: 300, createdAt: T });
      await uploads.appendPart('up_done', 0, { sha256: sha('done-part'), size: 300 }, T + 1);
      const attachment = image(sha('done'), sha('done-thumb'));
      await uploads.complete('up_done', attachment, T + 2);
      const row = await uploads.get('up_done');
      assert.deepEqual([row?.state, row?.attachment, row?.parts, row?.received, row?.updatedAt, row?.createdAt], ['complete', attachment, [], 300, T + 2, T]);
      await uploads.delete('up_done');
      assert.equal(await uploads.get('up_done'), undefined);
      await uploads.delete('up_done'); // deleting again is fine
    });

    it('usage counts the declared size of open uploads and the size of complete ones, per user', async () => {
      const uploads = new UploadRepository(db);
      assert.equal(await uploads.usage('uq'), 0, 'nothing yet');
      await uploads.create({ id: 'up_q1', userId: 'uq', kind: 'video', name: 'v.mp4', size: 3_000_000_000, createdAt: T });
      await uploads.create({ id: 'up_q2', userId: 'uq', kind: 'image', name: 'i.png', size: 300, createdAt: T });
      await uploads.create({ id: 'up_q3', userId: 'ur', kind: 'image', name: 'i.png', size: 7, createdAt: T });
      await uploads.appendPart('up_q2', 0, { sha256: sha('q2'), size: 300 }, T);
      await uploads.complete('up_q2', image(sha('q2')), T);
      assert.equal(await uploads.usage('uq'), 3_000_000_300, 'open (declared, nothing received) and complete, past 2^31');
      assert.equal(await uploads.usage('ur'), 7);
      await uploads.delete('up_q1');
      assert.equal(await uploads.usage('uq'), 300);
    });

    it('staleOpen lists open uploads untouched since before, the oldest first, up to limit', async () => {
      const s = T + 1_000_000; // apart from the other tests' rows
      const uploads = new UploadRepository(db);
      for (const [id, at] of [['up_s1', s + 30], ['up_s2', s + 10], ['up_s3', s + 20], ['up_s4', s + 100]] as const) {
        await uploads.create({ id, userId: 'us', kind: 'file', name: 'f', size: 100, createdAt: at });
      }
      await uploads.appendPart('up_s2', 0, { sha256: sha('s2'), size: 1 }, s + 50); // touched: no longer stale at s + 50
      await uploads.create({ id: 'up_s5', userId: 'us', kind: 'file', name: 'f', size: 1, createdAt: s + 5 });
      await uploads.complete('up_s5', image(sha('s5')), s + 6); // complete: never stale-open
      const stale = (before: number, limit: number) => uploads.staleOpen(before, limit).then((rows) => rows.filter((r) => r.userId === 'us').map((r) => r.id));
      assert.deepEqual(await stale(s + 50, 10), ['up_s3', 'up_s1']);
      assert.deepEqual(await stale(s + 51, 10), ['up_s3', 'up_s1', 'up_s2']);
      assert.deepEqual(await stale(s + 51, 10).then((ids) => ids.length), 3);
      assert.deepEqual((await uploads.staleOpen(s + 51, 1)).length, 1, 'limit');
      assert.deepEqual(await stale(s + 10, 10), [], 'strictly before');
    });

    it('unreferenced lists complete uploads last touched before, whose attachment no message names', async () => {
      const u = T + 2_000_000;
      const uploads = new UploadRepository(db);
      const make = async (id: string, at: number, attachment?: Attachment) => {
        await uploads.create({ id, userId: 'uu', kind: 'image', name: 'cat.png', size: 300, createdAt: at });
        if (attachment) await uploads.complete(id, attachment, at + 1);
      };
      await make('up_u1', u + 1, image(sha('u1'), sha('u1-thumb')));
      await make('up_u2', u + 2, image(sha('u2'))); // sent below
      await make('up_u3', u + 3); // open
      await make('up_u4', u + 4, image(sha('u4'), sha('u4-thumb-bytes'))); // its thumbnail is in a message, its file is not
      await make('up_u5', u + 50, image(sha('u5'))); // too young
      await sendImage(db, image(sha('u2')), 1, 'uu');
      await sendImage(db, image(sha('other'), sha('u4-thumb-bytes')), 2, 'uu');
      await sendImage(db, image(sha('u1'), sha('u1-thumb')), 41, 'ua'); // someone else's message with u1's bytes
      const ids = (rows: { id: string; userId: string }[]) => rows.filter((r) => r.userId === 'uu').map((r) => r.id);
      assert.deepEqual(ids(await uploads.unreferenced(u + 10, 100)), ['up_u1', 'up_u4'], "another user's message with the same bytes keeps nothing");
      assert.equal((await uploads.unreferenced(u + 10, 1)).length, 1, 'limit');
      await sendImage(db, image(sha('u1'), sha('u1-thumb')), 3, 'uu');
      assert.deepEqual(ids(await uploads.unreferenced(u + 100, 100)), ['up_u4', 'up_u5'], 'sent now; the young one is old enough');
      assert.equal(await uploads.holds('up_u1', 'uu', sha('u1')), true);
      assert.equal(await uploads.holds('up_u1', 'ua', sha('u1')), false, "someone else's");
      assert.equal(await uploads.holds('up_u1', 'uu', sha('u2')), false, 'another file');
      assert.equal(await uploads.holds('up_u3', 'uu', sha('u1')), false, 'open');
      assert.equal(await uploads.holds('up_gone', 'uu', sha('u1')), false, 'deleted');
      assert.equal(await uploads.inMessagesOf(sha('u1'), 'uu'), true);
      assert.equal(await uploads.inMessagesOf(sha('u2'), 'ua'), false, "only the user's own messages");
      assert.equal(await uploads.inMessagesOf(sha('u4'), 'uu'), false);
      // Completing again (a fresh ref) touches it: it is young again.
      await uploads.complete('up_u5', image(sha('u5')), u + 200);
      assert.deepEqual(ids(await uploads.unreferenced(u + 100, 100)), ['up_u4'], 'touched by a second completion');
    });

    it('blobInUse: a message, a part of another upload, another complete upload\'s file or thumbnail; never the excepted upload', async () => {
      const uploads = new UploadRepository(db);
      const b = (label: string) => sha(`in-use-${label}`);
      assert.equal(await uploads.blobInUse(b('nothing')), false, 'nothing names it');

      // Named by messages (the file and its thumbnail), whatever upload is excepted.
      await sendImage(db, image(b('sent'), b('sent-thumb')), 4);
      assert.equal(await uploads.blobInUse(b('sent')), true, 'a message\'s file');
      assert.equal(await uploads.blobInUse(b('sent-thumb')), true, 'a message\'s thumbnail');
      await uploads.create({ id: 'up_b0', userId: 'ub', kind: 'image', name: 'x', size: 1, createdAt: T });
      await uploads.complete('up_b0', image(b('sent'), b('sent-thumb')), T);
      assert.equal(await uploads.blobInUse(b('sent'), 'up_b0'), true, 'sent: in use even when its upload goes');

      // Parts of open uploads.
      await uploads.create({ id: 'up_b1', userId: 'ub', kind: 'file', name: 'f', size: 10, createdAt: T });
      await uploads.appendPart('up_b1', 0, { sha256: b('part-a'), size: 5 }, T);
      await uploads.appendPart('up_b1', 5, { sha256: b('part-b'), size: 5 }, T);
      assert.equal(await uploads.blobInUse(b('part-a')), true, 'a part');
      assert.equal(await uploads.blobInUse(b('part-b')), true, 'a later part');
      assert.equal(await uploads.blobInUse(b('part-b'), 'up_b1'), false, 'a part of the excepted upload only');
      await uploads.create({ id: 'up_b2', userId: 'ub', kind: 'file', name: 'f', size: 5, createdAt: T });
      await uploads.appendPart('up_b2', 0, { sha256: b('part-b'), size: 5 }, T);
      assert.equal(await uploads.blobInUse(b('part-b'), 'up_b1'), true, 'the same chunk in another upload');

      // Complete uploads: their file and thumbnail, not their former parts.
      await uploads.create({ id: 'up_b3', userId: 'ub', kind: 'image', name: 'cat.png', size: 300, createdAt: T });
      await uploads.appendPart('up_b3', 0, { sha256: b('part-c'), size: 300 }, T);
      await uploads.complete('up_b3', image(b('file'), b('thumb')), T);
      assert.equal(await uploads.blobInUse(b('file')), true, 'a complete upload\'s file');
      assert.equal(await uploads.blobInUse(b('thumb')), true, 'a complete upload\'s thumbnail');
      assert.equal(await uploads.blobInUse(b('file'), 'up_b3'), false, 'the excepted upload\'s own file');
      assert.equal(await uploads.blobInUse(b('thumb'), 'up_b3'), false, 'the excepted upload\'s own thumbnail');
      assert.equal(await uploads.blobInUse(b('part-c')), false, 'a complete upload forgot its parts');
      await uploads.create({ id: 'up_b4', userId: 'ub', kind: 'image', name: 'same.png', size: 300, createdAt: T });
      await uploads.complete('up_b4', image(b('file'), b('thumb')), T);
      assert.equal(await uploads.blobInUse(b('file'), 'up_b3'), true, 'the same bytes uploaded twice');
      assert.equal(await uploads.blobInUse(b('thumb'), 'up_b3'), true);
      assert.equal(await uploads.blobInUse(b('file').slice(0, 63) + '0'), false, 'only that very name');
    });
  });
}

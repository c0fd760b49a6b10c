import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParleyEvent } from '@parley/schemas';
import { Conversations, readStatePaging } from './conversations.js';
import { PageFile } from './page-file.js';
import { StreamState } from './stream-state.js';
import { encodeStateSnapshot } from './state-snapshot.js';

const withDir = async (fn: (dir: string) => Promise<void> | void): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-pages-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const a = { userId: 'ua', username: 'a' };
let n = 0;
const ev = (stream: string, seq: number, payload: ParleyEvent['payload']): ParleyEvent => ({ eventId: `e${++n}`, stream, seq, ts: 1_700_000_000_000 + n, commandId: `c${n}`, actor: a, origin: null, payload });
/** `count` groups of one member with `messages` messages each. */
function history(count: number, messages: number): ParleyEvent[] {
  const out: ParleyEvent[] = [];
  for (let g = 0; g < count; g++) {
    out.push(ev(`g.${g}`, 0, { type: 'ConversationCreated', kind: 'group', name: `g${g}`, createdBy: 'ua', members: [a] }));
    for (let m = 1; m <= messages; m++) out.push(ev(`g.${g}`, m, { type: 'MessageSent', id: `m${g}.${m}`, senderId: 'ua', senderName: 'a', clientMsgId: `k${g}.${m}`, kind: 'text', content: 'x' }));
  }
  return out;
}
const options = { dedupeWindow: 100, recentMessages: 100 };
const plain = (s: StreamState): string => JSON.stringify(s.data(), (_k, v: unknown) => (v instanceof Map ? ['Map', ...v] : v instanceof Set ? ['Set', ...v] : v));

test('a page file keeps pages by key, frees what is replaced or taken, and compacts when most of it is free', () =>
  withDir((dir) => {
    const pages = PageFile.open(dir);
    const page = (i: number, size: number): Buffer => Buffer.alloc(size, i % 251);
    pages.put('a', page(1, 10));
    pages.put('b', page(2, 20));
    pages.put('a', page(3, 30));
    assert.deepEqual(pages.read('a'), page(3, 30));
    assert.deepEqual(pages.take('b'), page(2, 20));
    assert.equal(pages.read('b'), undefined);
    assert.deepEqual([pages.size, pages.fileBytes], [1, 60]);
    pages.delete('a');
    assert.deepEqual([pages.size, pages.fileBytes], [0, 0], 'an empty page file starts again at its beginning');
    // 40 pages of 1 MiB, then 40 replaced: half the file is free, not yet more.
    for (let i = 0; i < 40; i++) pages.put(`k${i}`, page(i, 1 << 20));
    for (let i = 0; i < 40; i++) pages.put(`k${i}`, page(i + 100, 1 << 20));
    assert.equal(pages.fileBytes, 80 << 20);
    // One more: most of it is free, so the live pages are copied into a new file.
    pages.put('k0', page(7, 1 << 20));
    assert.equal(pages.fileBytes, 40 << 20);
    for (let i = 0; i < 40; i++) assert.deepEqual(pages.read(`k${i}`), i === 0 ? page(7, 1 << 20) : page(i + 100, 1 << 20), `page k${i}`);
    pages.close();
  }));

test('idle conversations are paged out and come back whole when named; the state folds on as if they never left', () =>
  withDir((dir) => {
    const events = history(20, 150);
    const paged = new StreamState(options, { dir, idleMs: 60_000 });
    const plainState = new StreamState(options);
    for (const e of events.slice(0, 1510)) {
      paged.apply(e);
      plainState.apply(e);
    }
    // Everything was named before now: all of it is idle as of a minute from now.
    assert.equal(paged.conversations.pageOut(Date.now() + 1), 10);
    assert.deepEqual([paged.conversations.size, paged.conversations.inMemory], [10, 0]);
    assert.equal(paged.conversations.sweep(), 0, 'a sweep is not due yet');
    for (const e of events.slice(1510)) {
      paged.apply(e);
      plainState.apply(e);
    }
    assert.equal(paged.conversations.inMemory, 10, 'the ten new conversations');
    assert.equal(plain(paged), plain(plainState));
    assert.equal(paged.conversations.get('g.3')?.sent.size, 100);
    assert.equal(paged.conversations.inMemory, 11);
    assert.equal(paged.conversations.has('g.4'), true);
    assert.equal(paged.conversations.has('g.99'), false);
    assert.ok(encodeStateSnapshot({ state: paged, topic: 't', partition: 0, next: 1, last: null, takenAt: 0 }).equals(encodeStateSnapshot({ state: plainState, topic: 't', partition: 0, next: 1, last: null, takenAt: 0 })));
    paged.conversations.delete('g.4');
    assert.equal(paged.conversations.has('g.4'), false);
    paged.close();
  }));

test('when no page file can be opened, conversations stay in memory and the problem is told', () => {
  const problems: string[] = [];
  // Not a directory, for root too.
  const conversations = new Conversations({ dir: '/dev/null/pages', idleMs: 1000, onProblem: (p) => problems.push(p) });
  const state = new StreamState(options);
  for (const e of history(1, 3)) state.apply(e);
  conversations.set('g.0', state.conversations.get('g.0')!);
  assert.equal(conversations.pageOut(Date.now() + 1), 0);
  assert.equal(conversations.inMemory, 1);
  assert.equal(conversations.get('g.0')?.lastSeq, 3);
  assert.match(problems.join('\n'), /cannot open a page file in \/dev\/null\/pages, conversation state stays in memory/);
});

test('PARLEY_STATE_* are read and checked', () => {
  assert.deepEqual(readStatePaging({ PARLEY_STATE_PAGE_DIR: '/var/tmp/p', PARLEY_STATE_IDLE_SECONDS: '30' }), { dir: '/var/tmp/p', idleMs: 30_000 });
  assert.equal(readStatePaging({}).idleMs, 600_000);
  assert.equal(readStatePaging({}).dir, tmpdir());
  assert.throws(() => readStatePaging({ PARLEY_STATE_PAGE_DIR: 'relative/dir' }), /PARLEY_STATE_PAGE_DIR must be an absolute path/);
  assert.throws(() => readStatePaging({ PARLEY_STATE_IDLE_SECONDS: '-1' }), /PARLEY_STATE_IDLE_SECONDS must be between 0 and/);
});

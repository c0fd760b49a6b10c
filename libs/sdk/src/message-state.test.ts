import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageFrame } from '@parley/protocol';
import { applyMessageChange, isMessageChange, messageChangeOf, type ChatMessage } from './message-state.js';

const alice = { id: 'u1', username: 'alice' };
const bob = { id: 'u2', username: 'bob' };

function msg(seq: number, content: string, extra: Partial<ChatMessage> = {}): ChatMessage {
  return { type: 'message', conversation: 'g.x', id: `m${seq}`, seq, ts: seq * 10, sender: alice, clientMsgId: `c${seq}`, kind: 'text', content, ...extra };
}

function entry(seq: number, change: Record<string, unknown>, actor = alice): MessageFrame {
  return { type: 'message', conversation: 'g.x', id: `m${seq}`, seq, ts: seq * 10, sender: actor, clientMsgId: '', kind: 'system', content: JSON.stringify({ actor, ...change }) };
}

test('a recall empties the message, unpins it and marks it recalled; again changes nothing', () => {
  const list = [msg(1, 'hi', { body: { spans: [] } as MessageFrame['body'], pinned: true }), msg(2, 'there')];
  const e = entry(3, { event: 'recalled', message: 1 });
  assert.equal(isMessageChange(e), true);
  const changed = applyMessageChange(list, e);
  assert.deepEqual(changed, { ...msg(1, ''), recalled: true });
  assert.equal(list[0], changed);
  assert.equal(applyMessageChange(list, e), changed);
  assert.equal(list[1]?.content, 'there');
});

test('an edit sets content, body and editedAt; an older edit applied late does not win', () => {
  const list = [msg(1, 'hi')];
  applyMessageChange(list, entry(4, { event: 'edited', message: 1, text: 'hello *you*', body: { spans: [{ type: 'bold', start: 6, end: 11 }] } }));
  assert.deepEqual(list[0], { ...msg(1, 'hello *you*'), body: { spans: [{ type: 'bold', start: 6, end: 11 }] }, editedAt: 40 });
  applyMessageChange(list, entry(3, { event: 'edited', message: 1, text: 'older' }));
  assert.equal(list[0]?.content, 'hello *you*');
  applyMessageChange(list, entry(5, { event: 'edited', message: 1, text: 'plain' }));
  assert.deepEqual(list[0], { ...msg(1, 'plain'), editedAt: 50 });
});

test('pin and unpin', () => {
  const list = [msg(1, 'hi')];
  applyMessageChange(list, entry(2, { event: 'pinned', message: 1 }));
  assert.equal(list[0]?.pinned, true);
  applyMessageChange(list, entry(3, { event: 'unpinned', message: 1 }));
  assert.deepEqual(list[0], msg(1, 'hi'));
});

test('reactions count each profile once per emoji, and go when the last is taken back', () => {
  const list = [msg(1, 'hi')];
  applyMessageChange(list, entry(2, { event: 'reaction', message: 1, emoji: '👍' }));
  applyMessageChange(list, entry(3, { event: 'reaction', message: 1, emoji: '👍' }, bob));
  applyMessageChange(list, entry(3, { event: 'reaction', message: 1, emoji: '👍' }, bob));
  applyMessageChange(list, entry(4, { event: 'reaction', message: 1, emoji: '❤️' }, bob));
  assert.deepEqual(list[0]?.reactions, [
    { emoji: '👍', count: 2, userIds: ['u1', 'u2'] },
    { emoji: '❤️', count: 1, userIds: ['u2'] },
  ]);
  applyMessageChange(list, entry(5, { event: 'reaction', message: 1, emoji: '👍', removed: true }));
  applyMessageChange(list, entry(6, { event: 'reaction', message: 1, emoji: '❤️', removed: true }, bob));
  applyMessageChange(list, entry(6, { event: 'reaction', message: 1, emoji: '❤️', removed: true }, bob));
  assert.deepEqual(list[0]?.reactions, [{ emoji: '👍', count: 1, userIds: ['u2'] }]);
  applyMessageChange(list, entry(7, { event: 'reaction', message: 1, emoji: '👍', removed: true }, bob));
  assert.deepEqual(list[0], msg(1, 'hi'));
});

test('other entries, ordinary messages and messages not loaded are left alone', () => {
  const list = [msg(1, 'hi')];
  assert.equal(applyMessageChange(list, entry(2, { event: 'left' })), undefined);
  assert.equal(messageChangeOf(entry(2, { event: 'notice', notice: { id: 'n', text: 't', edited: false } })), undefined);
  assert.equal(applyMessageChange(list, msg(2, JSON.stringify({ event: 'recalled', actor: alice, message: 1 }))), undefined);
  assert.equal(applyMessageChange(list, entry(3, { event: 'recalled', message: 9 })), undefined);
  assert.deepEqual(list, [msg(1, 'hi')]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSystemEntry, systemEntryOf, systemEntryText } from './system-entries.js';

const entry = (content: unknown) => ({ kind: 'system', content: typeof content === 'string' ? content : JSON.stringify(content) });

test('a system entry reads as its change and in plain English', () => {
  const role = { event: 'role', actor: { id: 'u1', username: 'alice' }, target: { id: 'u2', username: 'bob' }, role: 'admin' };
  assert.equal(isSystemEntry(entry(role)), true);
  assert.deepEqual(systemEntryOf(entry(role)), role);
  assert.equal(systemEntryText(entry(role)), 'alice made bob an admin');
  assert.equal(systemEntryText(entry({ event: 'notice', actor: { id: 'u1', username: 'alice' }, notice: { id: 'n1', text: 'x', edited: false } })), 'alice posted a notice');
});

test('an ordinary message is no system entry; an unreadable entry still reads as an update', () => {
  const text = { kind: 'text', content: JSON.stringify({ event: 'left', actor: { id: 'u1', username: 'alice' } }) };
  assert.equal(isSystemEntry(text), false);
  assert.equal(systemEntryOf(text), undefined);
  assert.equal(systemEntryText(text), undefined);
  assert.equal(systemEntryOf(entry('not json')), undefined);
  assert.equal(systemEntryText(entry('not json')), 'an update');
  assert.equal(systemEntryText(entry({ event: 'left' })), 'an update');
});

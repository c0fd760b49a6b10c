/**
 * Changes to sent messages on a started single node, over the WebSocket frames as they are (RawSocket)
 * and HTTP: recall (the sender within the window, on every device live, in history and on resume; not
 * someone else's, not after the window; owners and admins any time), edit (live, on resume, not once
 * recalled), pins (owners and admins of groups, the list, the limit), reactions (one emoji, counts and
 * who in history, taken back) and forwarding (only into a conversation one is in, marked forwarded).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseSystemEntry, type SystemEntry } from '@parley/protocol';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import { type RawSocket, type Frame } from './raw-socket.js';
import { anotherDevice, type TestUser } from './social-helpers.js';
import { harness, type Message } from './harness.js';

const MAX_PINS = 3;

/** The message-change entry of `event` about message `seq` that `s` received. */
function changeEntry(s: RawSocket, id: string, event: SystemEntry['event'], seq: number, also: (e: SystemEntry) => boolean = () => true): Promise<Frame> {
  return s.next((f) => {
    if (f['type'] !== 'message' || f['conversation'] !== id || f['kind'] !== 'system') return false;
    const e = parseSystemEntry(String(f['content']));
    return e?.event === event && e.message === seq && also(e);
  });
}

const bySeq = (messages: Message[], seq: number): Message => {
  const m = messages.find((x) => x.seq === seq);
  assert.ok(m, `message ${seq} in ${JSON.stringify(messages.map((x) => x.seq))}`);
  return m;
};

describe('recall, edit, pins, reactions and forwarding on a started single node', () => {
  let server: RunningServer;
  const closers: Array<() => void> = [];
  before(async () => {
    server = await startServer({ env: { PARLEY_MAX_PINS: String(MAX_PINS) } });
  });
  after(async () => {
    for (const close of closers) close();
    await server.stop();
    await removeDataDir(server.dataDir);
  });
  const { user, socket, expect, createGroup, history, sent } = harness(() => server, closers);

  it('the sender recalls within the window: every device gets the entry live, history has no content, a resume from before sees it; another member may not', async () => {
    const [owner, member] = await Promise.all([user('rcown'), user('rcmem')]);
    const id = await createGroup(owner, [member]);
    const memberPhone = await anotherDevice(server.url, member);
    closers.push(() => memberPhone.client.close());
    const [ownerWs, memberWs, phoneWs] = await Promise.all([socket(owner), socket(member), socket(memberPhone)]);
    const seq = await sent(memberWs, id, 'oops, wrong chat');
    const other = await sent(ownerWs, id, 'stays');
    await phoneWs.next((f) => f['type'] === 'message' && f['seq'] === other);

    await expect(owner, 'POST', `/v1/conversations/${id}/messages/${other}/recall`, undefined, 204, 'the owner recalls their own');
    await expect(member, 'POST', `/v1/conversations/${id}/messages/${other}/recall`, undefined, 'recalled', 'recalling a recalled message');
    const mine = await sent(ownerWs, id, 'the owner again');
    await expect(member, 'POST', `/v1/conversations/${id}/messages/${mine}/recall`, undefined, 'forbidden', "a member recalls someone else's");
    await expect(member, 'POST', `/v1/conversations/${id}/messages/${seq}/recall`, undefined, 204, 'the sender recalls');
    for (const [name, s] of [['owner', ownerWs], ['member', memberWs], ['member phone', phoneWs]] as const) {
      const entry = await changeEntry(s, id, 'recalled', seq);
      assert.equal(parseSystemEntry(String(entry['content']))?.actor.id, member.id, `${name}: the actor`);
    }
    const read = await history(owner, id);
    const recalled = bySeq(read, seq);
    assert.equal(recalled.recalled, true);
    assert.equal(recalled.content, '');
    assert.equal(recalled.body, undefined);
    assert.ok(!JSON.stringify(read).includes('wrong chat'), 'the content is gone from history');
    assert.equal(bySeq(read, mine).recalled, undefined, 'others are not recalled');
    const one = (await expect(owner, 'GET', `/v1/conversations/${id}/messages/${seq}`, undefined, 200, 'one message')) as { message: Message };
    assert.equal(one.message.recalled, true);
    assert.equal(one.message.content, '');

    // A device that had the message resumes from before the recall and gets the entry.
    const late = await socket(owner);
    late.send({ type: 'resume', conversations: { [id]: seq } });
    await changeEntry(late, id, 'recalled', seq);
    await late.next((f) => f['type'] === 'resumed');
    await expect(owner, 'POST', `/v1/conversations/${id}/messages/9999/recall`, undefined, 'not_found', 'a seq past the end');
  });

  it('an edit reaches every device and survives a resume; a recalled message cannot be edited, nor someone else\'s', async () => {
    const [owner, member] = await Promise.all([user('edown'), user('edmem')]);
    const id = await createGroup(owner, [member]);
    const [ownerWs, memberWs] = await Promise.all([socket(owner), socket(member)]);
    const seq = await sent(ownerWs, id, 'teh plan');
    await memberWs.next((f) => f['type'] === 'message' && f['seq'] === seq);
    const res = (await expect(owner, 'PUT', `/v1/conversations/${id}/messages/${seq}`, { content: 'the plan' }, 200, 'edit')) as { message: Message };
    assert.equal(res.message.content, 'the plan');
    assert.equal(typeof res.message.editedAt, 'number');
    for (const s of [ownerWs, memberWs]) {
      const entry = await changeEntry(s, id, 'edited', seq);
      assert.equal(parseSystemEntry(String(entry['content']))?.text, 'the plan');
    }
    const edited = bySeq(await history(member, id), seq);
    assert.equal(edited.content, 'the plan');
    assert.equal(edited.editedAt, res.message.editedAt);

    const resumed = await socket(member);
    resumed.send({ type: 'resume', conversations: { [id]: seq } });
    await changeEntry(resumed, id, 'edited', seq, (e) => e.text === 'the plan');

    await expect(member, 'PUT', `/v1/conversations/${id}/messages/${seq}`, { content: 'mine now' }, 'forbidden', "editing someone else's");
    await expect(owner, 'POST', `/v1/conversations/${id}/messages/${seq}/recall`, undefined, 204, 'recall');
    await expect(owner, 'PUT', `/v1/conversations/${id}/messages/${seq}`, { content: 'back' }, 'recalled', 'editing a recalled message');
    assert.equal(bySeq(await history(owner, id), seq).content, '');
  });

  it('pins: members of a group may not, admins pin, the list, the limit, unpin', async () => {
    const [owner, admin, member] = await Promise.all([user('pnown'), user('pnadm'), user('pnmem')]);
    const id = await createGroup(owner, [admin, member]);
    await expect(owner, 'PUT', `/v1/conversations/${id}/members/${admin.id}/role`, { role: 'admin' }, 200, 'appoint');
    const [ownerWs, memberWs] = await Promise.all([socket(owner), socket(member)]);
    const seqs: number[] = [];
    for (let i = 0; i <= MAX_PINS; i++) seqs.push(await sent(ownerWs, id, `note ${i}`));
    const [first, second, ...rest] = seqs as [number, number, ...number[]];
    const pin = (u: TestUser, seq: number, want: number | string, why: string) => expect(u, 'PUT', `/v1/conversations/${id}/messages/${seq}/pin`, undefined, want, why);

    await pin(member, first, 'forbidden', 'a member pins');
    await pin(admin, first, 204, 'an admin pins');
    await changeEntry(memberWs, id, 'pinned', first);
    await pin(owner, first, 204, 'pinned again: done already, so success');
    await pin(owner, second, 204, 'the owner pins');
    const list = (await expect(member, 'GET', `/v1/conversations/${id}/pins`, undefined, 200, 'a member lists pins')) as {
      pins: Array<{ message: { seq: number; content: string }; pinnedBy: { id: string; username: string }; pinnedAt: number }>;
    };
    assert.deepEqual(list.pins.map((p) => p.message.seq), [second, first], 'newest pin first');
    const byAdmin = list.pins.find((p) => p.message.seq === first);
    assert.deepEqual([byAdmin?.message.content, byAdmin?.pinnedBy], ['note 0', { id: admin.id, username: admin.username }]);
    assert.equal(typeof byAdmin?.pinnedAt, 'number');
    assert.equal(bySeq(await history(member, id), first).pinned, true);

    for (const seq of rest.slice(0, MAX_PINS - 2)) await pin(owner, seq, 204, 'up to the limit');
    await pin(owner, rest.at(-1)!, 'limit_reached', 'one past the limit');
    await expect(member, 'DELETE', `/v1/conversations/${id}/messages/${first}/pin`, undefined, 'forbidden', 'a member unpins');
    await expect(admin, 'DELETE', `/v1/conversations/${id}/messages/${first}/pin`, undefined, 204, 'an admin unpins');
    await changeEntry(memberWs, id, 'unpinned', first);
    await expect(admin, 'DELETE', `/v1/conversations/${id}/messages/${first}/pin`, undefined, 204, 'not pinned: done already, so success');
    await pin(owner, rest.at(-1)!, 204, 'room again after an unpin');
    assert.equal(bySeq(await history(member, id), first).pinned, undefined);
  });

  it('reactions: one emoji only; counts and who in history; taken back; every device live', async () => {
    const [owner, member, third] = await Promise.all([user('rxown'), user('rxmem'), user('rxthr')]);
    const id = await createGroup(owner, [member, third]);
    const [ownerWs, memberWs] = await Promise.all([socket(owner), socket(member)]);
    const seq = await sent(ownerWs, id, 'lunch?');
    const react = (u: TestUser, emoji: string, method: 'PUT' | 'DELETE', want: number | string, why: string) =>
      expect(u, method, `/v1/conversations/${id}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`, undefined, want, why);

    for (const bad of ['a', 'ok', '👍👍', ':+1:', '1']) await react(member, bad, 'PUT', 'bad_request', `"${bad}" is not one emoji`);
    await react(member, '👍', 'PUT', 204, 'a member reacts');
    await react(third, '👍', 'PUT', 204, 'another reacts the same');
    await react(third, '❤️', 'PUT', 204, 'and another emoji');
    await react(owner, '👨‍👩‍👧', 'PUT', 204, 'a ZWJ sequence is one emoji');
    const entry = await changeEntry(ownerWs, id, 'reaction', seq, (e) => e.emoji === '❤️');
    assert.equal(parseSystemEntry(String(entry['content']))?.actor.id, third.id);
    await changeEntry(memberWs, id, 'reaction', seq, (e) => e.emoji === '👍' && e.actor.id === third.id);

    const reactions = (m: Message) => Object.fromEntries((m.reactions ?? []).map((r) => [r.emoji, { count: r.count, who: [...r.userIds].sort() }]));
    assert.deepEqual(reactions(bySeq(await history(member, id), seq)), {
      '👍': { count: 2, who: [member.id, third.id].sort() },
      '❤️': { count: 1, who: [third.id] },
      '👨‍👩‍👧': { count: 1, who: [owner.id] },
    });
    await react(member, '👍', 'DELETE', 204, 'taken back');
    await changeEntry(ownerWs, id, 'reaction', seq, (e) => e.emoji === '👍' && e.removed === true);
    await react(third, '❤️', 'DELETE', 204, 'the last of an emoji taken back');
    assert.deepEqual(reactions(bySeq(await history(owner, id), seq)), {
      '👍': { count: 1, who: [third.id] },
      '👨‍👩‍👧': { count: 1, who: [owner.id] },
    });
  });

  it('forwarding: into a conversation one is in, marked forwarded live and in history; not into one one is not in', async () => {
    const [alice, bob, carol] = await Promise.all([user('fwa'), user('fwb'), user('fwc')]);
    const from = await createGroup(alice, [bob]);
    const to = await createGroup(alice, [carol]);
    const elsewhere = await createGroup(carol, []);
    const [aliceWs, carolWs] = await Promise.all([socket(alice), socket(carol)]);
    const seq = await sent(aliceWs, from, 'worth sharing');
    await expect(alice, 'POST', `/v1/conversations/${from}/messages/${seq}/forward`, { to: elsewhere }, 'not_member', 'into a conversation one is not in');
    await expect(carol, 'POST', `/v1/conversations/${from}/messages/${seq}/forward`, { to }, 'not_member', 'from a conversation one is not in');
    const res = (await expect(alice, 'POST', `/v1/conversations/${from}/messages/${seq}/forward`, { to }, 201, 'forward')) as {
      message: { conversation: string; seq: number; id: string };
    };
    assert.equal(res.message.conversation, to);
    const live = await carolWs.next((f) => f['type'] === 'message' && f['conversation'] === to && f['seq'] === res.message.seq);
    assert.deepEqual([live['content'], live['forwarded'], live['id'], (live['sender'] as { id: string }).id], ['worth sharing', true, res.message.id, alice.id]);
    const copy = bySeq(await history(carol, to), res.message.seq);
    assert.deepEqual([copy.content, copy.forwarded], ['worth sharing', true]);
    assert.equal(bySeq(await history(alice, from), seq).forwarded, undefined, 'the original is not marked');
  });
});

describe('the recall window, on a node started with PARLEY_RECALL_WINDOW_SECONDS=1', () => {
  let server: RunningServer;
  const closers: Array<() => void> = [];
  before(async () => {
    server = await startServer({ env: { PARLEY_RECALL_WINDOW_SECONDS: '1' } });
  });
  after(async () => {
    for (const close of closers) close();
    await server.stop();
    await removeDataDir(server.dataDir);
  });
  const { user, socket, expect, createGroup, history, sent } = harness(() => server, closers);

  it('the sender is too late after the window; an admin recalls any message any time', async () => {
    const [owner, admin, member] = await Promise.all([user('twown'), user('twadm'), user('twmem')]);
    const id = await createGroup(owner, [admin, member]);
    await expect(owner, 'PUT', `/v1/conversations/${id}/members/${admin.id}/role`, { role: 'admin' }, 200, 'appoint');
    const memberWs = await socket(member);
    const seq = await sent(memberWs, id, 'said too much');
    const second = await sent(memberWs, id, 'and more');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await expect(member, 'POST', `/v1/conversations/${id}/messages/${seq}/recall`, undefined, 'too_late', 'after the window');
    assert.equal(bySeq(await history(member, id), seq).content, 'said too much');
    await expect(admin, 'POST', `/v1/conversations/${id}/messages/${seq}/recall`, undefined, 204, 'an admin recalls a member\'s message');
    await expect(owner, 'POST', `/v1/conversations/${id}/messages/${second}/recall`, undefined, 204, 'the owner recalls one too');
    const entry = await changeEntry(memberWs, id, 'recalled', seq);
    assert.equal(parseSystemEntry(String(entry['content']))?.actor.id, admin.id);
    const read = await history(member, id);
    assert.deepEqual([bySeq(read, seq).recalled, bySeq(read, seq).content, bySeq(read, second).recalled], [true, '', true]);
  });
});

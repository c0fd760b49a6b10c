/**
 * Rich messages on a started single node, over the WebSocket frames as they are (RawSocket) and HTTP:
 * every kind round-trips live and in history with its body; bodies that do not fit, unknown kinds, spans
 * past the content and bodies over the limit are refused with invalid_frame and leave no trace; replies
 * carry the seq they quote, which the single-message route serves (and not past a former member's
 * departure); mentions are checked against the members, @all is for the owner and admins, and each
 * member's unreadMentions counts them until read.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventually } from '@parley/core/conformance';
import { MAX_BODY_BYTES, MENTION_ALL, type MessageBody, type MessageKind } from '@parley/protocol';
import { startServer, removeDataDir, type RunningServer } from './server.js';
import type { RawSocket, Frame } from './raw-socket.js';
import type { TestUser } from './social-helpers.js';
import { harness, type Message } from './harness.js';

describe('message kinds, replies and mentions, over WebSocket and HTTP on a started single node', () => {
  let server: RunningServer;
  const closers: Array<() => void> = [];
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const close of closers) close();
    await server.stop();
    await removeDataDir(server.dataDir);
  });
  const { user, socket, api, createGroup, history } = harness(() => server, closers);
  /** Sends a `send` frame with the given fields and a fresh clientMsgId; resolves with its ack or the error naming it. */
  const send = async (s: RawSocket, conversation: string, fields: Record<string, unknown>): Promise<Frame & { clientMsgId: string }> => {
    const clientMsgId = randomUUID();
    s.send({ type: 'send', conversation, clientMsgId, content: 'hello', ...fields });
    const answer = await s.next((f) => (f['type'] === 'ack' && f['clientMsgId'] === clientMsgId) || (f['type'] === 'error' && f['ref'] === clientMsgId));
    return { ...answer, clientMsgId };
  };
  const acked = async (s: RawSocket, conversation: string, fields: Record<string, unknown>): Promise<number> => {
    const answer = await send(s, conversation, fields);
    assert.equal(answer['type'], 'ack', `${JSON.stringify(fields).slice(0, 200)}: ${JSON.stringify(answer)}`);
    return Number(answer['seq']);
  };
  const summary = async (u: TestUser, id: string): Promise<{ lastSeq: number; readSeq: number; unreadMentions: number }> => {
    const res = await api(u, 'GET', `/v1/conversations/${id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as { conversation: { lastSeq: number; readSeq: number; unreadMentions: number } }).conversation;
  };

  it('every kind round-trips with its body, live to another member and in history', async () => {
    const [owner, member] = await Promise.all([user('kown'), user('kmem')]);
    const id = await createGroup(owner, [member]);
    const [ownerWs, memberWs] = await Promise.all([socket(owner), socket(member)]);
    const content = 'Hello bold, italic, gone, code(), link and @kmem!';
    const at = (s: string): number => Array.from(content.slice(0, content.indexOf(s))).length;
    const samples: Array<{ kind: MessageKind; content: string; body: MessageBody }> = [
      {
        kind: 'text',
        content,
        body: {
          spans: [
            { start: at('bold'), end: at('bold') + 4, style: 'bold' },
            { start: at('italic'), end: at('italic') + 6, style: 'italic' },
            { start: at('gone'), end: at('gone') + 4, style: 'strike' },
            { start: at('code()'), end: at('code()') + 6, style: 'code' },
            { start: at('link'), end: at('link') + 4, style: 'link', href: 'https://example.com/a?b=c' },
            { start: at('@kmem'), end: at('@kmem') + 5, style: 'mention', userId: member.id },
          ],
        },
      },
      { kind: 'link', content: 'https://example.com/post', body: { url: 'https://example.com/post', title: 'A post', description: 'What it says', siteName: 'Example', imageUrl: 'https://example.com/p.png' } },
      { kind: 'sticker', content: '[Sticker] 👍', body: { pack: 'basic', sticker: 'thumbs_up', emoji: '👍' } },
      { kind: 'contact', content: '[Contact] kmem', body: { profile: member.id } },
      { kind: 'news', content: '[News] Rain tomorrow', body: { title: 'Rain tomorrow', summary: 'Bring an umbrella.', url: 'https://news.example.com/rain', imageUrl: 'https://news.example.com/rain.jpg' } },
      { kind: 'location', content: '[Location] Brandenburg Gate', body: { latitude: 52.516275, longitude: 13.377704, name: 'Brandenburg Gate', address: 'Pariser Platz, 10117 Berlin' } },
      { kind: 'custom', content: '[Poll] Lunch?', body: { type: 'poll.v1', data: { question: 'Lunch?', options: ['pizza', 'soup'], multiple: false, closes: null } } },
    ];
    const seqs: number[] = [];
    for (const sample of samples) seqs.push(await acked(ownerWs, id, sample));
    // A message without a body, a reply or mentions carries none of them.
    const plainSeq = await acked(ownerWs, id, { content: 'plain' });

    for (const [i, sample] of samples.entries()) {
      const live = await memberWs.next((f) => f['type'] === 'message' && f['conversation'] === id && f['seq'] === seqs[i]);
      assert.deepEqual([live['kind'], live['content'], live['body']], [sample.kind, sample.content, sample.body], `${sample.kind} live`);
    }
    const plainLive = await memberWs.next((f) => f['type'] === 'message' && f['seq'] === plainSeq);
    assert.equal(plainLive['kind'], 'text');
    for (const field of ['replyTo', 'mentions']) assert.ok(!(field in plainLive), `a plain message has no ${field}: ${JSON.stringify(plainLive)}`);
    assert.ok(plainLive['body'] === undefined || JSON.stringify(plainLive['body']) === '{}', `a plain message has no body: ${JSON.stringify(plainLive)}`);

    for (const reader of [owner, member]) {
      const stored = await history(reader, id);
      for (const [i, sample] of samples.entries()) {
        const m = stored.find((x) => x.seq === seqs[i]);
        assert.deepEqual([m?.kind, m?.content, m?.body], [sample.kind, sample.content, sample.body], `${sample.kind} in ${reader.username}'s history`);
      }
    }
    // The single-message route serves the same message.
    const one = await api(member, 'GET', `/v1/conversations/${id}/messages/${seqs[5]}`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual((one.body as { message: Message }).message.body, samples[5]!.body);
  });

  it('a body that does not fit its kind, an unknown kind, a span past the content and a too large body are refused with invalid_frame, and nothing is sent', async () => {
    const [owner, member] = await Promise.all([user('bown'), user('bmem')]);
    const id = await createGroup(owner, [member]);
    const [ownerWs, memberWs] = await Promise.all([socket(owner), socket(member)]);
    const first = await acked(ownerWs, id, { content: 'before' });
    const bad: Array<[string, Record<string, unknown>]> = [
      ['a location off the globe', { kind: 'location', content: '[Location]', body: { latitude: 91, longitude: 0 } }],
      ['a sticker without its sticker', { kind: 'sticker', content: '[Sticker]', body: { pack: 'basic' } }],
      ['a contact with a field it does not declare', { kind: 'contact', content: '[Contact]', body: { profile: member.id, note: 'extra' } }],
      ['a link that is not http', { kind: 'link', content: 'link', body: { url: 'javascript:alert(1)' } }],
      ['a text body with a link body', { kind: 'text', content: 'text', body: { url: 'https://example.com' } }],
      ['a body that is not an object', { kind: 'text', content: 'text', body: 'spans' }],
      ['an unknown kind', { kind: 'video', content: 'a video' }],
      ['a system entry sent by a client', { kind: 'system', content: '{"event":"joined"}' }],
      ['a span past the content', { kind: 'text', content: 'hi', body: { spans: [{ start: 0, end: 3, style: 'bold' }] } }],
      ['a link span without href', { kind: 'text', content: 'hi', body: { spans: [{ start: 0, end: 2, style: 'link' }] } }],
      ['a body over the limit', { kind: 'custom', content: 'big', body: { type: 'blob', data: 'x'.repeat(MAX_BODY_BYTES) } }],
    ];
    const refused: string[] = [];
    for (const [what, fields] of bad) {
      const answer = await send(ownerWs, id, fields);
      assert.equal(answer['type'], 'error', `${what}: ${JSON.stringify(answer)}`);
      assert.equal(answer['code'], 'invalid_frame', `${what}: ${JSON.stringify(answer)}`);
      assert.equal(answer['ref'], answer.clientMsgId, `${what}: the error names the send`);
      refused.push(answer.clientMsgId);
    }
    // Nothing was written: the next message takes the next seq, and nobody saw the refused ones.
    const next = await acked(ownerWs, id, { content: 'after' });
    assert.equal(next, first + 1, 'no seq was used by a refused send');
    await memberWs.next((f) => f['type'] === 'message' && f['seq'] === next);
    assert.ok(!memberWs.frames.some((f) => refused.includes(String(f['clientMsgId']))), 'no refused message was delivered');
    const stored = await history(owner, id);
    assert.ok(!stored.some((m) => refused.includes(m.clientMsgId)), 'no refused message is in history');
    assert.deepEqual(stored.filter((m) => m.kind !== 'system').map((m) => m.content), ['before', 'after']);
  });

  it('a reply carries the seq it quotes, which the single-message route serves; a reply past the last seq is bad_request; a former member reads no further than their departure', async () => {
    const [owner, member, outsider] = await Promise.all([user('rown'), user('rmem'), user('rout')]);
    const id = await createGroup(owner, [member]);
    const [ownerWs, memberWs] = await Promise.all([socket(owner), socket(member)]);
    const quoted = await acked(ownerWs, id, { content: 'Shall we meet at 8?' });
    const reply = await acked(memberWs, id, { content: 'Yes, at the station.', replyTo: quoted });
    const live = await ownerWs.next((f) => f['type'] === 'message' && f['seq'] === reply);
    assert.equal(live['replyTo'], quoted, 'the reply arrives with the seq it quotes');
    assert.equal((await history(owner, id)).find((m) => m.seq === reply)?.replyTo, quoted, 'and history keeps it');

    const past = await send(memberWs, id, { content: 'to the future', replyTo: reply + 5 });
    assert.deepEqual([past['type'], past['code'], past['ref']], ['error', 'bad_request', past.clientMsgId], JSON.stringify(past));
    const zero = await send(memberWs, id, { content: 'to nothing', replyTo: 0 });
    assert.deepEqual([zero['type'], zero['code']], ['error', 'invalid_frame'], `replyTo 0: ${JSON.stringify(zero)}`);

    // The quoted message, read on its own.
    const one = await api(member, 'GET', `/v1/conversations/${id}/messages/${quoted}`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    const message = (one.body as { message: Message }).message;
    assert.deepEqual([message.seq, message.content, message.sender.id, message.kind], [quoted, 'Shall we meet at 8?', owner.id, 'text']);
    const replyRead = (await api(owner, 'GET', `/v1/conversations/${id}/messages/${reply}`)).body as { message: Message };
    assert.equal(replyRead.message.replyTo, quoted);
    const none = await api(member, 'GET', `/v1/conversations/${id}/messages/${reply + 100}`);
    assert.deepEqual([none.status, (none.body as { error: { code: string } }).error.code], [404, 'not_found'], 'a seq the conversation does not have');
    const stranger = await api(outsider, 'GET', `/v1/conversations/${id}/messages/${quoted}`);
    assert.deepEqual([stranger.status, (stranger.body as { error: { code: string } }).error.code], [403, 'not_member'], 'an outsider reads nothing');

    // The member leaves; what the group says afterwards is not theirs to read, what came before still is.
    const left = await api(member, 'POST', `/v1/conversations/${id}/leave`);
    assert.equal(left.status, 204, JSON.stringify(left.body));
    const leaving = await ownerWs.next((f) => f['type'] === 'message' && f['kind'] === 'system' && Number(f['seq']) > reply);
    const later = await acked(ownerWs, id, { content: 'after you left', replyTo: quoted });
    await eventually(async () => {
      const gone = await api(member, 'GET', `/v1/conversations/${id}/messages/${later}`);
      assert.deepEqual([gone.status, (gone.body as { error?: { code: string } }).error?.code], [404, 'not_found'], 'past their departure');
    });
    const before = await api(member, 'GET', `/v1/conversations/${id}/messages/${quoted}`);
    assert.equal(before.status, 200, `before their departure: ${JSON.stringify(before.body)}`);
    const own = await api(member, 'GET', `/v1/conversations/${id}/messages/${leaving['seq']}`);
    assert.equal(own.status, 200, `their own leaving: ${JSON.stringify(own.body)}`);
  });

  it('mentions: members only, @all for the owner and admins; unreadMentions counts them for the mentioned until they read past them', async () => {
    const [owner, admin, member, outsider] = await Promise.all([user('mown'), user('madm'), user('mmem'), user('mout')]);
    const id = await createGroup(owner, [admin, member]);
    const role = await api(owner, 'PUT', `/v1/conversations/${id}/members/${admin.id}/role`, { role: 'admin' });
    assert.equal(role.status, 200, JSON.stringify(role.body));
    const [ownerWs, adminWs, memberWs] = await Promise.all([socket(owner), socket(admin), socket(member)]);
    // Read past the group's opening entries, so that only what follows counts.
    const opened = await acked(ownerWs, id, { content: 'welcome' });
    for (const u of [admin, member]) assert.equal((await api(u, 'POST', `/v1/conversations/${id}/read`, { seq: opened })).status, 204);

    const stranger = await send(memberWs, id, { content: '@mout', mentions: [outsider.id] });
    assert.deepEqual([stranger['type'], stranger['code'], stranger['ref']], ['error', 'bad_request', stranger.clientMsgId], `a non-member: ${JSON.stringify(stranger)}`);
    const everyone = await send(memberWs, id, { content: '@all hello', mentions: [MENTION_ALL] });
    assert.deepEqual([everyone['type'], everyone['code']], ['error', 'forbidden'], `@all by a member: ${JSON.stringify(everyone)}`);
    const malformed = await send(memberWs, id, { content: '@x', mentions: ['not a profile'] });
    assert.deepEqual([malformed['type'], malformed['code']], ['error', 'invalid_frame'], `a mention that is no profile id: ${JSON.stringify(malformed)}`);

    const all = await acked(adminWs, id, { content: '@all standup in 5', mentions: [MENTION_ALL] });
    const both = await acked(memberWs, id, { content: '@madm @mown ready', mentions: [admin.id, owner.id] });
    const live = await ownerWs.next((f) => f['type'] === 'message' && f['seq'] === both);
    assert.deepEqual(live['mentions'], [admin.id, owner.id], 'the message carries its mentions');
    assert.deepEqual((await ownerWs.next((f) => f['type'] === 'message' && f['seq'] === all))['mentions'], [MENTION_ALL]);
    assert.deepEqual((await history(member, id)).find((m) => m.seq === both)?.mentions, [admin.id, owner.id]);

    // The owner: @all and their own mention. The admin: the member's (their own @all does not count). The
    // member: none left, their own message read everything before it.
    await eventually(async () => {
      assert.equal((await summary(owner, id)).unreadMentions, 2, 'the owner');
      assert.equal((await summary(admin, id)).unreadMentions, 1, 'the admin');
      assert.equal((await summary(member, id)).unreadMentions, 0, 'the member');
    });
    const listed = (await api(owner, 'GET', '/v1/conversations')).body as { conversations: Array<{ id: string; unreadMentions: number }> };
    assert.equal(listed.conversations.find((c) => c.id === id)?.unreadMentions, 2, 'the list says it too');

    // Reading up to the @all leaves one; reading past both leaves none.
    assert.equal((await api(owner, 'POST', `/v1/conversations/${id}/read`, { seq: all })).status, 204);
    await eventually(async () => assert.equal((await summary(owner, id)).unreadMentions, 1, 'the owner, read up to the @all'));
    ownerWs.send({ type: 'read', conversation: id, seq: both });
    await eventually(async () => assert.equal((await summary(owner, id)).unreadMentions, 0, 'the owner, read past both'));
    assert.equal((await api(admin, 'POST', `/v1/conversations/${id}/read`, { seq: both })).status, 204);
    await eventually(async () => assert.equal((await summary(admin, id)).unreadMentions, 0, 'the admin, read'));
  });
});

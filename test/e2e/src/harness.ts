/**
 * What the single-node suites share: new users and their sockets, closed when the suite ends, and HTTP
 * calls checked against the status or error code they must answer.
 */
import assert from 'node:assert/strict';
import type { RunningServer } from './server.js';
import { RawSocket } from './raw-socket.js';
import { http, signUp, type TestUser } from './social-helpers.js';

/** A message as `GET /v1/conversations/{id}/messages` answers it (the fields these suites read). */
export interface Message {
  seq: number;
  kind: string;
  content: string;
  clientMsgId: string;
  sender: { id: string; username: string };
  body?: Record<string, unknown>;
  replyTo?: number;
  mentions?: string[];
  recalled?: boolean;
  editedAt?: number;
  forwarded?: boolean;
  pinned?: boolean;
  reactions?: Array<{ emoji: string; count: number; userIds: string[] }>;
}

/** The helpers every test here uses, against one server. */
export function harness(get: () => RunningServer, closers: Array<() => void>) {
  const url = (): string => get().url;
  const user = async (prefix: string): Promise<TestUser> => {
    const u = await signUp(url(), prefix);
    closers.push(() => u.client.close());
    return u;
  };
  const socket = async (u: TestUser): Promise<RawSocket> => {
    const s = await RawSocket.open(url(), u.token);
    closers.push(() => s.close());
    return s;
  };
  const api = (u: TestUser, method: string, path: string, body?: unknown) => http(url(), u.token, method, path, body);
  /** The call's answer must be `status`; with a string, an error of that code. */
  const expect = async (u: TestUser, method: string, path: string, body: unknown, want: number | string, why: string): Promise<unknown> => {
    const res = await api(u, method, path, body);
    if (typeof want === 'number') assert.equal(res.status, want, `${why}: ${JSON.stringify(res.body)}`);
    else {
      assert.equal((res.body as { error?: { code?: string } } | undefined)?.error?.code, want, `${why}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(res.status >= 400 && res.status < 500, `${why}: a client error, not ${res.status}`);
    }
    return res.body;
  };
  const createGroup = async (owner: TestUser, members: TestUser[]): Promise<string> => {
    const body = (await expect(owner, 'POST', '/v1/groups', { name: 'Changes', members: members.map((m) => m.username) }, 201, 'create')) as { conversation: { id: string } };
    return body.conversation.id;
  };
  const history = async (u: TestUser, id: string): Promise<Message[]> => {
    const res = await api(u, 'GET', `/v1/conversations/${id}/messages?limit=200&after=0`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as { messages: Message[] }).messages;
  };
  const sent = async (s: RawSocket, id: string, content: string, extra?: Record<string, unknown>): Promise<number> => {
    const ack = await s.sendMessage(id, content, extra);
    assert.equal(ack['type'], 'ack', JSON.stringify(ack));
    return Number(ack['seq']);
  };
  return { user, socket, api, expect, createGroup, history, sent };
}


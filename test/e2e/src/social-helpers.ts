import assert from 'node:assert/strict';
import { ParleyClientError, type ClientEvents, type ParleyClient } from '@parley/sdk';
import { eventually } from '@parley/core/conformance';
import { newClient, uniqueName } from './clients.js';

export const PASSWORD = 'correct horse battery';

/** A login with its first profile, and a client signed in as it (not yet connected). */
export interface TestUser {
  readonly client: ParleyClient;
  readonly username: string;
  /** The first profile's id (the user id on the wire). */
  readonly id: string;
  readonly token: string;
  readonly password: string;
}

/** Registers a new login (unique username from `prefix`) and signs a new client in as it. */
export async function signUp(
  url: string,
  prefix: string,
  options: { displayName?: string; password?: string; client?: string } = {},
): Promise<TestUser> {
  const client = newClient(url);
  const username = uniqueName(prefix);
  const password = options.password ?? PASSWORD;
  await client.register(
    username,
    password,
    options.displayName !== undefined ? { displayName: options.displayName } : {},
  );
  const res = await client.login(
    username,
    password,
    options.client !== undefined ? { client: options.client } : {},
  );
  return { client, username, id: res.user.id, token: res.token, password };
}

/** Another device of `user`: a new client signed in with the password, as the login's first profile. */
export async function anotherDevice(url: string, user: TestUser, clientName?: string): Promise<TestUser> {
  const client = newClient(url);
  const res = await client.login(
    user.username,
    user.password,
    clientName !== undefined ? { client: clientName } : {},
  );
  return { ...user, client, token: res.token };
}

/** Asserts that `promise` rejects with a ParleyClientError of `code` (and, when given, HTTP `status`). */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
  status?: number,
): Promise<ParleyClientError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof ParleyClientError,
    `expected a ParleyClientError ${code}, got ${String(caught)}`,
  );
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  if (status !== undefined) assert.equal(caught.status, status, `${code}: HTTP status`);
  return caught;
}

/** Every `event` the client emits from now on, in order. */
export function collect<E extends 'friend' | 'block' | 'settings' | 'remark' | 'profile' | 'message'>(
  client: ParleyClient,
  event: E,
): Array<ClientEvents[E][0]> {
  const got: Array<ClientEvents[E][0]> = [];
  client.on(event, ((frame: ClientEvents[E][0]) => got.push(frame)) as never);
  return got;
}

/** The codes the client's realtime connection was closed with, in order. */
export function closeCodes(client: ParleyClient): number[] {
  const codes: number[] = [];
  client.on('state', (state, info) => {
    if (state === 'closed' && info?.code !== undefined) codes.push(info.code);
  });
  return codes;
}

/** One HTTP call, answered as it came: the status and the parsed body (to compare bodies byte for byte). */
export async function http(
  url: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(path, url), {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** `from` asks `to`, `to` accepts, and both friends lists show it (the requester's side follows by the friends workflow). */
export async function befriend(from: TestUser, to: TestUser): Promise<void> {
  const request = await from.client.sendFriendRequest(to.id);
  await to.client.acceptFriendRequest(request.id);
  await eventually(async () => {
    assert.ok(
      (await from.client.friends()).some((f) => f.profile.id === to.id),
      `${from.username} lists ${to.username} as a friend`,
    );
    assert.ok(
      (await to.client.friends()).some((f) => f.profile.id === from.id),
      `${to.username} lists ${from.username} as a friend`,
    );
  });
}

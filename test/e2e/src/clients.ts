import WebSocket from 'ws';
import { ParleyClient, type MessageFrame, type WebSocketConstructor } from '@parley/sdk';

let counter = 0;

/** A unique, valid username for a test. */
export function uniqueName(prefix: string): string {
  return `${prefix}${process.pid.toString(36)}${(++counter).toString(36)}${Math.random().toString(36).slice(2, 6)}`.toLowerCase().slice(0, 32);
}

export function newClient(url: string, positions?: Record<string, number>): ParleyClient {
  return new ParleyClient({ url, WebSocket: WebSocket as unknown as WebSocketConstructor, minReconnectDelayMs: 50, maxReconnectDelayMs: 500, ...(positions ? { positions } : {}) });
}

/** Registers and logs in a new user; returns a client (not yet connected). */
export async function newUser(url: string, prefix = 'user'): Promise<{ client: ParleyClient; username: string; id: string }> {
  const client = newClient(url);
  const username = uniqueName(prefix);
  await client.register(username, 'correct horse battery');
  const { user } = await client.login(username, 'correct horse battery');
  return { client, username, id: user.id };
}

/** Collects every `message` event of a client. */
export function inbox(client: ParleyClient): MessageFrame[] {
  const got: MessageFrame[] = [];
  client.on('message', (m) => got.push(m));
  return got;
}

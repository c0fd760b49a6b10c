import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { User } from '@parley/sdk';

/** What `login` keeps between runs: the bearer token is a secret, so the file is 0600 in a 0700 directory. */
export interface Session {
  readonly server: string;
  /** The realtime endpoint (`ws://`, `wss://`, `tcp://`, `tls://`); absent: the server's WebSocket. */
  readonly realtime?: string;
  /** A CA certificate file to trust for `tls://` / `https://` (self-signed servers). */
  readonly ca?: string;
  readonly token: string;
  readonly expiresAt: number;
  readonly user: User;
}

export const SESSION_FILE = 'session.json';

export async function readSession(configDir: string): Promise<Session | undefined> {
  let text: string;
  try {
    text = await readFile(join(configDir, SESSION_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as Partial<Session>;
  if (typeof value.token !== 'string' || typeof value.server !== 'string' || typeof value.user !== 'object') return undefined;
  return value as Session;
}

/** Writes the session atomically (temp file, then rename), never readable by others even for a moment. */
export async function writeSession(configDir: string, session: Session): Promise<string> {
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const path = join(configDir, SESSION_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
  return path;
}

export async function removeSession(configDir: string): Promise<void> {
  await rm(join(configDir, SESSION_FILE), { force: true });
}

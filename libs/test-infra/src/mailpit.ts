import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startDaemon, waitUntil } from './process-utils.js';
import { goInstall } from './go-install.js';

export const MAILPIT_VERSION = 'v1.33.1';

/** A message Mailpit received, as the tests read it. */
export interface MailpitMessage {
  /** Mailpit's own id (not the Message-ID header). */
  readonly id: string;
  /** The addresses in the To header, without display names. */
  readonly to: string[];
  readonly subject: string;
  /** The plain-text body, line endings turned to `\n` and the line break SMTP adds at the end removed. */
  readonly text: string;
}

/** A throwaway SMTP server that keeps every mail and shows it over HTTP. */
export interface MailpitServer {
  /** `smtp://test:test@127.0.0.1:<port>`: any user and password are accepted, without TLS. */
  readonly smtpUrl: string;
  /** The web UI and API, `http://127.0.0.1:<port>`. */
  readonly httpUrl: string;
  /** Every message received so far, newest first. */
  messages(): Promise<MailpitMessage[]>;
  /**
   * The newest message to `to` (compared case-insensitively), polling until one arrives; rejects after
   * `timeoutMs` (default 10 s).
   */
  waitForMail(to: string, timeoutMs?: number): Promise<{ subject: string; text: string }>;
  /** Stops the server and deletes its data; idempotent. */
  stop(): Promise<void>;
}

/**
 * Builds Mailpit from source with `go install` into the per-machine cache, once, and returns the binary's
 * path. The first build takes a minute or more; progress goes to `log`.
 */
export function ensureMailpit(log: (line: string) => void = () => undefined): Promise<string> {
  return goInstall({ name: 'mailpit', module: `github.com/axllent/mailpit@${MAILPIT_VERSION}`, minGo: '1.26' }, log);
}

/** Whether something accepts TCP connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Mailpit's `GET /api/v1/messages` summary, the fields read here. */
interface MessageSummary {
  ID: string;
  To: Array<{ Address: string }> | null;
  Subject: string;
}

/**
 * A throwaway Mailpit (SMTP server that keeps mail, with an HTTP API) on free ports in a temporary
 * directory. Builds it once per machine with {@link ensureMailpit}.
 */
export async function startMailpit(log: (line: string) => void = () => undefined): Promise<MailpitServer> {
  const bin = await ensureMailpit(log);
  const dir = mkdtempSync(join(tmpdir(), 'parley-mailpit-'));
  const [smtpPort, httpPort] = [await freePort(), await freePort()];
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const daemon = startDaemon(bin, [
    '--smtp',
    `127.0.0.1:${smtpPort}`,
    '--listen',
    `127.0.0.1:${httpPort}`,
    '--database',
    join(dir, 'mailpit.db'),
    '--smtp-auth-accept-any',
    '--smtp-auth-allow-insecure',
    // No network lookups from a test fixture: no release check, no reverse DNS of each client.
    '--disable-version-check',
    '--smtp-disable-rdns',
  ]);
  try {
    await waitUntil(
      'Mailpit',
      daemon,
      async () => (await fetch(`${httpUrl}/readyz`)).ok && (await accepts(smtpPort)),
      20_000,
    );
  } catch (error) {
    await daemon.kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${httpUrl}/api/v1/${path}`);
    if (!response.ok)
      throw new Error(`Mailpit GET /api/v1/${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const summaries = async (): Promise<MessageSummary[]> =>
    (await api<{ messages: MessageSummary[] }>('messages?limit=500')).messages;
  // SMTP carries CRLF line endings and ends the body with one: give the text back as it was sent.
  const textOf = async (id: string): Promise<string> => {
    const { Text } = await api<{ Text: string }>(`message/${encodeURIComponent(id)}`);
    return Text.replace(/\r\n/g, '\n').replace(/\n$/, '');
  };
  const addresses = (m: MessageSummary): string[] => (m.To ?? []).map((a) => a.Address);

  let stopped: Promise<void> | undefined;
  return {
    smtpUrl: `smtp://test:test@127.0.0.1:${smtpPort}`,
    httpUrl,
    async messages() {
      return Promise.all(
        (await summaries()).map(async (m) => ({
          id: m.ID,
          to: addresses(m),
          subject: m.Subject,
          text: await textOf(m.ID),
        })),
      );
    },
    async waitForMail(to, timeoutMs = 10_000) {
      const wanted = to.toLowerCase();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = (await summaries()).find((m) => addresses(m).some((a) => a.toLowerCase() === wanted));
        if (found) return { subject: found.Subject, text: await textOf(found.ID) };
        if (Date.now() >= deadline)
          throw new Error(`no mail to ${to} reached Mailpit within ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    stop() {
      stopped ??= daemon.stop().then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

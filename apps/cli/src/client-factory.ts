import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { ParleyClient, ParleyClientError, type WebSocketConstructor } from '@parley/sdk';
import { tcpTransport } from '@parley/sdk/node';
import { CliError } from './cli-error.js';
import type { ParsedArgs } from './args.js';
import type { Session } from './session-store.js';

export const DEFAULT_SERVER = 'http://localhost:8080';

/** The endpoints a command talks to: the command line first, then the session, then the defaults. */
export interface Endpoints {
  readonly server: string;
  readonly realtime: string | undefined;
  readonly ca: string | undefined;
}

export function endpoints(args: ParsedArgs, session: Session | undefined): Endpoints {
  const server = args.server ?? session?.server ?? DEFAULT_SERVER;
  const sameServer = args.server === undefined || args.server === session?.server;
  const realtime = args.realtime ?? (sameServer ? session?.realtime : undefined);
  for (const [flag, url, schemes] of [
    ['--server', server, ['http:', 'https:']],
    ['--realtime', realtime, ['ws:', 'wss:', 'http:', 'https:', 'tcp:', 'tls:']],
  ] as const) {
    if (url === undefined) continue;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CliError('usage', `${flag} '${url}' is not a URL (e.g. ${flag === '--server' ? 'http://localhost:8080' : 'tcp://localhost:8081'}).`);
    }
    if (!(schemes as readonly string[]).includes(parsed.protocol)) throw new CliError('usage', `${flag} must be ${schemes.map((s) => `${s}//`).join(', ')}; got '${url}'.`);
  }
  return { server, realtime, ca: args.ca ?? (sameServer ? session?.ca : undefined) };
}

/** A client for the endpoints: WebSocket via `ws` (Node 20 has no global one), TCP/TLS via @parley/sdk/node. */
export function createClient(at: Endpoints, timeoutMs: number, positions?: Record<string, number>): ParleyClient {
  let ca: string | undefined;
  if (at.ca !== undefined) {
    try {
      ca = readFileSync(at.ca, 'utf8');
    } catch (error) {
      throw new CliError('failed', `Cannot read the CA certificate ${at.ca}: ${(error as Error).message}. Pass --ca with a PEM file.`);
    }
  }
  return new ParleyClient({
    url: at.server,
    ...(at.realtime !== undefined ? { realtimeUrl: at.realtime } : {}),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    transports: [tcpTransport({ ...(ca !== undefined ? { ca } : {}), connectTimeoutMs: timeoutMs })],
    sendTimeoutMs: timeoutMs,
    ...(positions ? { positions } : {}),
    minReconnectDelayMs: 200,
    maxReconnectDelayMs: 5000,
  });
}

/** connect(), bounded: the SDK retries forever, a command should not. */
export async function connectWithin(client: ParleyClient, at: Endpoints, timeoutMs: number): Promise<void> {
  let lastClose = '';
  const off = client.on('state', (state, info) => {
    if (state === 'closed' && info) lastClose = `${info.reason || 'connection failed'} (${info.code ?? '?'})`;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CliError('failed', `Cannot connect to ${at.realtime ?? at.server} within ${timeoutMs / 1000} s${lastClose ? `: ${lastClose}` : ''}. Is the server running? Check --realtime (and --ca for tls://).`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    client.close();
    if (error instanceof ParleyClientError && (error.code === 'closed' || error.code === 'unauthenticated')) {
      throw new CliError('failed', `The server closed the connection: ${lastClose || error.message}. Your session may have expired: run \`parley-cli login <username>\`.`, { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
    off();
  }
}

/** Turns an SDK or network error into a message that says what to do. */
export function explain(error: unknown, at: Endpoints | undefined): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof ParleyClientError) {
    const tokenGone = error.status === 401 || ['unauthenticated', 'invalid_token', 'token_expired', 'token_revoked'].includes(error.code);
    if (tokenGone) return new CliError('failed', `Not logged in, or the session expired (${error.message}). Run \`parley-cli login <username>\`.`, { cause: error });
    if (error.code === 'not_member' || error.code === 'not_found') return new CliError('failed', `${error.message} (${error.code}). Check the conversation id with \`parley-cli conversations\`.`, { cause: error });
    return new CliError('failed', `${error.message} (${error.code}${error.status ? `, HTTP ${error.status}` : ''}).`, { cause: error });
  }
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) {
    const reason = (error.cause as Error | undefined)?.message ?? error.message;
    return new CliError('failed', `Cannot reach the server at ${at?.server ?? DEFAULT_SERVER} (${reason}). Is it running? Pass --server URL.`, { cause: error });
  }
  return new CliError('failed', (error as Error)?.message ?? String(error), { cause: error });
}

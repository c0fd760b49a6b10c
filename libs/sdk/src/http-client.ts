import type { User } from '@parley/protocol';
import type { ClientEvents } from './client-events.js';
import { Emitter } from './emitter.js';
import { ParleyClientError } from './http-api.js';

/** What the HTTP half of the client needs to know. */
export interface HttpClientOptions {
  /** Base URL of the server, e.g. http://localhost:8080 */
  readonly url: string;
  readonly fetch?: typeof fetch;
}

/** A token and who it signs in as: what every way of signing in (login, switch) answers with. */
export interface SignedIn {
  readonly token: string;
  readonly user: User;
}

/**
 * The bottom of the client: the bearer token, the signed-in user, and one `request` that every HTTP
 * method goes through (JSON in, JSON out, `{ error: { code, message } }` -> ParleyClientError).
 *
 * The HTTP methods are split by feature over a short chain of classes (HttpClient -> AccountApi ->
 * ConversationsApi -> SocialApi -> ParleyClient) only so that each file stays small; users see one flat
 * ParleyClient.
 */
export abstract class HttpClient extends Emitter<ClientEvents> {
  protected token: string | undefined;
  protected user: User | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly http: HttpClientOptions) {
    super();
    this.fetchImpl = http.fetch ?? ((...args) => fetch(...args));
  }

  /** The signed-in profile as a user ref (from login, switch, `useToken` or the last `ready`). */
  get me(): User | undefined {
    return this.user;
  }

  /** Uses a token obtained earlier (e.g. kept by the app). */
  useToken(token: string, user?: User): void {
    this.token = token;
    if (user) this.user = user;
  }

  /**
   * Called whenever a new token takes over (login, switch). The realtime client overrides it: a token for
   * another profile ends the connection of the previous one.
   */
  protected signedIn(res: SignedIn): void {
    this.token = res.token;
    this.user = res.user;
  }

  /** Called after logout, or after the login was deleted: the token is gone. */
  protected signedOut(): void {
    this.token = undefined;
  }

  protected request<T = unknown>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    return this.exchange<T>(method, path, { ...(body !== undefined ? { json: body } : {}), auth });
  }

  /**
   * One HTTP exchange: a JSON body (`json`) or raw bytes (`bytes`, sent as application/octet-stream), with
   * the bearer token unless `auth` is false, stoppable by `signal`. Answers the JSON reply (undefined for
   * 204); an error reply rejects with ParleyClientError (code, message, status, details). A request that
   * never got an answer rejects with what fetch threw (a TypeError for the network, an AbortError).
   */
  protected async exchange<T = unknown>(method: string, path: string, options: ExchangeOptions = {}): Promise<T> {
    const headers: Record<string, string> = {};
    let body: BodyInit | undefined;
    if (options.bytes !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      body = options.bytes as BodyInit;
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    if (options.auth !== false) {
      if (!this.token) throw new ParleyClientError('unauthenticated', 'Log in first');
      headers['authorization'] = `Bearer ${this.token}`;
    }
    const res = await this.fetchImpl(this.resolve(path), { method, headers, ...(body !== undefined ? { body } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ParleyClientError('bad_response', `Server answered ${res.status} with non-JSON`, res.status);
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
      const details = typeof err?.details === 'object' && err.details !== null ? err.details : undefined;
      throw new ParleyClientError(err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`, res.status, details);
    }
    return json as T;
  }

  /** `path` (or a path the server answered, such as a download URL) as an absolute URL on the server. */
  protected resolve(path: string): URL {
    return new URL(path, this.http.url);
  }
}

/** What `exchange` sends besides the method and path. */
export interface ExchangeOptions {
  /** A JSON body. */
  readonly json?: unknown;
  /** A binary body (application/octet-stream): a Blob (or a slice of one) in browsers, bytes anywhere. */
  readonly bytes?: Blob | Uint8Array;
  /** Default true: send the bearer token (rejects with `unauthenticated` without one). */
  readonly auth?: boolean;
  readonly signal?: AbortSignal;
}

/** A path segment or query value, percent-encoded. */
export function enc(s: string): string {
  return encodeURIComponent(s);
}

/** `?a=1&b=x` from the defined entries, or '' when there are none. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

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

  protected async request<T = unknown>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth) {
      if (!this.token) throw new ParleyClientError('unauthenticated', 'Log in first');
      headers['authorization'] = `Bearer ${this.token}`;
    }
    const res = await this.fetchImpl(new URL(path, this.http.url), { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ParleyClientError('bad_response', `Server answered ${res.status} with non-JSON`, res.status);
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ParleyClientError(err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`, res.status);
    }
    return json as T;
  }
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

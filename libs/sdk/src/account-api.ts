import type { Login, LoginResponse, MeResponse, OwnProfile, RegisterResponse, Session, UpdateProfileBody, User } from '@parley/protocol';
import { HttpClient, enc, type HttpClientOptions } from './http-client.js';

export interface AccountApiOptions extends HttpClientOptions {
  /** What this client calls itself in the sessions list (`client` at login and switch); default: its User-Agent. */
  readonly clientName?: string;
}

/**
 * Signing in and everything the login owns (docs/openapi.yaml, tag "accounts" and "profiles"): its
 * profiles, the signed-in devices, the email address, the password, and the login itself.
 */
export abstract class AccountApi extends HttpClient {
  constructor(private readonly account: AccountApiOptions) {
    super(account);
  }

  /** A new login and its first profile (handle = username). With `email`, a verification code is mailed to it. */
  register(username: string, password: string, options: { displayName?: string; email?: string } = {}): Promise<RegisterResponse> {
    return this.request<RegisterResponse>('POST', '/v1/auth/register', { username, password, ...options }, false);
  }

  /**
   * Signs in with the username or the verified email; as `profile` (an id) of the login, else its first.
   * The client uses the token from then on.
   */
  async login(username: string, password: string, options: { profile?: string; client?: string } = {}): Promise<LoginResponse> {
    const client = options.client ?? this.account.clientName;
    const res = await this.request<LoginResponse>('POST', '/v1/auth/login', { username, password, ...(options.profile ? { profile: options.profile } : {}), ...(client ? { client } : {}) }, false);
    this.signedIn(res);
    return res;
  }

  /**
   * A token for another profile of the same login, without the password. The client uses it from then
   * on; the old token stays valid until it expires or is logged out.
   */
  async switchProfile(profile: string, options: { client?: string } = {}): Promise<LoginResponse> {
    const client = options.client ?? this.account.clientName;
    const res = await this.request<LoginResponse>('POST', '/v1/auth/switch', { profile, ...(client ? { client } : {}) });
    this.signedIn(res);
    return res;
  }

  /** Ends this token's session (its sockets close) and forgets the token. */
  async logout(): Promise<void> {
    await this.request('POST', '/v1/auth/logout');
    this.signedOut();
  }

  /** Who the token signs in as: the profile, the login, and when the token expires. */
  async fetchMe(): Promise<MeResponse> {
    const res = await this.request<MeResponse>('GET', '/v1/me');
    this.user = res.user;
    return res;
  }

  /** @deprecated Use `fetchMe()`, which also returns the profile and the login. */
  async me_(): Promise<User> {
    return (await this.fetchMe()).user;
  }

  /** The login's profiles, oldest first. */
  profiles(): Promise<OwnProfile[]> {
    return this.request<{ profiles: OwnProfile[] }>('GET', '/v1/profiles').then((r) => r.profiles);
  }

  /** A further profile of the login (`limit_reached` past the server's limit, `handle_taken`). */
  createProfile(handle: string, displayName?: string): Promise<OwnProfile> {
    return this.request<{ profile: OwnProfile }>('POST', '/v1/profiles', { handle, ...(displayName !== undefined ? { displayName } : {}) }).then((r) => r.profile);
  }

  /** Changes the given fields of one of the login's profiles (display name, bio, avatar, who may message it). */
  updateProfile(id: string, changes: UpdateProfileBody): Promise<OwnProfile> {
    return this.request<{ profile: OwnProfile }>('PATCH', `/v1/profiles/${enc(id)}`, changes).then((r) => r.profile);
  }

  /** Deletes one of the login's profiles and signs its devices out (`last_profile` for the only one). */
  deleteProfile(id: string): Promise<void> {
    return this.request('DELETE', `/v1/profiles/${enc(id)}`).then(() => undefined);
  }

  /** The signed-in devices of the current profile; `current` marks this one. */
  sessions(): Promise<Session[]> {
    return this.request<{ sessions: Session[] }>('GET', '/v1/sessions').then((r) => r.sessions);
  }

  /** Signs a device of the login out; its sockets close at once. */
  revokeSession(id: string): Promise<void> {
    return this.request('DELETE', `/v1/sessions/${enc(id)}`).then(() => undefined);
  }

  /** Mails a 6-digit code to `email`, which `verifyEmail` then confirms (`email_taken` if another login has it). */
  requestEmailCode(email: string): Promise<void> {
    return this.request('POST', '/v1/auth/email', { email }).then(() => undefined);
  }

  /** Confirms the mailed code (`invalid_code`, `code_expired`); answers the login with its email. */
  verifyEmail(code: string): Promise<Login> {
    return this.request<{ login: Login }>('POST', '/v1/auth/email/verify', { code }).then((r) => r.login);
  }

  /** Mails a reset code to the login's verified email, if there is one; the answer never says. */
  requestPasswordReset(login: string): Promise<void> {
    return this.request('POST', '/v1/auth/password-reset', { login }, false).then(() => undefined);
  }

  /** Sets a new password with the mailed code; every device of the login is signed out. */
  confirmPasswordReset(login: string, code: string, password: string): Promise<void> {
    return this.request('POST', '/v1/auth/password-reset/confirm', { login, code, password }, false).then(() => undefined);
  }

  /** Changes the password; every other device of the login is signed out, this one stays. */
  changePassword(current: string, password: string): Promise<void> {
    return this.request('POST', '/v1/auth/password', { current, password }).then(() => undefined);
  }

  /** Erases the login, its profiles and its personal data for good; this client is signed out too. */
  async deleteLogin(password: string): Promise<void> {
    await this.request('POST', '/v1/auth/delete-login', { password });
    this.signedOut();
  }
}

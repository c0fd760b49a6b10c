import type { Command } from '@parley/schemas';
import { USERNAME } from '@parley/protocol';
import { userStream } from '../../streams.js';
import { accept, reject, type Outcome } from '../outcome.js';
import type { AccountState } from './account-state.js';

/**
 * The login decider: registration, password, email and deletion of a login, on its account stream
 * `u.<username>`. The query API authenticates the caller and names the login; this checks it is this
 * stream's, live login.
 */
export function decideLogin(command: Command, state: AccountState): Outcome {
  const p = command.payload;
  const login = state.login;
  switch (p.type) {
    case 'RegisterLogin':
      if (!USERNAME.test(p.username) || command.stream !== userStream(p.username)) return reject('bad_request', 'Stream does not match the username');
      // A username is also the first profile's handle: any login or profile on the stream holds the name.
      if (login || state.profile) return reject('username_taken', `The username "${p.username}" is taken`);
      return accept(
        { type: 'LoginRegistered', loginId: p.loginId, username: p.username, credentials: p.credentials },
        { type: 'ProfileCreated', profileId: p.profileId, loginId: p.loginId, handle: p.username, displayName: p.displayName, bio: '', avatar: '' },
      );
    case 'RegisterUser':
      // Retired: it carried the password hash in clear into the events topic (docs/adr/0007).
      return reject('bad_request', 'RegisterUser is retired; register with RegisterLogin');
    case 'ChangePassword':
    case 'VerifyEmail':
    case 'DeleteLogin': {
      if (!login || login.deleted || login.loginId !== p.loginId) return reject('not_found', 'No such login');
      if (p.type === 'ChangePassword') return accept({ type: 'PasswordChanged', loginId: p.loginId, credentials: p.credentials });
      if (p.type === 'VerifyEmail') return accept({ type: 'EmailVerified', loginId: p.loginId, email: p.email });
      const profile = state.profile;
      return accept(
        { type: 'LoginDeleted', loginId: p.loginId },
        ...(profile && !profile.deleted && profile.loginId === p.loginId ? [{ type: 'ProfileDeleted' as const, profileId: profile.profileId, loginId: p.loginId }] : []),
      );
    }
    default:
      return reject('bad_request', `${p.type} does not apply to a login`);
  }
}

/** Commands the login decider takes; every other command on an account stream goes to the profile decider. */
export const LOGIN_COMMANDS: ReadonlySet<string> = new Set(['RegisterLogin', 'RegisterUser', 'ChangePassword', 'VerifyEmail', 'DeleteLogin']);

import { test } from 'node:test';
import type { CommandPayload, EventPayload, Sealed } from '@parley/schemas';
import { userStream } from '../../streams.js';
import { given, on, rejected, then, when } from '../given-when-then.js';

const alice = userStream('alice');
const sealed = (data: number): Sealed => ({ keyId: 'k1', nonce: new Uint8Array(12), data: new Uint8Array([data]) });
const register = (over: Partial<Extract<CommandPayload, { type: 'RegisterLogin' }>> = {}): CommandPayload => ({
  type: 'RegisterLogin',
  loginId: 'l1',
  username: 'alice',
  profileId: 'u1',
  displayName: 'Alice',
  credentials: sealed(1),
  ...over,
});
const registered: EventPayload[] = [
  { type: 'LoginRegistered', loginId: 'l1', username: 'alice', credentials: sealed(1) },
  { type: 'ProfileCreated', profileId: 'u1', loginId: 'l1', handle: 'alice', displayName: 'Alice', bio: '', avatar: '' },
];
const anonymous = (stream: string, payload: CommandPayload) => ({ stream, actor: null, payload });

test('RegisterLogin on a fresh stream registers the login and its first profile, named by the username', () => {
  const state = given();

  then(when(state, anonymous(alice, register())), [
    { type: 'LoginRegistered', loginId: 'l1', username: 'alice', credentials: sealed(1) },
    { type: 'ProfileCreated', profileId: 'u1', loginId: 'l1', handle: 'alice', displayName: 'Alice', bio: '', avatar: '' },
  ]);
});

test('a username is registered once', () => {
  const state = given(...on(alice, ...registered));

  then(when(state, anonymous(alice, register({ loginId: 'l2', profileId: 'u2' }))), rejected('username_taken'));
});

test('the account stream must be the username\'s', () => {
  then(when(given(), anonymous(userStream('mallory'), register())), rejected('bad_request'));
  // Not a username (uppercase), even on the stream its key would name.
  then(when(given(), anonymous(alice, register({ username: 'Alice' }))), rejected('bad_request'));
  then(when(given(), anonymous(userStream('a b'), register({ username: 'a b' }))), rejected('bad_request'));
});

test('a profile handle already on the stream holds the name: registration is refused', () => {
  // A further profile of another login, whose handle `Alice` has the key `alice`.
  const state = given(...on(alice, { type: 'ProfileCreated', profileId: 'u9', loginId: 'l9', handle: 'Alice', displayName: 'A', bio: '', avatar: '' }));

  then(when(state, anonymous(alice, register())), rejected('username_taken'));
});

test('the retired RegisterUser is refused, even for a free name', () => {
  then(when(given(), anonymous(alice, { type: 'RegisterUser', userId: 'u1', username: 'alice', passwordHash: 'h' })), rejected('bad_request'));
});

test('ChangePassword and VerifyEmail take the stream\'s live login', () => {
  const state = given(...on(alice, ...registered));

  then(when(state, anonymous(alice, { type: 'ChangePassword', loginId: 'l1', credentials: sealed(2) })), [{ type: 'PasswordChanged', loginId: 'l1', credentials: sealed(2) }]);
  then(when(state, anonymous(alice, { type: 'VerifyEmail', loginId: 'l1', email: sealed(3) })), [{ type: 'EmailVerified', loginId: 'l1', email: sealed(3) }]);
});

test('ChangePassword, VerifyEmail and DeleteLogin with another login id, or on a stream without a login, are not_found', () => {
  const commands = (loginId: string): CommandPayload[] => [
    { type: 'ChangePassword', loginId, credentials: sealed(2) },
    { type: 'VerifyEmail', loginId, email: sealed(3) },
    { type: 'DeleteLogin', loginId },
  ];
  const state = given(...on(alice, ...registered));
  for (const payload of commands('l2')) then(when(state, anonymous(alice, payload)), rejected('not_found'));
  for (const payload of commands('l1')) then(when(given(), anonymous(alice, payload)), rejected('not_found'));
  // A stream holding only a profile (of login l1) has no login to change.
  const profileOnly = given(...on(alice, registered[1]!));
  for (const payload of commands('l1')) then(when(profileOnly, anonymous(alice, payload)), rejected('not_found'));
});

test('a deleted login is not_found for everything after', () => {
  const state = given(...on(alice, ...registered, { type: 'LoginDeleted', loginId: 'l1' }));

  then(when(state, anonymous(alice, { type: 'ChangePassword', loginId: 'l1', credentials: sealed(2) })), rejected('not_found'));
  then(when(state, anonymous(alice, { type: 'VerifyEmail', loginId: 'l1', email: sealed(3) })), rejected('not_found'));
  then(when(state, anonymous(alice, { type: 'DeleteLogin', loginId: 'l1' })), rejected('not_found'));
});

test('DeleteLogin also deletes the stream\'s profile when it is the login\'s', () => {
  const state = given(...on(alice, ...registered));

  then(when(state, anonymous(alice, { type: 'DeleteLogin', loginId: 'l1' })), [
    { type: 'LoginDeleted', loginId: 'l1' },
    { type: 'ProfileDeleted', profileId: 'u1', loginId: 'l1' },
  ]);
  then(when(state, anonymous(alice, { type: 'DeleteLogin', loginId: 'l1' })), rejected('not_found'));
});

test('DeleteLogin leaves a profile of another login, and one deleted already', () => {
  const foreign = given(...on(alice, registered[0]!, { type: 'ProfileCreated', profileId: 'u9', loginId: 'l9', handle: 'alice', displayName: 'A', bio: '', avatar: '' }));
  then(when(foreign, anonymous(alice, { type: 'DeleteLogin', loginId: 'l1' })), [{ type: 'LoginDeleted', loginId: 'l1' }]);

  const gone = given(...on(alice, ...registered, { type: 'ProfileDeleted', profileId: 'u1', loginId: 'l1' }));
  then(when(gone, anonymous(alice, { type: 'DeleteLogin', loginId: 'l1' })), [{ type: 'LoginDeleted', loginId: 'l1' }]);
});

test('a legacy UserRegistered folds into a login and a profile with the same id', () => {
  const state = given(...on(alice, { type: 'UserRegistered', userId: 'u0', username: 'alice', passwordHash: 'h' }));

  then(when(state, anonymous(alice, register())), rejected('username_taken'));
  then(when(state, anonymous(alice, { type: 'ChangePassword', loginId: 'u0', credentials: sealed(2) })), [{ type: 'PasswordChanged', loginId: 'u0' }]);
  then(when(state, anonymous(alice, { type: 'DeleteLogin', loginId: 'u0' })), [
    { type: 'LoginDeleted', loginId: 'u0' },
    { type: 'ProfileDeleted', profileId: 'u0', loginId: 'u0' },
  ]);
});

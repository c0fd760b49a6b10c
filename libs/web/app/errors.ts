import { ParleyClientError } from '@parley/sdk';

/** Turns any failure into one plain sentence that says what happened and what to do next. */
export function describeError(error: unknown): string {
  if (error instanceof ParleyClientError) return describeCode(error.code, error.message);
  if (error instanceof TypeError)
    return 'Cannot reach the Parley server. Check your network connection and try again.';
  if (error instanceof Error && error.message) return `${withPeriod(error.message)} Try again.`;
  return 'Something went wrong. Try again.';
}

export function describeCode(code: string, message: string): string {
  switch (code) {
    case 'invalid_credentials':
      return 'Wrong username, email or password. Check them and try again.';
    case 'handle_taken':
      return 'That handle is already taken. Choose another one.';
    case 'email_taken':
      return 'Another login already uses that email address. Use a different one.';
    case 'not_permitted':
      return 'This person only takes direct messages from friends. Send them a friend request first.';
    case 'blocked':
      return 'You cannot do that with this person. If you blocked them, unblock them first.';
    case 'self_target':
      return 'That is you. Pick someone else.';
    case 'already_friends':
      return 'You are friends already.';
    case 'not_friends':
      return 'You are not friends (any more).';
    case 'request_pending':
      return 'A request is already waiting for an answer (a friend request: look under Requests on the Friends page).';
    case 'request_not_pending':
      return 'That request is no longer pending: it was answered or cancelled. The list is refreshed.';
    case 'already_blocked':
      return 'You blocked this person already.';
    case 'not_blocked':
      return 'This person is not blocked.';
    case 'limit_reached':
      return `${withPeriod(message || 'You reached the limit')} Delete something first.`;
    case 'last_profile':
      return 'This is your only profile. Delete the whole login on the Account page instead.';
    case 'invalid_code':
      return 'That code is wrong or was used already. Check the email, or ask for a new code.';
    case 'code_expired':
      return 'That code has expired. Ask for a new one.';
    case 'username_taken':
      return 'That username is already taken. Choose another one, or log in if it is yours.';
    case 'unauthenticated':
    case 'invalid_token':
    case 'token_expired':
    case 'token_revoked':
      return 'Your session has ended. Log in again.';
    case 'rate_limited':
      return 'Too many attempts in a short time. Wait a minute, then try again.';
    case 'too_many_pending':
      return 'You are sending faster than the server accepts. Wait a moment, then retry.';
    case 'not_member':
      return 'You are not a member of this conversation any more. Pick another conversation or join it again.';
    case 'not_found':
      return `${withPeriod(message || 'Not found')} Check the spelling and try again.`;
    case 'conflict':
      return `${withPeriod(message || 'That was done already')}`;
    case 'quota_exceeded':
      return 'Your files use up all the space you have on the server. Files that were never sent are deleted after a day; try again later.';
    case 'type_mismatch':
      return 'The file is not what its type says (the server reads its bytes). Send it as another kind of file.';
    case 'invalid_attachment':
      return 'The uploaded file can no longer be sent (it expired). Attach it again.';
    case 'upload_incomplete':
      return 'The upload did not finish. Try again.';
    case 'url_expired':
    case 'recalled':
      return `${withPeriod(message || 'This is no longer available')}`;
    case 'aborted':
      return 'Stopped.';
    case 'content_too_large':
    case 'payload_too_large':
      return 'The message is too long. Shorten it or split it into several messages.';
    case 'muted':
      return 'You cannot write here right now: an admin muted you, or only admins may write.';
    case 'banned':
      return 'You were banned from this group or room. An admin has to lift the ban before you can join again.';
    case 'dissolved':
      return 'This group was dissolved: nothing can be sent or changed any more. Its history stays readable.';
    case 'invite_expired':
      return 'This invite link has expired or was used up. Ask an admin of the group for a new one.';
    case 'invite_revoked':
      return 'This invite link was revoked. Ask an admin of the group for a new one.';
    case 'pending':
      return 'The group approves who joins: your request is waiting for an admin.';
    case 'forbidden':
      return `${withPeriod(message || 'You are not allowed to do that')}`;
    case 'timeout':
      return 'The server did not confirm in time; the message may or may not have been delivered. Retry to make sure (it will not be duplicated).';
    case 'unavailable':
    case 'internal':
      return 'The server had a problem. Wait a moment and try again.';
    case 'closed':
      return 'The connection was closed. Reload the page to reconnect.';
    case 'bad_response':
    case 'http_error':
      return 'The server sent an unexpected answer. Reload the page and try again.';
    default:
      return `${withPeriod(message || 'Something went wrong')} Fix it and try again.`;
  }
}

function withPeriod(s: string): string {
  const t = s.trim();
  const sentence = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

export function isAuthError(error: unknown): boolean {
  return (
    error instanceof ParleyClientError &&
    ['unauthenticated', 'invalid_token', 'token_expired', 'token_revoked'].includes(error.code)
  );
}

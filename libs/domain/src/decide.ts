import type { Command, EventPayload, ParleyEvent } from '@parley/schemas';
import { decideConversation, type ConversationLimits } from './deciders/conversation/decide-conversation.js';
import { decideLogin, LOGIN_COMMANDS } from './deciders/account/decide-login.js';
import { decideProfile } from './deciders/account/decide-profile.js';
import type { Outcome } from './deciders/outcome.js';
import { isUserStream } from './streams.js';
import type { StreamState } from './stream-state.js';

export type DecideLimits = ConversationLimits;

export interface DecideContext {
  readonly now: number;
  readonly newId: () => string;
  readonly limits: DecideLimits;
}

/**
 * Routes a command to the decider of its stream kind (login or profile on an account stream, conversation
 * otherwise) and stamps the outcome into events. Every command yields at least one event, so its sender
 * always learns the outcome: the facts it caused, or a CommandRejected / CommandDuplicate naming why
 * nothing changed.
 */
export function decide(command: Command, state: StreamState, ctx: DecideContext): ParleyEvent[] {
  const conversation = state.conversations.get(command.stream);
  let outcome: Outcome;
  if (isUserStream(command.stream)) {
    const account = state.accounts.get(command.stream) ?? {};
    outcome = LOGIN_COMMANDS.has(command.payload.type) ? decideLogin(command, account) : decideProfile(command, account);
  } else {
    outcome = decideConversation(command, conversation, { blockers: state.directBlocks.get(command.stream) ?? [], limits: ctx.limits, newId: ctx.newId, now: ctx.now });
  }
  let seq = conversation?.lastSeq ?? 0;
  const event = (payload: EventPayload): ParleyEvent => ({
    eventId: ctx.newId(),
    stream: command.stream,
    // A message (or system entry) takes the next seq; a conversation starts at 0; anything else carries
    // the last seq when it happened, counting an entry before it in the same outcome (a removal's seq is
    // its entry's, where the removed member's history ends).
    seq: payload.type === 'MessageSent' ? ++seq : payload.type === 'ConversationCreated' ? 0 : seq,
    ts: ctx.now,
    commandId: command.commandId,
    actor: command.actor,
    origin: command.origin,
    payload,
  });
  if ('events' in outcome) return outcome.events.map(event);
  const p = command.payload;
  return [event({ type: 'CommandRejected', code: outcome.code, message: outcome.message, clientMsgId: p.type === 'SendMessage' ? p.clientMsgId : '' })];
}

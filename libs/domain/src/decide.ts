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
    outcome = decideConversation(command, conversation, state.directBlocks.get(command.stream) ?? [], ctx.limits, ctx.newId);
  }
  const lastSeq = conversation?.lastSeq ?? 0;
  const event = (payload: EventPayload): ParleyEvent => ({
    eventId: ctx.newId(),
    stream: command.stream,
    // A message takes the next seq; a conversation starts at 0; anything else carries the last message seq.
    seq: payload.type === 'MessageSent' ? lastSeq + 1 : payload.type === 'ConversationCreated' ? 0 : lastSeq,
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

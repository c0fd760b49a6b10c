import type { Actor, Command } from '@parley/schemas';
import { SYSTEM_KIND, isEmoji, messageProblem, type GroupRole } from '@parley/protocol';
import { accept, reject, type Outcome } from '../outcome.js';
import type { ConversationState } from './conversation-state.js';
import type { DecideInput, SystemWriter } from './decide-conversation.js';

/** The commands that change an earlier message: recall, edit, pin, react. */
export const MESSAGE_CHANGE_COMMANDS: ReadonlySet<string> = new Set(['RecallMessage', 'EditMessage', 'PinMessage', 'ReactToMessage']);

/**
 * Changes to an earlier message of a conversation the actor is a member of. Each writes its fact and a
 * system entry naming the message (`message`: its seq), so every device, resume and history carry it.
 * Recall and edit by the sender need the message among the newest `recentMessages` entries (the decider
 * keeps no more) and within their windows; owners and admins of groups and rooms recall any message, any
 * time. A system entry cannot be changed; one older than the remembered window is not recognised as one
 * here, and the projection leaves it as it is.
 */
export function decideMessageChange(command: Command, c: ConversationState, actor: Actor, role: GroupRole, input: DecideInput, system: SystemWriter): Outcome {
  const p = command.payload;
  const { limits, now } = input;
  if (c.dissolved) return reject('dissolved', 'The group is dissolved; its history stays as it is');
  if (!('seq' in p) || !Number.isInteger(p.seq) || p.seq < 1 || p.seq > c.lastSeq) {
    return reject('not_found', `No message ${'seq' in p ? p.seq : ''} in this conversation (its messages are 1 to ${c.lastSeq})`);
  }
  const seq = p.seq;
  const recent = c.recent.get(seq);
  const moderator = c.kind !== 'direct' && role !== 'member';
  if (recent?.kind === SYSTEM_KIND) return reject('bad_request', 'System entries cannot be recalled, edited, pinned or reacted to');
  if (recent?.recalled) return reject('recalled', 'That message was recalled');

  switch (p.type) {
    case 'RecallMessage': {
      if (moderator) return accept(system({ event: 'recalled', message: seq }), { type: 'MessageRecalled', target: seq });
      if (!recent) return reject('too_late', 'Only your recent messages can be recalled');
      if (recent.senderId !== actor.userId) return reject('forbidden', 'You may recall only your own messages');
      if (now - recent.ts > limits.recallWindowMs) return reject('too_late', `A message can be recalled within ${limits.recallWindowMs / 1000} s of sending it`);
      return accept(system({ event: 'recalled', message: seq }), { type: 'MessageRecalled', target: seq });
    }
    case 'EditMessage': {
      if (!recent) return reject('too_late', 'Only your recent messages can be edited');
      if (recent.senderId !== actor.userId) return reject('forbidden', 'You may edit only your own messages');
      if (now - recent.ts > limits.editWindowMs) return reject('too_late', `A message can be edited within ${limits.editWindowMs / 1000} s of sending it`);
      const body = p.body ?? '';
      let parsed: unknown;
      try {
        parsed = body === '' ? undefined : JSON.parse(body);
      } catch {
        return reject('bad_request', 'body is not JSON');
      }
      const problem = messageProblem(recent.kind, p.content, parsed, 'stored');
      if (problem) return reject('bad_request', `The edit does not fit the message's kind: ${problem}`);
      return accept(system({ event: 'edited', message: seq, text: p.content, ...(parsed === undefined ? {} : { body: parsed }) }), { type: 'MessageEdited', target: seq, content: p.content, body });
    }
    case 'PinMessage': {
      if (c.kind !== 'direct' && role === 'member') return reject('forbidden', 'Only the owner and admins pin messages here');
      const pinned = c.pinned[seq] === true;
      if (pinned === p.pinned) return reject('conflict', p.pinned ? 'It is pinned already' : 'It is not pinned');
      if (p.pinned && Object.keys(c.pinned).length >= limits.maxPins) return reject('limit_reached', `At most ${limits.maxPins} messages are pinned; unpin one first`);
      return accept(system({ event: p.pinned ? 'pinned' : 'unpinned', message: seq }), { type: 'MessagePinned', target: seq, pinned: p.pinned });
    }
    case 'ReactToMessage':
      if (!isEmoji(p.emoji)) return reject('bad_request', 'A reaction is one emoji');
      return accept(system({ event: 'reaction', message: seq, emoji: p.emoji, ...(p.add ? {} : { removed: true }) }), {
        type: 'ReactionChanged',
        target: seq,
        emoji: p.emoji,
        userId: actor.userId,
        added: p.add,
      });
    default:
      return reject('bad_request', `${p.type} does not change a message`);
  }
}



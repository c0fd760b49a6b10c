import { isAttachmentKind, messageChangeOf, withChange, type ChatMessage, type MessageFrame, type ParleyClient } from '@parley/sdk';
import type { Chat } from './chat.js';
import { describeError } from './errors.js';
import { isAdmin, quoteKey, roleIn, withPinChange, type AppState, type Conversation, type Store } from './state.js';

/** The server's default recall window; the UI offers Recall within it (the server decides). */
export const RECALL_WINDOW_MS = 2 * 60_000;

/** The reactions the picker offers, the first six also as quick reactions. */
export const REACTION_EMOJIS = ['👍', '❤️', '😂', '😮', '😢', '🙏', '🎉', '🔥', '👏', '😄', '🤔', '👀', '✅', '💯', '🙌', '😍', '👎', '😡'] as const;

/**
 * The message actions controller beside Chat: recall, edit, pin, react and forward, and each
 * conversation's pinned messages. Chat applies the change entries to the loaded timeline (mergeMessages);
 * this keeps the pins list and fetched quotes live with them.
 */
export class MessageActions {
  constructor(
    private readonly store: Store,
    private readonly chat: Chat,
  ) {}

  private get api(): ParleyClient {
    return this.chat.api;
  }

  attach(client: ParleyClient): void {
    client.on('message', (m) => this.onMessage(m));
    client.on('ready', () => {
      // Pins changed while away arrive as entries on resume; a reload also catches what is past the resume.
      const open = this.store.state.openId;
      if (open && this.store.state.pins.has(open)) void this.loadPins(open);
    });
  }

  private onMessage(m: MessageFrame): void {
    const change = messageChangeOf(m);
    if (!change) return;
    this.store.update((s) => {
      const key = quoteKey(m.conversation, change.message);
      const quoted = s.quotes.get(key);
      if (typeof quoted === 'object') s.quotes.set(key, withChange(quoted, change, m.ts));
      const pins = s.pins.get(m.conversation);
      if (pins) s.pins.set(m.conversation, withPinChange(pins, m));
    });
  }

  /** Loads a conversation's pinned messages (on opening it). */
  async loadPins(id: string): Promise<void> {
    try {
      const pins = await this.api.pins(id);
      this.store.update((s) => s.pins.set(id, pins));
    } catch {
      /* no list: the bar stays hidden; opening the conversation again retries */
    }
  }

  recall(m: ChatMessage): Promise<void> {
    return this.api.recall(m.conversation, m.seq);
  }

  edit(m: ChatMessage, content: string): Promise<void> {
    return this.api.editMessage(m.conversation, m.seq, content).then(() => undefined);
  }

  setPinned(conversation: string, seq: number, pinned: boolean): void {
    this.run(pinned ? this.api.pin(conversation, seq) : this.api.unpin(conversation, seq), pinned ? 'pin' : 'unpin');
  }

  /** Adds the user's reaction, or takes it back when they have it. */
  toggleReaction(m: ChatMessage, emoji: string): void {
    const me = this.store.state.me?.id;
    const mine = !!me && !!m.reactions?.some((r) => r.emoji === emoji && r.userIds.includes(me));
    this.run(mine ? this.api.unreact(m.conversation, m.seq, emoji) : this.api.react(m.conversation, m.seq, emoji), 'react');
  }

  forward(m: ChatMessage, to: string): Promise<void> {
    return this.api.forward(m.conversation, m.seq, to).then(() => undefined);
  }

  private run(task: Promise<void>, what: string): void {
    task.catch((e: unknown) => this.chat.notify('error', `Could not ${what}: ${describeError(e)}`));
  }
}

/** What the user may do with a message: the menu shows only these (the server decides in the end). */
export function allowedActions(m: ChatMessage, conv: Conversation, state: AppState, now = Date.now()): { recall: boolean; edit: boolean; pin: boolean; react: boolean; forward: boolean } {
  const own = m.sender.id === state.me?.id;
  const ended = conv.dissolved || conv.removed || !!state.groups.get(conv.id)?.dissolved;
  const moderator = conv.kind !== 'direct' && isAdmin(roleIn(conv, state));
  const live = !ended && !m.recalled;
  return {
    recall: live && ((own && now - m.ts < RECALL_WINDOW_MS) || moderator),
    // A file's message: the edit changes its caption, the file stays.
    edit: live && own && (m.kind === 'text' || isAttachmentKind(m.kind)),
    pin: live && (conv.kind === 'direct' || moderator),
    react: live,
    forward: !m.recalled && !conv.removed,
  };
}

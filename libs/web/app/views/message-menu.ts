import type { ChatMessage } from '@parley/sdk';
import { h } from '../dom.js';
import { describeError } from '../errors.js';
import { allowedActions, REACTION_EMOJIS, type MessageActions } from '../message-actions.js';
import { sortedConversations, titleOf, type AppState, type Conversation } from '../state.js';
import { avatar } from './common.js';
import { confirmDialog, openDialog } from './dialog.js';
import { openMenu, type MenuItem } from './menu.js';

/** What the message menu needs besides the message. */
export interface MessageMenuDeps {
  readonly actions: MessageActions;
  readonly state: () => AppState;
  readonly notify: (kind: 'error' | 'info', text: string) => void;
  /** The composer quotes the message. */
  readonly reply: (m: ChatMessage) => void;
  /** Opens the inline editor on the message. */
  readonly edit: (m: ChatMessage) => void;
}

/** The menu of a message: Reply, React, Edit, Pin or Unpin, Forward, Recall, each when the user may. */
export function messageMenu(anchor: HTMLElement, m: ChatMessage, conv: Conversation, deps: MessageMenuDeps): void {
  const may = allowedActions(m, conv, deps.state());
  const items: MenuItem[] = [];
  if (!m.recalled) items.push({ label: 'Reply', testid: 'message-action-reply', icon: 'reply', onSelect: () => deps.reply(m) });
  if (may.react) items.push({ label: 'React', testid: 'message-action-react', icon: 'smile', onSelect: () => emojiPicker(anchor, (emoji) => deps.actions.toggleReaction(m, emoji)) });
  if (may.edit) items.push({ label: 'Edit', testid: 'message-action-edit', icon: 'edit', onSelect: () => deps.edit(m) });
  if (may.pin)
    items.push(
      m.pinned
        ? { label: 'Unpin', testid: 'message-action-unpin', icon: 'pin', onSelect: () => deps.actions.setPinned(m.conversation, m.seq, false) }
        : { label: 'Pin', testid: 'message-action-pin', icon: 'pin', onSelect: () => deps.actions.setPinned(m.conversation, m.seq, true) },
    );
  if (may.forward) items.push({ label: 'Forward', testid: 'message-action-forward', icon: 'forward', onSelect: () => forwardDialog(m, deps) });
  if (may.recall) {
    items.push('separator', {
      label: 'Recall',
      testid: 'message-action-recall',
      icon: 'undo',
      danger: true,
      onSelect: () =>
        confirmDialog('Recall message', 'recall-dialog', 'Everyone in the conversation will see "message recalled" in its place.', 'Recall', () => deps.actions.recall(m)),
    });
  }
  if (items.length === 0) items.push({ heading: 'Nothing to do with this message' });
  openMenu(anchor, 'message-menu', items, 'Message actions');
}

/** A small emoji picker under `anchor`; picking one runs `onPick`. */
export function emojiPicker(anchor: HTMLElement, onPick: (emoji: string) => void): void {
  openMenu(
    anchor,
    'emoji-picker',
    REACTION_EMOJIS.map((emoji) => ({ label: emoji, testid: 'emoji-option', attrs: { 'data-emoji': emoji, 'aria-label': `React ${emoji}` }, onSelect: () => onPick(emoji) })),
    'Pick a reaction',
  );
}

/** Picks a conversation to forward the message to (any the user can write in). */
function forwardDialog(m: ChatMessage, deps: MessageMenuDeps): void {
  const state = deps.state();
  const targets = sortedConversations(state).filter((c) => !c.removed && !c.dissolved);
  openDialog('Forward message', 'forward-dialog', (d) => {
    const list = h('ul', { class: 'forward-list', testid: 'forward-list' });
    for (const c of targets) {
      const title = titleOf(c, state);
      const button = h('button', { class: 'forward-target', type: 'button', testid: 'forward-target', 'data-id': c.id, 'data-title': title }, avatar(title, 'sm'), h('span', {}, title));
      button.addEventListener('click', () => {
        for (const b of list.querySelectorAll('button')) b.disabled = true;
        deps.actions.forward(m, c.id).then(
          () => {
            d.close();
            deps.notify('info', `Forwarded to ${title}.`);
          },
          (e: unknown) => {
            d.error(describeError(e));
            for (const b of list.querySelectorAll('button')) b.disabled = false;
          },
        );
      });
      list.append(h('li', {}, button));
    }
    return [h('p', { class: 'muted' }, targets.length ? 'Send a copy to:' : 'No conversation to forward to.'), list];
  });
}

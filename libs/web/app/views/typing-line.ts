import { h, setText } from '../dom.js';
import type { AppState, Conversation } from '../state.js';
import { typingText } from '../typing.js';

/** "alice is typing…" under the conversation header; hidden while nobody is. */
export class TypingLine {
  readonly el = h('p', { class: 'typing-line', testid: 'typing', role: 'status', hidden: true });

  update(state: AppState, conv: Conversation): void {
    const names = [...(state.typing.get(conv.id)?.values() ?? [])].map((t) => t.username);
    const text = typingText(names);
    this.el.hidden = text === undefined;
    setText(this.el, text ?? '');
  }
}

import { h } from '../dom.js';
import { icon } from '../icons.js';

/** The message box: Enter sends, Shift+Enter makes a new line. Keeps a draft per conversation. */
export class Composer {
  readonly el: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly error = h('p', {
    class: 'composer-error',
    testid: 'composer-error',
    role: 'alert',
    hidden: true,
  });
  private readonly blocked = h('p', { class: 'composer-blocked', testid: 'composer-blocked', role: 'status', hidden: true });
  private readonly form: HTMLFormElement;
  private readonly sendBtn: HTMLButtonElement;
  private readonly drafts = new Map<string, string>();
  private conversationId: string | undefined;

  constructor(private readonly onSend: (conversation: string, text: string) => string | undefined) {
    this.input = h('textarea', {
      class: 'composer-input',
      testid: 'composer-input',
      rows: 1,
      placeholder: 'Write a message…',
      'aria-label': 'Message',
      enterkeyhint: 'send',
    });
    const send = h(
      'button',
      {
        class: 'send-btn',
        type: 'submit',
        testid: 'composer-send',
        title: 'Send (Enter)',
        'aria-label': 'Send',
      },
      icon('send', 20),
    );
    const form = h('form', { class: 'composer-row' }, this.input, send);
    this.form = form;
    this.sendBtn = send;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => {
      this.error.hidden = true;
      if (this.conversationId) this.drafts.set(this.conversationId, this.input.value);
      this.autosize();
    });
    this.el = h('div', { class: 'composer', testid: 'composer' }, this.error, this.blocked, form);
  }

  /** Why nothing can be sent here (dissolved, removed, muted), shown over the disabled box; undefined: write away. */
  block(reason: string | undefined): void {
    const on = reason !== undefined;
    if (this.blocked.textContent !== (reason ?? '')) this.blocked.textContent = reason ?? '';
    this.blocked.hidden = !on;
    this.form.classList.toggle('disabled', on);
    this.input.disabled = on;
    this.sendBtn.disabled = on;
    this.el.dataset['blocked'] = String(on);
  }

  /** Switches to a conversation (restoring its draft). */
  show(conversationId: string): void {
    if (this.conversationId === conversationId) return;
    this.conversationId = conversationId;
    this.input.value = this.drafts.get(conversationId) ?? '';
    this.error.hidden = true;
    this.autosize();
  }

  focus(): void {
    // Don't pop up the keyboard on touch screens just because a conversation opened.
    if (matchMedia('(pointer: fine)').matches) this.input.focus({ preventScroll: true });
  }

  private submit(): void {
    const id = this.conversationId;
    const text = this.input.value;
    if (!id || !text.trim() || this.input.disabled) return;
    const problem = this.onSend(id, text);
    if (problem) {
      this.error.textContent = problem;
      this.error.hidden = false;
      return;
    }
    this.input.value = '';
    this.drafts.delete(id);
    this.autosize();
    this.input.focus({ preventScroll: true });
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 160)}px`;
  }
}

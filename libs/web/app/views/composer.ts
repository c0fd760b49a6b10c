import { MENTION_ALL, type MessageFrame } from '@parley/sdk';
import { h, setText } from '../dom.js';
import { icon } from '../icons.js';
import { mentionQuery } from '../mentions.js';
import { previewOf, type Draft, type MentionCandidate } from '../state.js';
import { TypingSignal } from '../typing-signal.js';
import { MentionPicker } from './mention-picker.js';

/** The conversation the composer writes to, as far as it matters here. */
export interface ComposerTarget {
  readonly id: string;
  /** Mentions are offered in groups and rooms. */
  readonly mentions: boolean;
  /** "@all" is offered to the owner and admins. */
  readonly mentionAll: boolean;
}

export interface ComposerHandlers {
  /** Sends; returns a sentence when it cannot even be tried (the draft stays). */
  send(conversation: string, draft: Draft): string | undefined;
  /** Members of the conversation whose handle or name contains `query` (the caller left out). */
  candidates(conversation: string, query: string): Promise<MentionCandidate[]>;
  /**
   * Uploads files and sends each as a message of its kind; the draft (its text as the caption, its reply)
   * goes with the first. Returns a sentence when they cannot be sent (the draft stays).
   */
  attach(conversation: string, files: File[], draft: Draft): string | undefined;
  /** Tells the others in the conversation that the user is typing, or stopped (see TypingSignal). */
  typing(conversation: string, typing: boolean): void;
}

const EVERYONE: MentionCandidate = { id: MENTION_ALL, username: 'all', displayName: 'Everyone' };

/**
 * The message box: Enter sends, Shift+Enter makes a new line. Keeps a draft per conversation, with the
 * message it replies to (shown above the box) and the mentions picked from the suggestions that "@" opens.
 * Files come in by the attach button or pasted (an image from the clipboard); the text typed so far is
 * their caption.
 */
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
  private readonly replyBar: HTMLElement;
  private readonly replySender = h('span', { class: 'composer-reply-sender', testid: 'composer-reply-sender' });
  private readonly replyText = h('span', { class: 'composer-reply-text', testid: 'composer-reply-text' });
  private readonly picker: MentionPicker;
  private readonly form: HTMLFormElement;
  private readonly sendBtn: HTMLButtonElement;
  private readonly attachBtn: HTMLButtonElement;
  private readonly fileInput: HTMLInputElement;
  private readonly drafts = new Map<string, Draft>();
  private target: ComposerTarget | undefined;
  /** Counts suggestion look-ups, so that a slow answer to an old one is dropped. */
  private lookup = 0;
  private lookupTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly typing: TypingSignal;

  constructor(private readonly handlers: ComposerHandlers) {
    this.typing = new TypingSignal((id, on) => handlers.typing(id, on));
    this.input = h('textarea', {
      class: 'composer-input',
      testid: 'composer-input',
      rows: 1,
      placeholder: 'Write a message…',
      'aria-label': 'Message',
      enterkeyhint: 'send',
      'aria-autocomplete': 'list',
    });
    this.picker = new MentionPicker((c) => this.pick(c));
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
    const cancel = h(
      'button',
      { class: 'icon-btn', type: 'button', title: 'Cancel the reply (Esc)', 'aria-label': 'Cancel the reply', testid: 'composer-reply-cancel' },
      icon('close', 16),
    );
    cancel.addEventListener('click', () => this.setReply(undefined));
    this.replyBar = h(
      'div',
      { class: 'composer-reply', testid: 'composer-reply', hidden: true },
      icon('reply', 16),
      h('div', { class: 'composer-reply-body' }, h('span', { class: 'muted' }, 'Replying to '), this.replySender, this.replyText),
      cancel,
    );
    this.fileInput = h('input', { type: 'file', multiple: true, hidden: true, class: 'composer-file-input', testid: 'composer-file-input', 'aria-label': 'Attach files' });
    this.fileInput.addEventListener('change', () => {
      const files = [...(this.fileInput.files ?? [])];
      this.fileInput.value = '';
      if (files.length) this.attach(files);
    });
    this.attachBtn = h('button', { class: 'icon-btn attach-btn', type: 'button', testid: 'composer-attach', title: 'Attach files', 'aria-label': 'Attach files' }, icon('attach', 20));
    this.attachBtn.addEventListener('click', () => this.fileInput.click());
    this.input.addEventListener('paste', (ev) => {
      const files = [...(ev.clipboardData?.items ?? [])].filter((i) => i.kind === 'file').map((i) => i.getAsFile()).filter((f): f is File => f !== null);
      if (!files.length) return;
      ev.preventDefault();
      this.attach(files);
    });
    const form = h('form', { class: 'composer-row' }, this.attachBtn, this.fileInput, this.input, send);
    this.form = form;
    this.sendBtn = send;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.isComposing) return;
      if (this.picker.open) {
        if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
          ev.preventDefault();
          return this.picker.move(ev.key === 'ArrowDown' ? 1 : -1);
        }
        if ((ev.key === 'Enter' || ev.key === 'Tab') && !ev.shiftKey && this.picker.pickActive()) return ev.preventDefault();
        if (ev.key === 'Escape') {
          ev.preventDefault();
          return this.picker.hide();
        }
      }
      if (ev.key === 'Escape' && this.draft()?.reply) {
        ev.preventDefault();
        return this.setReply(undefined);
      }
      if (ev.key === 'Enter' && !ev.shiftKey) {
        ev.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => {
      this.error.hidden = true;
      const d = this.draft();
      if (d) d.text = this.input.value;
      if (this.target) this.typing.input(this.target.id, this.input.value);
      this.autosize();
      this.suggest();
    });
    this.input.addEventListener('blur', () => this.picker.hide());
    this.el = h(
      'div',
      { class: 'composer', testid: 'composer' },
      this.error,
      this.blocked,
      this.replyBar,
      h('div', { class: 'composer-anchor' }, this.picker.el, form),
    );
  }

  /** Why nothing can be sent here (dissolved, removed, muted), shown over the disabled box; undefined: write away. */
  block(reason: string | undefined): void {
    const on = reason !== undefined;
    if (this.blocked.textContent !== (reason ?? '')) this.blocked.textContent = reason ?? '';
    this.blocked.hidden = !on;
    this.form.classList.toggle('disabled', on);
    this.input.disabled = on;
    this.sendBtn.disabled = on;
    this.attachBtn.disabled = on;
    this.el.dataset['blocked'] = String(on);
    if (on) this.picker.hide();
    if (on) this.typing.stop();
  }

  /** Switches to a conversation (restoring its draft), or takes in what changed about it (the role). */
  show(target: ComposerTarget): void {
    const switched = this.target?.id !== target.id;
    this.target = target;
    if (!switched) return;
    this.typing.stop();
    const d = this.draft()!;
    this.input.value = d.text;
    this.error.hidden = true;
    this.picker.hide();
    this.renderReply(d.reply);
    this.autosize();
  }

  /** Quotes a message in the draft of its conversation (the Reply action of a message). */
  replyTo(m: MessageFrame): void {
    if (m.conversation !== this.target?.id) return;
    this.setReply(m);
    this.input.focus({ preventScroll: true });
  }

  focus(): void {
    // Don't pop up the keyboard on touch screens just because a conversation opened.
    if (matchMedia('(pointer: fine)').matches) this.input.focus({ preventScroll: true });
  }

  private draft(): Draft | undefined {
    const id = this.target?.id;
    if (!id) return undefined;
    let d = this.drafts.get(id);
    if (!d) this.drafts.set(id, (d = { text: '', reply: undefined, picked: new Map() }));
    return d;
  }

  private setReply(m: MessageFrame | undefined): void {
    const d = this.draft();
    if (!d) return;
    d.reply = m;
    this.renderReply(m);
  }

  private renderReply(m: MessageFrame | undefined): void {
    this.replyBar.hidden = !m;
    this.replyBar.dataset['replyTo'] = m ? String(m.seq) : '';
    setText(this.replySender, m?.sender.username ?? '');
    setText(this.replyText, m ? previewOf(m) : '');
  }

  /** Looks up who matches the "@word" before the caret, a moment after the last keystroke. */
  private suggest(): void {
    const target = this.target;
    const q = target?.mentions ? mentionQuery(this.input.value, this.input.selectionStart ?? this.input.value.length) : undefined;
    if (this.lookupTimer) clearTimeout(this.lookupTimer);
    const n = ++this.lookup;
    if (!target || !q) return this.picker.hide();
    this.lookupTimer = setTimeout(() => {
      const everyone = target.mentionAll && EVERYONE.username.startsWith(q.query.toLowerCase()) ? [EVERYONE] : [];
      this.handlers.candidates(target.id, q.query).then(
        (found) => {
          if (n === this.lookup && document.activeElement === this.input) this.picker.show([...everyone, ...found]);
        },
        () => {
          if (n === this.lookup) this.picker.show(everyone);
        },
      );
    }, 120);
  }

  /** Puts "@handle " in place of the "@word" being typed and remembers whom it names. */
  private pick(c: MentionCandidate): void {
    const d = this.draft();
    const value = this.input.value;
    const caret = this.input.selectionStart ?? value.length;
    const q = mentionQuery(value, caret);
    this.picker.hide();
    if (!d || !q) return;
    const insert = `@${c.username} `;
    this.input.value = value.slice(0, q.at) + insert + value.slice(caret);
    const at = q.at + insert.length;
    this.input.setSelectionRange(at, at);
    d.text = this.input.value;
    d.picked.set(c.username, c.id);
    this.autosize();
  }

  /** Whether files may be attached here now (a conversation is open and nothing blocks writing). */
  get accepting(): boolean {
    return !!this.target && !this.input.disabled;
  }

  /** Uploads files (picked, pasted or dropped) into the open conversation; the text typed so far is their caption. */
  attach(files: File[]): void {
    const id = this.target?.id;
    const d = this.draft();
    if (!id || !d || !this.accepting) return;
    const problem = this.handlers.attach(id, files, { ...d, text: this.input.value });
    this.error.textContent = problem ?? '';
    this.error.hidden = !problem;
    if (problem) return;
    this.typing.stop();
    this.clear(id);
  }

  private clear(id: string): void {
    this.input.value = '';
    this.drafts.delete(id);
    this.picker.hide();
    this.renderReply(undefined);
    this.autosize();
  }

  private submit(): void {
    const id = this.target?.id;
    const d = this.draft();
    const text = this.input.value;
    if (!id || !d || !text.trim() || this.input.disabled) return;
    const problem = this.handlers.send(id, { ...d, text });
    if (problem) {
      this.error.textContent = problem;
      this.error.hidden = false;
      return;
    }
    this.typing.sent();
    this.clear(id);
    this.input.focus({ preventScroll: true });
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 160)}px`;
  }
}

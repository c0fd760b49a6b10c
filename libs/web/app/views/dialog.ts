import { append, h, type Child } from '../dom.js';
import { describeError } from '../errors.js';
import { icon } from '../icons.js';

export interface DialogHandle {
  readonly el: HTMLElement;
  close(): void;
  /** Shows an error sentence inside the dialog. */
  error(text: string | undefined): void;
  /** Runs `task` with the submit button busy; errors are shown in the dialog; closes on success. */
  run(submit: HTMLButtonElement, busyText: string, task: () => Promise<void>): void;
}

let current: DialogHandle | undefined;

/** A modal dialog over the app. Escape or a click outside closes it. */
export function openDialog(title: string, testid: string, build: (d: DialogHandle) => Child[]): DialogHandle {
  current?.close();
  const previousFocus = document.activeElement as HTMLElement | null;
  const errorEl = h('p', { class: 'form-error', testid: 'dialog-error', role: 'alert', hidden: true });
  const body = h('div', { class: 'dialog-body' });
  const titleId = `dlg-${testid}`;
  const panel = h(
    'div',
    { class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, testid },
    h(
      'header',
      { class: 'dialog-head' },
      h('h2', { id: titleId }, title),
      h(
        'button',
        {
          class: 'icon-btn',
          type: 'button',
          'aria-label': 'Close',
          testid: 'dialog-close',
          onclick: () => handle.close(),
        },
        icon('close'),
      ),
    ),
    body,
    errorEl,
  );
  const overlay = h('div', { class: 'overlay', testid: 'dialog-overlay' }, panel);
  const onKey = (ev: KeyboardEvent): void => {
    if (ev.key === 'Escape') handle.close();
  };
  overlay.addEventListener('mousedown', (ev) => {
    if (ev.target === overlay) handle.close();
  });
  const handle: DialogHandle = {
    el: panel,
    close() {
      overlay.remove();
      document.removeEventListener('keydown', onKey);
      if (current === handle) current = undefined;
      previousFocus?.focus?.({ preventScroll: true });
    },
    error(text) {
      errorEl.textContent = text ?? '';
      errorEl.hidden = !text;
    },
    run(submit, busyText, task) {
      const label = submit.textContent ?? '';
      submit.disabled = true;
      submit.textContent = busyText;
      handle.error(undefined);
      task().then(
        () => handle.close(),
        (e: unknown) => {
          handle.error(describeError(e));
          submit.disabled = false;
          submit.textContent = label;
        },
      );
    },
  };
  append(body, build(handle));
  document.addEventListener('keydown', onKey);
  document.body.append(overlay);
  current = handle;
  panel.querySelector<HTMLElement>('input, textarea, button:not(.icon-btn)')?.focus();
  return handle;
}

export function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h(
    'label',
    { class: 'field' },
    h('span', { class: 'field-label' }, label),
    input,
    hint ? h('span', { class: 'field-hint' }, hint) : null,
  );
}

/** Asks before something that cannot be undone; `action` runs with the button busy and closes on success. */
export function confirmDialog(
  title: string,
  testid: string,
  text: string,
  confirmLabel: string,
  action: () => Promise<void>,
): void {
  openDialog(title, testid, (d) => {
    const submit = h('button', { class: 'btn btn-danger', type: 'submit', testid: `${testid}-confirm` }, confirmLabel);
    const form = h(
      'form',
      { class: 'dialog-form' },
      h('p', {}, text),
      h('div', { class: 'dialog-actions' }, h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), submit),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      d.run(submit, 'Working…', action);
    });
    return [form];
  });
}

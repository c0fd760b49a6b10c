import { h, setText } from '../dom.js';
import { describeError } from '../errors.js';
import type { Social } from '../social.js';
import type { AppState } from '../state.js';
import { field, openDialog } from './dialog.js';
import { pageFrame, showStatus, statusLine } from './page.js';

export interface AccountPageHandlers {
  back(): void;
  /** The login is gone: back to the login screen. */
  deleted(): void;
}

/** The login: its email (add and verify with a mailed 6-digit code), its password, and deleting it. */
export class AccountPage {
  readonly el: HTMLElement;
  private readonly username = h('strong', { testid: 'account-username' });
  private readonly email = h('span', { testid: 'account-email' });

  constructor(social: Social, handlers: AccountPageHandlers) {
    // Email: step 1 sends a code to the address, step 2 confirms the code.
    const emailInput = h('input', { type: 'email', testid: 'email-input', maxlength: 254, autocomplete: 'email', placeholder: 'you@example.com' });
    const emailSend = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'email-send' }, 'Send code');
    const codeInput = h('input', { testid: 'email-code-input', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6, pattern: '[0-9]{6}', placeholder: '6 digits' });
    const codeSubmit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'email-code-submit' }, 'Verify');
    const emailStatus = statusLine('email-status');
    const codeForm = h('form', { class: 'inline-form', novalidate: true, testid: 'email-code-form', hidden: true }, field('Code from the email', codeInput), codeSubmit);
    const emailForm = h('form', { class: 'inline-form', novalidate: true, testid: 'email-form' }, field('Email address', emailInput), emailSend);
    emailForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const email = emailInput.value.trim();
      if (!/^[^\s@]+@[^\s@]+$/.test(email)) return showStatus(emailStatus, 'Enter an email address like you@example.com.', 'error');
      busy(emailSend, social.requestEmailCode(email)).then(
        () => {
          codeForm.hidden = false;
          codeInput.focus();
          showStatus(emailStatus, `We sent a 6-digit code to ${email}. It works once, for a few minutes.`);
        },
        (e: unknown) => showStatus(emailStatus, describeError(e), 'error'),
      );
    });
    codeForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const code = codeInput.value.trim();
      if (!/^[0-9]{6}$/.test(code)) return showStatus(emailStatus, 'The code is 6 digits.', 'error');
      busy(codeSubmit, social.verifyEmail(code)).then(
        () => {
          codeForm.hidden = true;
          codeInput.value = '';
          emailInput.value = '';
          showStatus(emailStatus, 'Your email address is verified. You can log in with it and reset your password by email.');
        },
        (e: unknown) => showStatus(emailStatus, describeError(e), 'error'),
      );
    });

    const current = h('input', { type: 'password', testid: 'password-current', autocomplete: 'current-password', maxlength: 256 });
    const next = h('input', { type: 'password', testid: 'password-new', autocomplete: 'new-password', maxlength: 256, placeholder: 'At least 8 characters' });
    const passwordSubmit = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'password-submit' }, 'Change password');
    const passwordStatus = statusLine('password-status');
    const passwordForm = h('form', { class: 'stack-form', novalidate: true, testid: 'password-form' }, field('Current password', current), field('New password', next), h('div', {}, passwordSubmit), passwordStatus);
    passwordForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!current.value) return showStatus(passwordStatus, 'Enter your current password.', 'error');
      if ([...next.value].length < 8) return showStatus(passwordStatus, 'Choose a new password of at least 8 characters.', 'error');
      busy(passwordSubmit, social.changePassword(current.value, next.value)).then(
        () => {
          current.value = '';
          next.value = '';
          showStatus(passwordStatus, 'Password changed. Your other devices were signed out.');
        },
        (e: unknown) => showStatus(passwordStatus, describeError(e), 'error'),
      );
    });

    const remove = h('button', { class: 'btn btn-danger', type: 'button', testid: 'delete-login' }, 'Delete login…');
    remove.addEventListener('click', () =>
      openDialog('Delete your login?', 'delete-login-dialog', (d) => {
        const password = h('input', { type: 'password', testid: 'delete-login-password', autocomplete: 'current-password', maxlength: 256 });
        const submit = h('button', { class: 'btn btn-danger', type: 'submit', testid: 'delete-login-confirm' }, 'Delete everything');
        const form = h(
          'form',
          { class: 'dialog-form', novalidate: true },
          h('p', {}, 'All your profiles, friends and settings are deleted, and your email and password are erased for good. Messages you sent stay in their conversations. This cannot be undone.'),
          field('Password', password),
          h('div', { class: 'dialog-actions' }, h('button', { class: 'btn', type: 'button', onclick: () => d.close() }, 'Cancel'), submit),
        );
        form.addEventListener('submit', (ev) => {
          ev.preventDefault();
          if (!password.value) return d.error('Enter your password to confirm.');
          d.run(submit, 'Deleting…', async () => {
            await social.deleteLogin(password.value);
            handlers.deleted();
          });
        });
        return [form];
      }),
    );

    this.el = pageFrame(
      'account-page',
      'Account',
      () => handlers.back(),
      section('Login', h('p', {}, 'Username: ', this.username), h('p', {}, 'Email: ', this.email)),
      section('Email address', h('p', { class: 'muted' }, 'A verified email lets you log in with it and reset a forgotten password.'), emailForm, codeForm, emailStatus),
      section('Password', passwordForm),
      section('Delete login', h('p', { class: 'muted' }, 'Deletes the login with all its profiles.'), remove),
    );
  }

  update(state: AppState): void {
    setText(this.username, state.login?.username ?? '…');
    setText(this.email, state.login ? (state.login.email ?? 'none verified') : '…');
    this.email.dataset['verified'] = String(!!state.login?.email);
  }
}

function section(title: string, ...body: Node[]): HTMLElement {
  return h('section', { class: 'page-section' }, h('h2', { class: 'section-title' }, title), ...body);
}

/** Runs `task` with `button` disabled. */
function busy<T>(button: HTMLButtonElement, task: Promise<T>): Promise<T> {
  button.disabled = true;
  return task.finally(() => (button.disabled = false));
}

import { h } from '../dom.js';
import { describeError } from '../errors.js';
import { usernameProblem } from './common.js';
import { field, openDialog } from './dialog.js';

/** The optional parts of a new account. */
export interface RegisterDetails {
  displayName?: string;
  email?: string;
}

export interface AuthHandlers {
  /** `username` is the username or the verified email address. */
  login(username: string, password: string): Promise<void>;
  register(username: string, password: string, details: RegisterDetails): Promise<void>;
  requestReset(login: string): Promise<void>;
  confirmReset(login: string, code: string, password: string): Promise<void>;
}

/** The login / create-account screen. `message` is shown on top (e.g. "your session ended"). */
export function authView(handlers: AuthHandlers, message?: string): HTMLElement {
  let mode: 'login' | 'register' = 'login';
  const username = h('input', {
    id: 'auth-username',
    testid: 'auth-username',
    name: 'username',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    required: true,
    maxlength: 254,
    placeholder: 'Username or email',
  });
  const displayName = h('input', { id: 'auth-display-name', testid: 'auth-display-name', maxlength: 64, autocomplete: 'name', placeholder: 'Optional: how others see you' });
  const email = h('input', { id: 'auth-email', testid: 'auth-email', type: 'email', maxlength: 254, autocomplete: 'email', placeholder: 'Optional: for login and password reset' });
  const registerOnly = h(
    'div',
    { class: 'register-only', hidden: true },
    h('label', { class: 'field', for: 'auth-display-name' }, h('span', { class: 'field-label' }, 'Display name'), displayName),
    h('label', { class: 'field', for: 'auth-email' }, h('span', { class: 'field-label' }, 'Email'), email),
  );
  const forgot = h('button', { type: 'button', class: 'link-btn forgot', testid: 'auth-forgot' }, 'Forgot your password?');
  forgot.addEventListener('click', () =>
    resetDialog(handlers, username.value.trim(), () => {
      info.textContent = 'Your password was changed. Log in with the new one.';
      info.hidden = false;
      error.hidden = true;
    }),
  );
  const password = h('input', {
    id: 'auth-password',
    testid: 'auth-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 256,
    placeholder: 'At least 8 characters',
  });
  const error = h('p', { class: 'form-error', testid: 'auth-error', role: 'alert', hidden: true });
  const info = h('p', { class: 'form-info', testid: 'auth-info', hidden: !message }, message ?? '');
  const submit = h(
    'button',
    { class: 'btn btn-primary btn-block', type: 'submit', testid: 'auth-submit' },
    'Log in',
  );
  const hint = h(
    'p',
    { class: 'field-hint', hidden: true },
    '3-32 characters: lowercase letters, digits, _ . -',
  );
  const loginTab = h(
    'button',
    { type: 'button', class: 'tab active', testid: 'auth-mode-login', role: 'tab', 'aria-selected': 'true' },
    'Log in',
  );
  const registerTab = h(
    'button',
    { type: 'button', class: 'tab', testid: 'auth-mode-register', role: 'tab', 'aria-selected': 'false' },
    'Create account',
  );

  const setMode = (next: 'login' | 'register'): void => {
    mode = next;
    loginTab.classList.toggle('active', mode === 'login');
    registerTab.classList.toggle('active', mode === 'register');
    loginTab.setAttribute('aria-selected', String(mode === 'login'));
    registerTab.setAttribute('aria-selected', String(mode === 'register'));
    submit.textContent = mode === 'login' ? 'Log in' : 'Create account';
    password.setAttribute('autocomplete', mode === 'login' ? 'current-password' : 'new-password');
    hint.hidden = mode === 'login';
    registerOnly.hidden = mode === 'login';
    forgot.hidden = mode === 'register';
    username.placeholder = mode === 'login' ? 'Username or email' : 'e.g. alice';
    error.hidden = true;
  };
  loginTab.addEventListener('click', () => setMode('login'));
  registerTab.addEventListener('click', () => setMode('register'));

  const showError = (text: string): void => {
    error.textContent = text;
    error.hidden = false;
    info.hidden = true;
  };

  const form = h(
    'form',
    { class: 'auth-form', novalidate: true, testid: 'auth-form' },
    h('div', { class: 'tabs', role: 'tablist' }, loginTab, registerTab),
    info,
    h(
      'label',
      { class: 'field', for: 'auth-username' },
      h('span', { class: 'field-label' }, 'Username'),
      username,
      hint,
    ),
    h(
      'label',
      { class: 'field', for: 'auth-password' },
      h('span', { class: 'field-label' }, 'Password'),
      password,
    ),
    registerOnly,
    error,
    submit,
    forgot,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = mode === 'register' || !username.value.includes('@') ? username.value.trim().toLowerCase() : username.value.trim();
    const pass = password.value;
    const problem = mode === 'register' ? usernameProblem(name) : name ? undefined : 'Enter your username or email.';
    const mail = email.value.trim();
    if (mode === 'register' && mail && !/^[^\s@]+@[^\s@]+$/.test(mail)) return showError('Enter an email address like you@example.com, or leave it empty.');
    if (problem) return showError(problem);
    if (mode === 'register' && (pass.length < 8 || pass.length > 256))
      return showError('Choose a password of at least 8 characters.');
    if (mode === 'login' && !pass) return showError('Enter your password.');
    submit.disabled = true;
    submit.textContent = mode === 'login' ? 'Logging in…' : 'Creating account…';
    error.hidden = true;
    const details: RegisterDetails = { ...(displayName.value.trim() ? { displayName: displayName.value.trim() } : {}), ...(mail ? { email: mail } : {}) };
    (mode === 'login' ? handlers.login(name, pass) : handlers.register(name, pass, details)).catch((e: unknown) => {
      showError(describeError(e));
      submit.disabled = false;
      setMode(mode);
      error.hidden = false;
    });
  });

  return h(
    'div',
    { class: 'auth-screen', testid: 'auth-screen' },
    h(
      'div',
      { class: 'auth-card' },
      h(
        'div',
        { class: 'brand' },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'P'),
        h('span', { class: 'brand-name' }, 'Parley'),
      ),
      h('p', { class: 'auth-tagline' }, 'Chat with people and groups, in real time.'),
      form,
    ),
  );
}

/** Password reset: a code is mailed to the login's verified email, then the code and a new password. */
function resetDialog(handlers: AuthHandlers, given: string, done: () => void): void {
  openDialog('Reset your password', 'reset-dialog', (d) => {
    const login = h('input', { testid: 'reset-login', maxlength: 254, value: given, autocomplete: 'username', placeholder: 'Username or email' });
    const send = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'reset-send' }, 'Send code');
    const code = h('input', { testid: 'reset-code', inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code', placeholder: '6 digits' });
    const password = h('input', { testid: 'reset-password', type: 'password', maxlength: 256, autocomplete: 'new-password', placeholder: 'At least 8 characters' });
    const confirm = h('button', { class: 'btn btn-primary', type: 'submit', testid: 'reset-confirm' }, 'Set new password');
    const info = h('p', { class: 'form-info', testid: 'reset-info', hidden: true });
    const step2 = h('form', { class: 'dialog-form', novalidate: true, hidden: true }, info, field('Code', code), field('New password', password), h('div', { class: 'dialog-actions' }, confirm));
    const step1 = h('form', { class: 'dialog-form', novalidate: true }, field('Username or email', login, 'We mail a code to the login’s verified email address.'), h('div', { class: 'dialog-actions' }, send));
    step1.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const name = login.value.trim();
      if (!name) return d.error('Enter your username or email.');
      send.disabled = true;
      d.error(undefined);
      handlers.requestReset(name).then(
        () => {
          step1.hidden = true;
          step2.hidden = false;
          info.textContent = 'If this login has a verified email, a 6-digit code is on its way. Enter it with your new password.';
          info.hidden = false;
          code.focus();
        },
        (e: unknown) => {
          d.error(describeError(e));
          send.disabled = false;
        },
      );
    });
    step2.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!/^[0-9]{6}$/.test(code.value.trim())) return d.error('The code is 6 digits.');
      if ([...password.value].length < 8) return d.error('Choose a password of at least 8 characters.');
      d.run(confirm, 'Saving…', async () => {
        await handlers.confirmReset(login.value.trim(), code.value.trim(), password.value);
        done();
      });
    });
    return [step1, step2];
  });
}

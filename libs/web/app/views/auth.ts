import { h } from '../dom.js';
import { describeError } from '../errors.js';
import { usernameProblem } from './common.js';

export interface AuthHandlers {
  login(username: string, password: string): Promise<void>;
  register(username: string, password: string): Promise<void>;
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
    maxlength: 32,
    placeholder: 'e.g. alice',
  });
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
    error,
    submit,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = username.value.trim().toLowerCase();
    const pass = password.value;
    const problem = mode === 'register' ? usernameProblem(name) : name ? undefined : 'Enter your username.';
    if (problem) return showError(problem);
    if (mode === 'register' && (pass.length < 8 || pass.length > 256))
      return showError('Choose a password of at least 8 characters.');
    if (mode === 'login' && !pass) return showError('Enter your password.');
    submit.disabled = true;
    submit.textContent = mode === 'login' ? 'Logging in…' : 'Creating account…';
    error.hidden = true;
    (mode === 'login' ? handlers.login(name, pass) : handlers.register(name, pass)).catch((e: unknown) => {
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

import { h } from '../dom.js';
import { hue, initials } from '../format.js';

/** A round avatar with initials, colored by name. */
export function avatar(
  name: string,
  size: 'sm' | 'md' | 'lg' = 'md',
  shape: 'round' | 'square' = 'round',
): HTMLElement {
  const el = h(
    'span',
    { class: `avatar avatar-${size} avatar-${shape}`, 'aria-hidden': 'true' },
    initials(name),
  );
  el.style.setProperty('--hue', String(hue(name)));
  return el;
}

export function updateAvatar(el: HTMLElement, name: string): void {
  const text = initials(name);
  if (el.textContent !== text) el.textContent = text;
  el.style.setProperty('--hue', String(hue(name)));
}

/** Username/room validation shared by forms, with messages that say what is allowed. */
export const USERNAME_RULE = /^[a-z0-9_.-]{3,32}$/;
export const ROOM_RULE = /^[A-Za-z0-9_-]{1,64}$/;

export function usernameProblem(name: string): string | undefined {
  if (!name) return 'Enter a username.';
  if (USERNAME_RULE.test(name)) return undefined;
  if (name.length < 3 || name.length > 32) return 'A username is 3 to 32 characters long.';
  return 'A username may only use lowercase letters, digits, and _ . -';
}

/** Splits "alice, bob carol" into usernames. */
export function parseNames(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((s) => s.trim().replace(/^@/, '').toLowerCase())
        .filter(Boolean),
    ),
  ];
}

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

/**
 * Updates an avatar's initials and color: the color the person chose (`initials:#rrggbb`), else a hue
 * derived from the name.
 */
export function updateAvatar(el: HTMLElement, name: string, spec = ''): void {
  const text = initials(name);
  if (el.textContent !== text) el.textContent = text;
  el.style.setProperty('--hue', String(hue(name)));
  const color = avatarColor(spec);
  if (color) el.style.setProperty('--avatar-color', color);
  else el.style.removeProperty('--avatar-color');
  el.classList.toggle('avatar-colored', !!color);
}

/** The color of an `initials:#rrggbb` avatar, or undefined. */
export function avatarColor(spec: string): string | undefined {
  return /^initials:(#[0-9a-fA-F]{6})$/.exec(spec)?.[1];
}

/** An avatar for a profile: its display name's initials in its chosen color. */
export function profileAvatar(name: string, spec: string, size: 'sm' | 'md' | 'lg' = 'md'): HTMLElement {
  const el = avatar(name, size);
  updateAvatar(el, name, spec);
  return el;
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

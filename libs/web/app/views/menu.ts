import { h } from '../dom.js';
import { icon } from '../icons.js';

export type MenuItem =
  | {
      label: string;
      testid: string;
      onSelect: () => void;
      icon?: string;
      danger?: boolean;
      /** Shown with a check mark (e.g. the current profile, the mute duration in effect). */
      checked?: boolean;
      /** More attributes for the item's button (e.g. data-profile-id). */
      attrs?: Record<string, string>;
    }
  | { heading: string }
  | 'separator';

let current: { close(): void } | undefined;

/**
 * A popup menu under (or above) `anchor`: arrow keys move, Escape or a click outside closes it, choosing
 * an item closes it and runs the item.
 */
export function openMenu(anchor: HTMLElement, testid: string, items: readonly MenuItem[], label: string): void {
  current?.close();
  const buttons: HTMLButtonElement[] = [];
  const menu = h('div', { class: 'menu', role: 'menu', 'aria-label': label, testid, id: testid });
  for (const item of items) {
    if (item === 'separator') {
      menu.append(h('div', { class: 'menu-sep', role: 'separator' }));
      continue;
    }
    if ('heading' in item) {
      menu.append(h('div', { class: 'menu-heading' }, item.heading));
      continue;
    }
    const button = h(
      'button',
      {
        type: 'button',
        class: `menu-item${item.danger ? ' danger' : ''}`,
        role: item.checked === undefined ? 'menuitem' : 'menuitemradio',
        'aria-checked': item.checked === undefined ? undefined : String(item.checked),
        testid: item.testid,
        ...item.attrs,
      },
      item.icon ? icon(item.icon, 16) : h('span', { class: 'menu-icon-gap' }),
      h('span', { class: 'menu-label' }, item.label),
      item.checked ? icon('check', 16) : null,
    );
    button.addEventListener('click', (ev) => {
      ev.stopPropagation();
      close();
      item.onSelect();
    });
    buttons.push(button);
    menu.append(button);
  }
  const onDown = (ev: MouseEvent): void => {
    if (!menu.contains(ev.target as Node) && !anchor.contains(ev.target as Node)) close();
  };
  const onKey = (ev: KeyboardEvent): void => {
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (ev.key === 'Escape') {
      close();
      anchor.focus();
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      const next = (at + (ev.key === 'ArrowDown' ? 1 : -1) + buttons.length) % buttons.length;
      buttons[next]?.focus();
    }
  };
  const close = (): void => {
    menu.remove();
    document.removeEventListener('mousedown', onDown, true);
    document.removeEventListener('keydown', onKey);
    anchor.setAttribute('aria-expanded', 'false');
    if (current === handle) current = undefined;
  };
  const handle = { close };
  current = handle;
  document.body.append(menu);
  const r = anchor.getBoundingClientRect();
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  const left = Math.max(8, Math.min(r.left, window.innerWidth - width - 8));
  const below = r.bottom + 4 + height <= window.innerHeight;
  menu.style.left = `${left}px`;
  menu.style.top = `${below ? r.bottom + 4 : Math.max(8, r.top - height - 4)}px`;
  anchor.setAttribute('aria-expanded', 'true');
  document.addEventListener('mousedown', onDown, true);
  document.addEventListener('keydown', onKey);
  buttons[0]?.focus({ preventScroll: true });
}

export function closeMenu(): void {
  current?.close();
}

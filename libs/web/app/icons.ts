/** Inline SVG icons (static markup built with DOM calls; no user data involved). */
const PATHS: Record<string, string> = {
  chat: 'M4 4h16v11H8l-4 4z',
  group:
    'M9 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm7 0a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zM3 19c0-3 3-5 6-5s6 2 6 5zm13 0c0-1.6-.6-3-1.7-4 .6-.2 1.1-.2 1.7-.2 2.5 0 5 1.6 5 4.2z',
  hash: 'M9 3 7 21M17 3l-2 18M4 8.5h17M3 15.5h17',
  send: 'M3 20 21 12 3 4l2.5 8zM5.5 12H13',
  back: 'M15 5l-7 7 7 7',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10',
  people: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 8c0-3.5 3.5-6 7-6s7 2.5 7 6',
  add: 'M12 5v14M5 12h14',
  leave: 'M10 4H5v16h5M14 8l4 4-4 4M18 12H9',
  close: 'M6 6l12 12M18 6 6 18',
  copy: 'M8 8h11v12H8zM5 16V4h11',
  more: 'M12 5.5v.01M12 12v.01M12 18.5v.01',
  pin: 'M9 4h6l-1 6 4 3v2H6v-2l4-3zM12 15v6',
  muted: 'M11 5 6 9H3v6h3l5 4zM16 9l5 6M21 9l-5 6',
  hide: 'M3 3l18 18M10.6 6.1A9.6 9.6 0 0 1 12 6c5 0 9 6 9 6a16 16 0 0 1-2.6 3.2M6.6 6.6C4.3 8.1 3 12 3 12s4 6 9 6c1.6 0 3-.4 4.3-1.1M9.9 9.9a3 3 0 0 0 4.2 4.2',
  edit: 'M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4',
  friends: 'M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zM2 20c0-3.6 3.1-6 7-6s7 2.4 7 6M16 4.5a3.5 3.5 0 0 1 0 6.5M19 14.5c1.8.9 3 2.8 3 5.5',
  userPlus: 'M10 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM3 20c0-3.5 3.1-6 7-6 1.4 0 2.6.3 3.7.8M19 14v6M16 17h6',
  devices: 'M3 5h14v10H3zM1 19h18M19 9h4v11h-4z',
  account: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4 3.6-7 8-7s8 3 8 7',
  block: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM5.6 5.6l12.8 12.8',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  chevron: 'M6 9l6 6 6-6',
  message: 'M4 4h16v11H8l-4 4z',
  megaphone: 'M3 10v4h3l9 5V5L6 10zM18 9.5a3.5 3.5 0 0 1 0 5M6 14l1.5 5h3L9 15.5',
  list: 'M8 6h13M8 12h13M8 18h13M3.5 6h.01M3.5 12h.01M3.5 18h.01',
  settings: 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19 12l2-1.2-2-3.5-2.2.7a7 7 0 0 0-1.6-.9L14.7 5h-4l-.5 2.1a7 7 0 0 0-1.6.9l-2.2-.7-2 3.5L6.4 12l-2 1.2 2 3.5 2.2-.7c.5.4 1 .7 1.6.9l.5 2.1h4l.5-2.1c.6-.2 1.1-.5 1.6-.9l2.2.7 2-3.5z',
  link: 'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1',
  inbox: 'M3 13h5l1.5 3h5l1.5-3h5M5 5h14l2 8v6H3v-6z',
  reply: 'M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z',
  forward: 'M14 9V5l7 7-7 7v-4.1c-5 0-8.5 1.6-11 5.1 1-5 4-10 11-11z',
  smile: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM8 14.5c1 1.3 2.4 2 4 2s3-.7 4-2M9 9.5v.01M15 9.5v.01',
  undo: 'M9 14 4 9l5-5M4 9h10.5a5.5 5.5 0 0 1 0 11H11',
  attach: 'M20.5 11.5l-8.2 8.2a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8',
  file: 'M6 3h8l4 4v14H6zM14 3v4h4',
  download: 'M12 4v11M7 10l5 5 5-5M5 20h14',
  retry: 'M4 12a8 8 0 1 0 2.3-5.7M4 4v4.5h4.5',
};

export type IconName = keyof typeof PATHS;

export function icon(name: string, size = 18): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', PATHS[name] ?? '');
  svg.appendChild(path);
  return svg;
}

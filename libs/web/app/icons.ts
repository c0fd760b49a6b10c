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

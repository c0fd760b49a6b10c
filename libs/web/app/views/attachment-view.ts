import { ParleyClientError, type Attachment, type AttachmentVariant } from '@parley/sdk';
import { h } from '../dom.js';
import { formatBytes, formatDuration } from '../format.js';
import { icon } from '../icons.js';
import { attachmentLabel } from '../uploads.js';

/** A download URL of the message's file: cached until shortly before it expires, or asked for again (`fresh`). */
export type MediaUrl = (variant: AttachmentVariant, fresh?: boolean) => Promise<string>;

/** Inline images fit this box (the server's thumbnails are made to fit it). */
const BOX = 320;

/**
 * A received file as its kind shows it: an image's thumbnail (a click opens the original in a viewer), a
 * voice message's and a video's player, any other file's download link with its name and size; then the
 * caption, unless it is only the "[Image] name" a message without one says. Each URL is asked for when the
 * element comes into view, and again when loading it fails (they expire after a few minutes).
 */
export function attachmentView(a: Attachment, content: string, media: MediaUrl, caption: HTMLElement): HTMLElement {
  const el = h('div', {
    class: 'attachment',
    testid: 'attachment',
    'data-kind': a.kind,
    'data-name': a.name,
    'data-size': a.size,
    'data-mime': a.mime,
    'data-state': 'loading',
  });
  const failed = (): void => {
    el.dataset['state'] = 'error';
    el.querySelector('.attachment-unavailable')?.remove();
    el.prepend(h('p', { class: 'attachment-unavailable muted', testid: 'attachment-unavailable' }, 'This file is not available.'));
  };
  const loaded = (): void => {
    el.dataset['state'] = 'loaded';
    el.querySelector('.attachment-unavailable')?.remove();
  };
  switch (a.kind) {
    case 'image':
      el.append(image(a, media, loaded, failed));
      break;
    case 'voice': {
      const audio = h('audio', { controls: true, preload: 'none', testid: 'attachment-audio', 'aria-label': `Voice message ${a.name}` });
      el.append(audio, h('div', { class: 'attachment-meta' }, icon('file', 14), h('span', { class: 'attachment-name' }, a.name), a.durationMs !== undefined ? h('span', { class: 'attachment-duration', testid: 'attachment-duration' }, `· ${formatDuration(a.durationMs)}`) : null));
      playable(audio, media, loaded, failed);
      break;
    }
    case 'video': {
      const video = h('video', { controls: true, preload: 'metadata', playsinline: true, testid: 'attachment-video', 'aria-label': `Video ${a.name}`, ...fit(a.width, a.height, 360) });
      el.append(video);
      playable(video, media, loaded, failed);
      break;
    }
    case 'file':
      el.append(fileLink(a, media, loaded, failed));
      break;
  }
  caption.classList.add('attachment-caption');
  // The caption stays in the tree (hidden) when it only names the file: Edit swaps it for an editor.
  caption.hidden = content === attachmentLabel(a.kind, a.name);
  el.append(caption);
  return el;
}

/** width/height attributes that reserve an element's space (fitting `max` px), so the timeline does not jump when it loads. */
function fit(width: number | undefined, height: number | undefined, max: number): { width?: number; height?: number } {
  if (!width || !height) return {};
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

function image(a: Attachment, media: MediaUrl, loaded: () => void, failed: () => void): HTMLElement {
  const size = a.thumbnail ? fit(a.thumbnail.width, a.thumbnail.height, BOX) : fit(a.width, a.height, BOX);
  const img = h('img', { alt: a.name, testid: 'attachment-thumbnail', decoding: 'async', ...size });
  const open = h('button', { class: 'attachment-thumb', type: 'button', testid: 'attachment-open', title: `Open ${a.name}`, 'aria-label': `Open image ${a.name}` }, img);
  open.addEventListener('click', () => openViewer(a, media));
  let variant: AttachmentVariant = a.thumbnail ? 'thumbnail' : 'original';
  let tries = 0;
  const show = (fresh: boolean): void => {
    media(variant, fresh).then(
      (url) => {
        img.dataset['variant'] = variant;
        img.src = url;
      },
      (e: unknown) => {
        // No thumbnail after all: the original will do.
        if (variant === 'thumbnail' && e instanceof ParleyClientError && e.code === 'not_found') {
          variant = 'original';
          return show(false);
        }
        failed();
      },
    );
  };
  img.addEventListener('load', () => {
    tries = 0;
    loaded();
  });
  img.addEventListener('error', () => (++tries <= 2 ? show(true) : failed()));
  whenVisible(open, () => show(false));
  return open;
}

/** An <audio> or <video> whose source is set when it comes into view, and renewed (keeping its place) when it fails. */
function playable(el: HTMLMediaElement, media: MediaUrl, loaded: () => void, failed: () => void): void {
  let tries = 0;
  // Whether the user started it: a renewed source goes on playing.
  let wanted = false;
  el.addEventListener('play', () => (wanted = true));
  el.addEventListener('pause', () => (wanted = false));
  el.addEventListener('ended', () => (wanted = false));
  const show = (fresh: boolean): void => {
    const at = el.currentTime;
    const resume = fresh && wanted;
    media('original', fresh).then((url) => {
      el.src = url;
      if (at > 0) el.addEventListener('loadedmetadata', () => (el.currentTime = at), { once: true });
      // Playing loads it (an <audio preload="none"> loads nothing before).
      if (resume) void el.play().catch(() => undefined);
    }, failed);
  };
  el.addEventListener('loadedmetadata', () => {
    tries = 0;
    loaded();
  });
  // A URL that expired while it waited fails on play (or on a seek): a fresh one, then on from where it was.
  el.addEventListener('error', () => (++tries <= 2 ? show(true) : failed()));
  whenVisible(el, () => show(false));
}

function fileLink(a: Attachment, media: MediaUrl, loaded: () => void, failed: () => void): HTMLElement {
  const link = h(
    'a',
    { class: 'attachment-file', testid: 'attachment-file', download: a.name, href: '#', title: `Download ${a.name}` },
    h('span', { class: 'attachment-file-icon' }, icon('file', 22)),
    h('span', { class: 'attachment-file-text' }, h('span', { class: 'attachment-name', testid: 'attachment-file-name' }, a.name), h('span', { class: 'attachment-file-size muted', testid: 'attachment-file-size' }, formatBytes(a.size))),
    h('span', { class: 'attachment-file-download' }, icon('download', 18)),
  );
  let ready = false;
  const set = (fresh: boolean): Promise<void> =>
    media('original', fresh).then((url) => {
      link.href = url;
      loaded();
    });
  // Every click makes sure of an unexpired URL first (the cached one when it still is).
  link.addEventListener('click', (ev) => {
    if (ready) {
      ready = false;
      return;
    }
    ev.preventDefault();
    set(false).then(() => {
      ready = true;
      link.click();
    }, failed);
  });
  whenVisible(link, () => void set(false).catch(failed));
  return link;
}

let viewerOpen: (() => void) | undefined;

/** The original image over the app: Escape, the close button or a click beside it closes it. */
export function openViewer(a: Attachment, media: MediaUrl): void {
  viewerOpen?.();
  const previousFocus = document.activeElement as HTMLElement | null;
  const img = h('img', { class: 'media-viewer-image', testid: 'media-viewer-image', alt: a.name, ...fit(a.width, a.height, 4096) });
  const download = h('a', { class: 'btn btn-sm', testid: 'media-viewer-download', download: a.name, href: '#' }, icon('download', 16), 'Download');
  const close = h('button', { class: 'icon-btn media-viewer-close', type: 'button', testid: 'media-viewer-close', 'aria-label': 'Close', title: 'Close (Esc)' }, icon('close'));
  const overlay = h(
    'div',
    { class: 'overlay media-viewer', testid: 'media-viewer', role: 'dialog', 'aria-modal': 'true', 'aria-label': a.name, 'data-state': 'loading' },
    h('figure', { class: 'media-viewer-figure' }, img, h('figcaption', { class: 'media-viewer-bar' }, h('span', { class: 'media-viewer-name', testid: 'media-viewer-name' }, a.name), h('span', { class: 'muted' }, formatBytes(a.size)), download, close)),
  );
  const onKey = (ev: KeyboardEvent): void => {
    if (ev.key === 'Escape') {
      ev.stopPropagation();
      shut();
    }
  };
  const shut = (): void => {
    overlay.remove();
    document.removeEventListener('keydown', onKey, true);
    if (viewerOpen === shut) viewerOpen = undefined;
    previousFocus?.focus?.({ preventScroll: true });
  };
  viewerOpen = shut;
  let tries = 0;
  const show = (fresh: boolean): void => {
    media('original', fresh).then(
      (url) => {
        img.src = url;
        download.href = url;
      },
      () => (overlay.dataset['state'] = 'error'),
    );
  };
  img.addEventListener('load', () => (overlay.dataset['state'] = 'loaded'));
  img.addEventListener('error', () => (++tries <= 2 ? show(true) : (overlay.dataset['state'] = 'error')));
  close.addEventListener('click', shut);
  overlay.addEventListener('mousedown', (ev) => {
    if (ev.target === overlay || ev.target === overlay.firstElementChild) shut();
  });
  document.addEventListener('keydown', onKey, true);
  document.body.append(overlay);
  show(false);
  close.focus({ preventScroll: true });
}

let observer: IntersectionObserver | undefined;
const waiting = new WeakMap<Element, () => void>();

/** Runs `run` once `el` comes near the visible part of the page (at once where that cannot be told). */
function whenVisible(el: Element, run: () => void): void {
  if (typeof IntersectionObserver === 'undefined') return run();
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer?.unobserve(entry.target);
        const f = waiting.get(entry.target);
        waiting.delete(entry.target);
        f?.();
      }
    },
    { rootMargin: '300px 0px' },
  );
  waiting.set(el, run);
  observer.observe(el);
}

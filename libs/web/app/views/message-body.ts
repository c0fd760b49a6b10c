import { attachmentOf, type AttachmentVariant, type MessageBody, type MessageFrame } from '@parley/sdk';
import { h, setText, type Child } from '../dom.js';
import { runs } from '../rich-text.js';
import type { Card } from '../state.js';
import { attachmentView } from './attachment-view.js';
import { profileAvatar } from './common.js';

/** What rendering a message body needs from around it. */
export interface BodyContext {
  /** The signed-in profile's id (its mentions are highlighted). */
  readonly me: string | undefined;
  /** A profile for a contact card: looked up on first use, 'loading' until then. */
  card(id: string): Card;
  /** Runs `patch` on each later update until it returns true (for what is looked up after rendering). */
  later(patch: () => boolean): void;
  /** A download URL of a message's file (cached until near its expiry; `fresh`: ask the server again). */
  attachmentUrl(conversation: string, seq: number, variant: AttachmentVariant, fresh?: boolean): Promise<string>;
}

/**
 * A message's content as its kind shows it (docs/PROTOCOL.md "Message kinds"): text with its formatting
 * spans, a file (image, voice, video, file: see attachmentView), a link card, a sticker, a contact card, a
 * news card, a location, a custom message with its type. A kind this client does not know, or a body that is
 * not what its kind declares (an own file not acknowledged yet names its upload), shows the plain content.
 */
export function messageBody(m: Pick<MessageFrame, 'kind' | 'content' | 'body'> & Partial<Pick<MessageFrame, 'conversation' | 'seq'>>, ctx: BodyContext): HTMLElement {
  const body = (typeof m.body === 'object' && m.body !== null ? m.body : {}) as Record<string, unknown>;
  const file = attachmentOf(m);
  const { conversation, seq } = m;
  if (file && conversation !== undefined && seq !== undefined)
    return attachmentView(file, m.content, (variant, fresh) => ctx.attachmentUrl(conversation, seq, variant, fresh), richText(m.content, undefined, ctx.me));
  switch (m.kind) {
    case 'link':
      if (typeof body['url'] === 'string') return linkCard(m.content, body as MessageBody<'link'>);
      break;
    case 'sticker':
      if (typeof body['pack'] === 'string' && typeof body['sticker'] === 'string') return sticker(body as MessageBody<'sticker'>);
      break;
    case 'contact':
      if (typeof body['profile'] === 'string') return contactCard(body['profile'], ctx);
      break;
    case 'news':
      if (typeof body['url'] === 'string' && typeof body['title'] === 'string') return newsCard(body as MessageBody<'news'>);
      break;
    case 'location':
      if (typeof body['latitude'] === 'number' && typeof body['longitude'] === 'number') return locationCard(body as MessageBody<'location'>);
      break;
    case 'custom':
      if (typeof body['type'] === 'string') return h('div', { class: 'custom-message', testid: 'custom-message', 'data-type': body['type'] }, h('span', { class: 'tag', testid: 'custom-type' }, body['type']), h('div', { class: 'msg-text', testid: 'message-text' }, m.content));
      break;
  }
  const spans = m.kind === 'text' && Array.isArray(body['spans']) ? (body['spans'] as MessageBody<'text'>['spans']) : undefined;
  return richText(m.content, spans, ctx.me);
}

/** Text with its spans: bold, italic, strike, code, links and mentions (the user's own marked). */
export function richText(content: string, spans: MessageBody<'text'>['spans'], me: string | undefined): HTMLElement {
  const el = h('div', { class: 'msg-text', testid: 'message-text' });
  if (!spans?.length) {
    el.textContent = content;
    return el;
  }
  for (const run of runs(content, spans)) {
    let node: Child = run.text;
    if (run.styles.has('code')) node = h('code', { class: 'inline-code' }, node);
    if (run.styles.has('strike')) node = h('s', {}, node);
    if (run.styles.has('italic')) node = h('em', {}, node);
    if (run.styles.has('bold')) node = h('strong', {}, node);
    if (run.userId) node = h('span', { class: `mention${run.userId === me ? ' mention-me' : ''}`, testid: 'mention', 'data-user-id': run.userId }, node);
    if (run.href) node = h('a', { href: run.href, target: '_blank', rel: 'noopener noreferrer nofollow', testid: 'message-link' }, node);
    el.append(node);
  }
  return el;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/**
 * An image from another site, loaded only when asked: loading it by itself would tell that site who reads
 * the message (and when).
 */
function remoteImage(url: string | undefined): HTMLElement | null {
  if (!url) return null;
  const button = h('button', { class: 'link-btn card-image-load', type: 'button', testid: 'card-image-load' }, `Show image from ${hostOf(url)}`);
  const box = h('div', { class: 'card-image' }, button);
  button.addEventListener('click', (ev) => {
    ev.preventDefault();
    ev.stopPropagation();
    box.replaceChildren(h('img', { src: url, alt: '', referrerpolicy: 'no-referrer', loading: 'lazy', testid: 'card-image' }));
  });
  return box;
}

function external(url: string, testid: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer nofollow', testid }, ...children);
}

function linkCard(content: string, b: MessageBody<'link'>): HTMLElement {
  return h(
    'div',
    { class: 'msg-card link-card', testid: 'link-card' },
    content.trim() !== b.url ? h('div', { class: 'msg-text card-caption', testid: 'message-text' }, content) : null,
    h(
      'div',
      { class: 'card-box' },
      h('div', { class: 'card-site' }, b.siteName || hostOf(b.url)),
      external(b.url, 'link-card-url', h('span', { class: 'card-title', testid: 'link-card-title' }, b.title || b.url)),
      b.description ? h('p', { class: 'card-summary', testid: 'link-card-description' }, b.description) : null,
      remoteImage(b.imageUrl),
    ),
  );
}

function newsCard(b: MessageBody<'news'>): HTMLElement {
  return h(
    'div',
    { class: 'msg-card news-card', testid: 'news-card' },
    h(
      'div',
      { class: 'card-box' },
      h('div', { class: 'card-site' }, 'News · ', hostOf(b.url)),
      external(b.url, 'news-card-url', h('span', { class: 'card-title', testid: 'news-card-title' }, b.title)),
      b.summary ? h('p', { class: 'card-summary', testid: 'news-card-summary' }, b.summary) : null,
      remoteImage(b.imageUrl),
    ),
  );
}

function sticker(b: MessageBody<'sticker'>): HTMLElement {
  const label = `${b.pack}/${b.sticker}`;
  return h(
    'div',
    { class: `sticker${b.emoji ? ' sticker-emoji' : ''}`, testid: 'sticker', 'data-pack': b.pack, 'data-sticker': b.sticker, title: label, role: 'img', 'aria-label': b.emoji ? `${b.emoji} (${label})` : label },
    b.emoji ?? label,
  );
}

/** https://www.openstreetmap.org with a marker at the point. */
export function mapUrl(latitude: number, longitude: number): string {
  return `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=16/${latitude}/${longitude}`;
}

function locationCard(b: MessageBody<'location'>): HTMLElement {
  const coordinates = `${b.latitude.toFixed(5)}, ${b.longitude.toFixed(5)}`;
  return h(
    'div',
    { class: 'msg-card location-card', testid: 'location-card', 'data-latitude': b.latitude, 'data-longitude': b.longitude },
    h(
      'div',
      { class: 'card-box' },
      h('div', { class: 'card-site' }, '📍 Location'),
      b.name ? h('div', { class: 'card-title', testid: 'location-name' }, b.name) : null,
      b.address ? h('div', { class: 'card-summary', testid: 'location-address' }, b.address) : null,
      h('div', { class: 'card-coords', testid: 'location-coordinates' }, coordinates),
      external(mapUrl(b.latitude, b.longitude), 'location-link', 'Open in OpenStreetMap'),
    ),
  );
}

function contactCard(id: string, ctx: BodyContext): HTMLElement {
  const el = h('div', { class: 'msg-card contact-card', testid: 'contact-card', 'data-profile': id });
  const fill = (): boolean => {
    const card = ctx.card(id);
    el.dataset['state'] = typeof card === 'string' ? card : 'loaded';
    if (card === 'loading') {
      if (!el.firstChild) el.append(h('span', { class: 'muted' }, 'Contact card…'));
      return false;
    }
    if (card === 'unavailable') {
      el.replaceChildren(h('div', { class: 'card-box' }, h('div', { class: 'card-site' }, 'Contact'), h('span', { class: 'muted', testid: 'contact-card-name' }, 'This profile is not available.')));
      return true;
    }
    const name = card.displayName || card.handle;
    const title = h('div', { class: 'card-title', testid: 'contact-card-name' });
    setText(title, name);
    el.replaceChildren(
      h(
        'div',
        { class: 'card-box contact-box' },
        profileAvatar(name, card.avatar, 'md'),
        h('div', {}, h('div', { class: 'card-site' }, 'Contact'), title, h('div', { class: 'muted', testid: 'contact-card-handle' }, `@${card.handle}`)),
      ),
    );
    return true;
  };
  if (!fill()) ctx.later(fill);
  return el;
}

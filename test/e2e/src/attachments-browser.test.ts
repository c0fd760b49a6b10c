/**
 * Attachments in the web client, in a real browser (headless Chromium) on one started single node: a
 * member pastes an image with a caption; the other member sees its thumbnail (the server's 320x240 WebP of
 * a 640x480 PNG), opens the original in the viewer, replies to it and reacts; the sender recalls it and the
 * image is gone on the other side, its URL no longer served. A file chosen with the attach button arrives as
 * a download link with its name and size, and downloads byte for byte.
 *
 * Nothing waits a fixed time: every step waits on a locator or polls a condition until a deadline.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInBrowser, waits, type Browsing } from './browser-fixture.js';
import { removeDataDir, startServer, type RunningServer } from './server.js';
import { signUp, type TestUser } from './social-helpers.js';
import { png, sha256 } from '@parley/test-infra';

const WAIT_MS = 15_000;
const { until, expectText, expectExactText } = waits(WAIT_MS);

describe('web client: attachments (headless Chromium)', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let owner: TestUser;
  let ann: Browsing;
  let ben: Browsing;
  const errors: string[] = [];
  let group = '';

  const message = (page: Page, seq: number) => page.getByTestId('message-list').locator(`[data-testid="message"][data-seq="${seq}"]`);
  const openGroup = async (page: Page): Promise<void> => {
    await page.locator(`[data-testid="conversation-item"][data-conversation-id="${group}"]`).locator('.conv-item').click();
    await expectExactText(page.getByTestId('conversation-title'), 'Photos');
  };
  const act = async (page: Page, seq: number, action: string): Promise<void> => {
    const m = message(page, seq);
    await m.hover();
    await m.getByTestId('message-more').click();
    await page.getByTestId('message-menu').getByTestId(`message-action-${action}`).click();
  };
  /** The seq of the newest own message of `kind` in `page` once it is sent. */
  const lastOwn = async (page: Page, kind: string): Promise<number> => {
    const sent = page.getByTestId('message-list').locator(`[data-testid="message"][data-own="true"][data-status="sent"][data-kind="${kind}"]`).last();
    await sent.waitFor();
    return Number(await sent.getAttribute('data-seq'));
  };
  const naturalWidth = (page: Page, selector: string) => page.locator(selector).first().evaluate((img) => ((img as HTMLImageElement).complete ? (img as HTMLImageElement).naturalWidth : 0));

  before(async () => {
    // Small chunks, so a file goes up in several steps the progress bar shows.
    server = await startServer({ env: { PARLEY_UPLOAD_CHUNK_BYTES: '65536' } });
    browser = await launchChromium();
    const [o, a, b] = await Promise.all([signUp(server.url, 'phown'), signUp(server.url, 'phann'), signUp(server.url, 'phben')]);
    owner = o;
    group = (await owner.client.createGroup('Photos', [a.username, b.username])).id;
    ann = await signInBrowser(browser, server.url, a, errors, WAIT_MS);
    ben = await signInBrowser(browser, server.url, b, errors, WAIT_MS);
    await openGroup(ann.page);
    await openGroup(ben.page);
  });

  after(async () => {
    owner?.client.close();
    for (const b of [ann, ben]) await b?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (server) {
      await server.stop();
      await removeDataDir(server.dataDir);
    }
  });

  test('a pasted image arrives as a thumbnail, opens in the viewer, takes a reply and a reaction, and a recall removes it', async () => {
    const image = png(640, 480, 3);
    await ann.page.getByTestId('composer-input').fill('The harbour at dawn');
    // Paste: a ClipboardEvent carrying the PNG as a file, as a browser makes one from a copied image.
    await ann.page.getByTestId('composer-input').evaluate((input, bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'harbour.png', { type: 'image/png' }));
      input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, [...image]);
    const seq = await lastOwn(ann.page, 'image');

    // The other side: the thumbnail, loaded, at the server's size; the caption below it.
    const theirs = message(ben.page, seq);
    const attachment = theirs.getByTestId('attachment');
    await until('the thumbnail loaded on the other side', () => attachment.getAttribute('data-state'), (s) => s === 'loaded');
    assert.equal(await attachment.getAttribute('data-name'), 'harbour.png');
    assert.equal(await theirs.getByTestId('attachment-thumbnail').getAttribute('data-variant'), 'thumbnail');
    assert.equal(await naturalWidth(ben.page, `[data-testid="message"][data-seq="${seq}"] [data-testid="attachment-thumbnail"]`), 320);
    await expectText(theirs.getByTestId('message-text'), 'The harbour at dawn');
    const thumbnailSrc = await theirs.getByTestId('attachment-thumbnail').getAttribute('src');
    assert.ok(thumbnailSrc, 'the thumbnail has a URL');

    // The viewer shows the original (640 wide), and Escape closes it.
    await theirs.getByTestId('attachment-open').click();
    const viewer = ben.page.getByTestId('media-viewer');
    await viewer.waitFor();
    await until('the original loaded in the viewer', () => naturalWidth(ben.page, '[data-testid="media-viewer-image"]'), (w) => w === 640);
    await expectExactText(viewer.getByTestId('media-viewer-name'), 'harbour.png');
    await ben.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });

    // A reply quotes it; a reaction shows on the sender's side.
    await theirs.hover();
    await theirs.getByTestId('message-reply').click();
    await ben.page.getByTestId('composer-input').fill('Lovely light');
    await ben.page.keyboard.press('Enter');
    const reply = await lastOwn(ben.page, 'text');
    await expectText(message(ann.page, reply).getByTestId('message-quote'), ann.user.username);
    await act(ben.page, seq, 'react');
    await ben.page.getByTestId('emoji-picker').locator('[data-testid="emoji-option"][data-emoji="👍"]').click();
    await expectExactText(message(ann.page, seq).locator('[data-testid="reaction"][data-emoji="👍"]').getByTestId('reaction-count'), '1');

    // The sender recalls it: the image goes on the other side, and its URL is no longer served.
    await act(ann.page, seq, 'recall');
    await ann.page.getByTestId('recall-dialog-confirm').click();
    await expectExactText(theirs.getByTestId('message-recalled'), 'message recalled');
    assert.equal(await theirs.getByTestId('attachment').count(), 0, 'no media left');
    // (Asked of the server, not the browser's cache, which keeps what it already showed; the live entry may
    // arrive a moment before the projection that the server checks has the recall.)
    await until('the thumbnail URL from before the recall is refused', () => ben.page.evaluate(async (src) => (await fetch(src, { cache: 'no-store' })).status, thumbnailSrc), (s) => s === 404);
    assert.deepEqual(errors, []);
  });

  test('a file chosen with the attach button shows its progress, arrives as a download link with name and size, and downloads whole', async () => {
    const bytes = randomBytes(300_000);
    // Each chunk held back a moment, as on a slow link, so the bar is seen part way.
    await ann.page.route('**/v1/uploads/*?offset=*', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await route.continue();
    });
    await ann.page.getByTestId('composer-file-input').setInputFiles({ name: 'notes.bin', mimeType: 'application/octet-stream', buffer: bytes });
    const row = ann.page.getByTestId('uploads').locator('[data-testid="upload"][data-name="notes.bin"]');
    await until('the bar part way', () => row.getAttribute('data-percent').then(Number, () => -1), (p) => p > 0 && p < 100);
    assert.equal(await row.getAttribute('data-status'), 'uploading');
    const seq = await lastOwn(ann.page, 'file');
    await ann.page.unroute('**/v1/uploads/*?offset=*');
    const theirs = message(ben.page, seq);
    const file = theirs.getByTestId('attachment-file');
    await expectExactText(theirs.getByTestId('attachment-file-name'), 'notes.bin');
    await expectText(theirs.getByTestId('attachment-file-size'), 'KB');
    await until('the download link has its URL', () => file.getAttribute('href'), (h) => Boolean(h && h.includes('/v1/files/')));
    const href = (await file.getAttribute('href'))!;
    const downloaded = await ben.page.evaluate(async (url) => [...new Uint8Array(await (await fetch(url)).arrayBuffer())], href);
    assert.equal(sha256(Uint8Array.from(downloaded)), sha256(bytes), 'the same bytes');
    assert.equal(await ann.page.getByTestId('uploads').getByTestId('upload').count(), 0, 'the finished upload left the bar');
    assert.deepEqual(errors, []);
  });
});

/**
 * Read receipts, typing and presence in the web client, in a real browser (headless Chromium): alice and
 * bob, each in a browser context of their own, on one started single node. Alice sees bob online (the dot
 * in her list and in the header). Bob's message in their direct conversation is ticked delivered while
 * alice has not opened it, read once she does. Bob types and alice sees "bob is typing…" until he sends.
 * In a group, bob's message reads "Read by 0", then "Read by 1" once alice opens it, and its readers
 * dialog lists her. When bob closes his page, alice sees him offline and when he was last seen.
 *
 * Nothing waits a fixed time: every step polls a locator until a deadline, and fails with what it saw.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInBrowser, waits, type Browsing } from './browser-fixture.js';
import { removeDataDir, startServer, type RunningServer } from './server.js';
import { signUp } from './social-helpers.js';

const WAIT_MS = 15_000;
const { until, expectText, expectExactText } = waits(WAIT_MS);

describe('web client: read receipts, typing and presence (headless Chromium)', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let alice: Browsing;
  let bob: Browsing;
  /** Uncaught exceptions in any page: there must be none. */
  const errors: string[] = [];
  let direct = '';
  let group = '';

  const row = (page: Page, id: string) => page.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`);
  const open = async (page: Page, id: string, title: string): Promise<void> => {
    await row(page, id).locator('.conv-item').click();
    await expectExactText(page.getByTestId('conversation-title'), title);
  };
  /** The user's own messages the server has taken (a pending one has no seq yet). */
  const own = (page: Page) => page.getByTestId('message-list').locator('[data-testid="message"][data-own="true"][data-seq]');
  /** The message of seq `seq`. */
  const message = (page: Page, seq: string) => page.getByTestId('message-list').locator(`[data-testid="message"][data-seq="${seq}"]`);
  /** Sends `text` from the composer (typed, then Enter); the seq it got. */
  const send = async (page: Page, text: string, type = false): Promise<string> => {
    const before = await own(page).count();
    const input = page.getByTestId('composer-input');
    if (!type) await input.fill(text);
    await input.press('Enter');
    await until(`"${text}" sent`, () => own(page).count(), (n) => n > before);
    return (await own(page).last().getAttribute('data-seq')) ?? '';
  };
  const tick = (page: Page, seq: string) => message(page, seq).getByTestId('tick').getAttribute('data-state', { timeout: 1000 }).catch(() => null);
  const attr = (page: Page, selector: string, name: string, within?: string) =>
    (within ? page.locator(within).locator(selector) : page.locator(selector)).first().getAttribute(name, { timeout: 1000 }).catch(() => null);

  before(async () => {
    server = await startServer();
    browser = await launchChromium();
    const [a, b] = await Promise.all([signUp(server.url, 'rcal'), signUp(server.url, 'rcbob')]);
    direct = (await a.client.openDirect(b.username)).id;
    group = (await a.client.createGroup('Receipts', [b.username])).id;
    alice = await signInBrowser(browser, server.url, a, errors, WAIT_MS);
    bob = await signInBrowser(browser, server.url, b, errors, WAIT_MS);
  });

  after(async () => {
    for (const b of [alice, bob]) await b?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (server) {
      await server.stop();
      await removeDataDir(server.dataDir);
    }
  });

  test('ticks go delivered then read, typing shows until the message, presence dots, Read by N with its readers', async () => {
    const a = alice.page;
    const b = bob.page;
    const aliceName = alice.user.username;
    const bobName = bob.user.username;
    const bobRow = `[data-testid="conversation-item"][data-conversation-id="${direct}"]`;

    // Bob came online after alice: the change reaches her list.
    await until("bob's dot in alice's list", () => attr(a, '[data-testid="presence-dot"]', 'data-online', bobRow), (v) => v === 'true');

    // Sent while alice is online but has not opened the conversation: delivered, not read.
    await open(b, direct, aliceName);
    const first = await send(b, 'Are you there?');
    await until('the first tick delivered', () => tick(b, first), (v) => v === 'delivered');

    // Alice opens it: read.
    await open(a, direct, bobName);
    await until('the first tick read', () => tick(b, first), (v) => v === 'read');
    await until("bob's dot in alice's header", () => attr(a, '[data-testid="presence-dot"]', 'data-online', '.pane-head'), (v) => v === 'true');
    await expectText(a.getByTestId('conversation-subtitle'), 'online');

    // Bob types: alice sees it until his message comes.
    await b.getByTestId('composer-input').pressSequentially('On my way');
    await expectExactText(a.getByTestId('typing'), `${bobName} is typing…`);
    const second = await send(b, 'On my way', true);
    await until('the typing line gone', () => a.getByTestId('typing').isVisible(), (v) => !v);
    await expectText(a.getByTestId('message-list'), 'On my way');
    await until('the second tick read (alice has it open)', () => tick(b, second), (v) => v === 'read');

    // A group: Read by 0, then 1 once alice opens it; the readers dialog lists her as read, nobody unread.
    await open(b, group, 'Receipts');
    const hello = message(b, await send(b, 'Group hello'));
    await expectExactText(hello.getByTestId('read-count'), 'Read by 0');
    await open(a, group, 'Receipts');
    await expectExactText(hello.getByTestId('read-count'), 'Read by 1');
    await hello.getByTestId('read-count').click();
    const dialog = b.getByTestId('readers');
    const reader = dialog.getByTestId('readers-read').getByTestId('reader');
    await expectText(reader, aliceName);
    assert.equal(await reader.getAttribute('data-user-id'), alice.user.id);
    await until('nobody unread', () => dialog.getByTestId('readers-unread-count').innerText({ timeout: 1000 }).catch(() => ''), (t) => t === '0');
    assert.equal(await dialog.getByTestId('readers-unread').getByTestId('reader').count(), 0);

    // Bob leaves: offline, last seen.
    await bob.context.close();
    await open(a, direct, bobName);
    await until("bob's dot offline", () => attr(a, '[data-testid="presence-dot"]', 'data-online', '.pane-head'), (v) => v === 'false');
    await expectText(a.getByTestId('last-seen'), 'last seen');
    assert.deepEqual(errors, []);
  });
});

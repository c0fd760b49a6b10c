/**
 * Replies, mentions and message kinds in the web client, in a real browser (headless Chromium), each
 * user in an isolated browser context on one started single node. In a group an owner (through the SDK)
 * and two members in browsers: a member replies to the owner's message (the composer quotes it, the sent
 * message shows the quote) and mentions the other member through the "@" suggestions; the mentioned
 * member sees the "@" badge in their list and the mention highlighted, and a reply whose quoted message is
 * not loaded fetches it. A location the owner sends through the SDK shows as a location card. A reaction
 * picked from a message's menu shows as a chip with its count on the other side (a click on a chip toggles
 * one's own); an edit shows there marked "edited", a recall as "message recalled", also after a reload.
 *
 * Nothing waits a fixed time: every step waits on a locator or polls a condition until a deadline, and
 * fails with what it saw instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInBrowser, waits, type Browsing } from './browser-fixture.js';
import { removeDataDir, startServer, type RunningServer } from './server.js';
import { signUp, type TestUser } from './social-helpers.js';

const WAIT_MS = 10_000;
const { until, expectText, expectExactText, waitOnline } = waits(WAIT_MS);


describe('web client: replies, mentions and message kinds (headless Chromium)', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let owner: TestUser;
  let ann: Browsing;
  let ben: Browsing;
  /** Uncaught exceptions in any page: there must be none. */
  const errors: string[] = [];
  let group = '';
  let question = 0;

  const signIn = (user: TestUser): Promise<Browsing> => signInBrowser(browser!, server!.url, user, errors, WAIT_MS);
  const row = (page: Page) => page.locator(`[data-testid="conversation-item"][data-conversation-id="${group}"]`);
  const message = (page: Page, seq: number) => page.getByTestId('message-list').locator(`[data-testid="message"][data-seq="${seq}"]`);
  const openGroup = async (page: Page): Promise<void> => {
    await row(page).locator('.conv-item').click();
    await expectExactText(page.getByTestId('conversation-title'), 'Trip');
  };

  before(async () => {
    server = await startServer();
    browser = await launchChromium();
    const [o, a, b] = await Promise.all([signUp(server.url, 'rown'), signUp(server.url, 'rann'), signUp(server.url, 'rben')]);
    owner = o;
    group = (await owner.client.createGroup('Trip', [a.username, b.username])).id;
    await owner.client.connect();
    question = (await owner.client.send(group, 'Who brings the map?')).seq;
    ann = await signIn(a);
    ben = await signIn(b);
  });

  after(async () => {
    owner?.client.close();
    ann?.user.client.close();
    for (const b of [ann, ben]) await b?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (server) {
      await server.stop();
      await removeDataDir(server.dataDir);
    }
  });

  test("a member replies to the owner's message and mentions the other member through the @ suggestions", async () => {
    const page = ann.page;
    await openGroup(page);
    const original = message(page, question);
    await expectText(original.getByTestId('message-text'), 'Who brings the map?');
    await original.hover();
    await original.getByTestId('message-reply').click();
    const quoting = page.getByTestId('composer-reply');
    await expectExactText(quoting.getByTestId('composer-reply-sender'), owner.username);
    await expectExactText(quoting.getByTestId('composer-reply-text'), 'Who brings the map?');

    const input = page.getByTestId('composer-input');
    await input.pressSequentially('I do, and @');
    // A plain member is not offered @all; the others are offered, the user is not.
    const suggestions = page.getByTestId('mention-suggestions');
    await suggestions.getByTestId('mention-option').first().waitFor();
    const offered = await suggestions.getByTestId('mention-option').evaluateAll((els) => els.map((e) => e.getAttribute('data-username')));
    assert.deepEqual([...offered].sort(), [owner.username, ben.user.username].sort(), 'the other members, no @all');
    await input.pressSequentially(ben.user.username.slice(0, 4));
    await until(
      'the suggestions narrowed to ben',
      () => suggestions.getByTestId('mention-option').evaluateAll((els) => els.map((e) => e.getAttribute('data-username'))),
      (names) => names.length === 1 && names[0] === ben.user.username,
    );
    await page.keyboard.press('Enter');
    await suggestions.waitFor({ state: 'hidden' });
    assert.equal(await input.inputValue(), `I do, and @${ben.user.username} `);
    await input.pressSequentially('brings the compass.');
    await page.keyboard.press('Enter');

    // Sent: the quote above the text, the mention marked, the composer back to plain.
    const sent = page.getByTestId('message-list').locator('[data-testid="message"][data-own="true"][data-status="sent"]').last();
    await expectText(sent.getByTestId('message-text'), `I do, and @${ben.user.username} brings the compass.`);
    const quote = sent.getByTestId('message-quote');
    await expectExactText(quote.getByTestId('message-quote-sender'), owner.username);
    await expectExactText(quote.getByTestId('message-quote-text'), 'Who brings the map?');
    assert.equal(await sent.getAttribute('data-reply-to'), String(question));
    await expectExactText(sent.getByTestId('mention'), `@${ben.user.username}`);
    await quoting.waitFor({ state: 'hidden' });
  });

  test('the mentioned member sees the @ badge in the list, then the mention highlighted with the quote; reading clears the badge', async () => {
    const page = ben.page;
    const badge = row(page).getByTestId('mention-badge');
    await badge.waitFor();
    assert.equal(await row(page).getAttribute('data-mentions'), '1');
    await openGroup(page);
    const mentioned = page.getByTestId('message-list').locator('[data-testid="message"][data-mentioned="true"]');
    await expectText(mentioned.getByTestId('message-text'), 'brings the compass.');
    await expectExactText(mentioned.locator('[data-testid="mention"].mention-me'), `@${ben.user.username}`);
    await expectExactText(mentioned.getByTestId('message-quote').getByTestId('message-quote-text'), 'Who brings the map?');
    await badge.waitFor({ state: 'hidden' });
    // Read on the server too: no badge after a reload.
    await page.reload();
    await waitOnline(page);
    await row(page).waitFor();
    await until('no mention badge after a reload', () => row(page).getAttribute('data-mentions'), (v) => v === '0');
  });

  test('a reply to a message that is not loaded fetches the quote', async () => {
    // More than a page of history after the quoted message: opening the group loads only the newest.
    for (let i = 0; i < 55; i++) await owner.client.send(group, `filler ${i}`);
    await ann.user.client.connect();
    const reply = await ann.user.client.send(group, 'Back to the map: I have it.', { replyTo: question });
    // A fresh start: the group (open again from the address) loads its newest page only.
    const page = ben.page;
    await page.reload();
    await waitOnline(page);
    await expectText(message(page, reply.seq).getByTestId('message-text'), 'Back to the map: I have it.');
    assert.equal(await message(page, question).count(), 0, 'the quoted message is not loaded');
    const quote = message(page, reply.seq).getByTestId('message-quote');
    await expectExactText(quote.getByTestId('message-quote-text'), 'Who brings the map?');
    assert.equal(await quote.getAttribute('data-state'), 'loaded');
  });

  test('a location sent through the SDK shows as a location card with a map link', async () => {
    const sent = await owner.client.send(group, '[Location] Brandenburg Gate', {
      kind: 'location',
      body: { latitude: 52.51628, longitude: 13.3777, name: 'Brandenburg Gate', address: 'Pariser Platz, 10117 Berlin' },
    });
    for (const page of [ann.page, ben.page]) {
      const card = message(page, sent.seq).getByTestId('location-card');
      await expectExactText(card.getByTestId('location-name'), 'Brandenburg Gate');
      await expectExactText(card.getByTestId('location-address'), 'Pariser Platz, 10117 Berlin');
      await expectExactText(card.getByTestId('location-coordinates'), '52.51628, 13.37770');
      const href = await card.getByTestId('location-link').getAttribute('href');
      assert.ok(href?.startsWith('https://www.openstreetmap.org/?mlat=52.51628&mlon=13.3777'), `the map link: ${href}`);
    }
  });

  /** Opens a message's menu in `page` and picks `action` (message-action-...). */
  const act = async (page: Page, seq: number, action: string): Promise<void> => {
    const m = message(page, seq);
    await m.hover();
    await m.getByTestId('message-more').click();
    await page.getByTestId('message-menu').getByTestId(`message-action-${action}`).click();
  };

  test('a reaction from the menu shows as a chip on the other side; clicking the chip adds one there too', async () => {
    const sent = await owner.client.send(group, 'Leaving at eight');
    await expectExactText(message(ann.page, sent.seq).getByTestId('message-text'), 'Leaving at eight');
    await act(ann.page, sent.seq, 'react');
    await ann.page.getByTestId('emoji-picker').locator('[data-testid="emoji-option"][data-emoji="👍"]').click();
    const chip = (page: Page) => message(page, sent.seq).locator('[data-testid="reaction"][data-emoji="👍"]');
    await expectExactText(chip(ben.page).getByTestId('reaction-count'), '1');
    assert.equal(await chip(ben.page).getAttribute('data-mine'), 'false');
    assert.equal(await chip(ann.page).getAttribute('data-mine'), 'true');
    await chip(ben.page).click();
    await expectExactText(chip(ann.page).getByTestId('reaction-count'), '2');
    await until('ben has reacted', () => chip(ben.page).getAttribute('data-mine'), (v) => v === 'true');
    // Clicking one's own chip takes it back.
    await chip(ann.page).click();
    await expectExactText(chip(ben.page).getByTestId('reaction-count'), '1');
  });

  test('an edit shows the new text marked "edited", and a recall shows "message recalled", on the other side', async () => {
    const sent = await ann.user.client.send(group, 'Meet at the statoin');
    const mine = message(ann.page, sent.seq);
    await expectExactText(mine.getByTestId('message-text'), 'Meet at the statoin');
    await act(ann.page, sent.seq, 'edit');
    const input = mine.getByTestId('message-edit-input');
    await input.fill('Meet at the station');
    await input.press('Enter');
    const theirs = message(ben.page, sent.seq);
    await expectExactText(theirs.getByTestId('message-text'), 'Meet at the station');
    await expectExactText(theirs.getByTestId('message-edited'), 'edited');

    await act(ann.page, sent.seq, 'recall');
    await ann.page.getByTestId('recall-dialog-confirm').click();
    await expectExactText(theirs.getByTestId('message-recalled'), 'message recalled');
    assert.equal(await theirs.getByTestId('message-text').count(), 0, 'no text left');
    await expectExactText(mine.getByTestId('message-recalled'), 'message recalled');
    // The change entries themselves are not lines of the timeline.
    assert.equal(await ben.page.getByTestId('message-list').getByTestId('system-entry').count(), 0);
    // After a reload (history, not the live entry) it stays recalled.
    await ben.page.reload();
    await waitOnline(ben.page);
    await expectExactText(message(ben.page, sent.seq).getByTestId('message-recalled'), 'message recalled');
    assert.deepEqual(errors, []);
  });
});

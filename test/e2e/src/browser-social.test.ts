/**
 * The web client's social layer in a real browser (headless Chromium), two users in two isolated browser
 * contexts on one started single node: a friend request found by people search and answered live, the
 * conversation menu (pin, remark, mute) synced to a second tab, a second profile switched to without the
 * password, and a block that ends the friendship on both sides.
 *
 * Nothing waits a fixed time: every step waits on a locator or polls a condition until a deadline, and
 * fails with what it saw instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium, waits } from './browser-fixture.js';
import { uniqueName } from './clients.js';
import { removeDataDir, startServer, type RunningServer } from './server.js';

const PASSWORD = 'correct horse battery';
const WAIT_MS = 10_000;
const { until, expectText, expectExactText, waitOnline } = waits(WAIT_MS);

interface User {
  name: string;
  context: BrowserContext;
  page: Page;
}

async function expectCount(locator: Locator, n: number): Promise<void> {
  await until(
    `${String(locator)} count should be ${n}`,
    () => locator.count(),
    (c) => c === n,
  );
}

function row(page: Page, conversationId: string): Locator {
  return page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`);
}

function rows(page: Page): Locator {
  return page.locator('[data-testid="conversation-list"] > [data-testid="conversation-item"]');
}

/** Waits until the conversation list starts with `conversationId`. */
async function expectFirst(page: Page, conversationId: string): Promise<void> {
  await until(
    `the first conversation should be ${conversationId}`,
    () =>
      rows(page)
        .first()
        .getAttribute('data-conversation-id', { timeout: 1000 })
        .catch(() => null),
    (id) => id === conversationId,
  );
}

function friend(page: Page, handle: string): Locator {
  return page.getByTestId('friend-list').locator(`[data-testid="friend-item"][data-handle="${handle}"]`);
}

/** Opens the conversation's menu from its row and picks `item`. */
async function conversationMenu(page: Page, conversationId: string, item: string): Promise<void> {
  await row(page, conversationId).getByTestId('conversation-menu').click();
  await page.getByTestId(item).click();
  await page.getByTestId('conversation-menu-list').waitFor({ state: 'detached' });
}

async function chooseProfile(page: Page, handle: string): Promise<void> {
  await page.getByTestId('profile-switcher').click();
  await page
    .getByTestId('profile-menu')
    .locator(`[data-testid="profile-option"][data-handle="${handle}"]`)
    .click();
}

describe('web client: friends, conversation menu, profiles (headless Chromium)', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let a: User;
  let b: User;
  /** Uncaught exceptions in any page: there must be none. */
  const errors: string[] = [];
  /** The direct conversation of A and B. */
  let dm = '';
  let group = '';
  /** A second tab of A's browser session (same saved login). */
  let tab: Page;

  before(async () => {
    server = await startServer();
    browser = await launchChromium();
    const open = async (prefix: string): Promise<User> => {
      const context = await browser!.newContext({
        viewport: { width: 1180, height: 760 },
        deviceScaleFactor: 1,
      });
      context.setDefaultTimeout(WAIT_MS);
      context.on('page', (p) => p.on('pageerror', (e) => errors.push(`${prefix}: ${e.message}`)));
      const page = await context.newPage();
      return { name: uniqueName(prefix), context, page };
    };
    a = await open('amy');
    b = await open('ben');
  });

  after(async () => {
    await a?.context.close().catch(() => undefined);
    await b?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (server) {
      await server.stop();
      await removeDataDir(server.dataDir);
    }
  });

  test('both sign up; each opens the Friends page', async () => {
    for (const u of [a, b]) {
      await u.page.goto(server!.url);
      await u.page.getByTestId('auth-mode-register').click();
      await u.page.getByTestId('auth-username').fill(u.name);
      await u.page.getByTestId('auth-password').fill(PASSWORD);
      await u.page.getByTestId('auth-submit').click();
      await expectExactText(u.page.getByTestId('me-name'), u.name);
      await waitOnline(u.page);
      await u.page.getByTestId('nav-friends').click();
      await u.page.getByTestId('friends-page').waitFor();
      await u.page.getByTestId('friends-empty').waitFor();
    }
    await b.page.getByTestId('friends-tab-requests').click();
    await b.page.getByTestId('incoming-empty').waitFor();
  });

  test('A finds B by handle and sends a request with a note; B sees it live and accepts; both are friends', async () => {
    await a.page.getByTestId('friends-tab-search').click();
    await a.page.getByTestId('people-search-input').fill(b.name.slice(0, -2));
    const person = a.page
      .getByTestId('people-results')
      .locator(`[data-testid="person-item"][data-handle="${b.name}"]`);
    await person.getByTestId('people-add').click();
    const dialog = a.page.getByTestId('friend-request-dialog');
    await dialog.getByTestId('friend-request-note-input').fill('Hi Ben, it is Amy from the book club');
    await dialog.getByTestId('friend-request-send').click();
    await dialog.waitFor({ state: 'detached' });
    await expectExactText(person.getByTestId('person-relation'), 'Request sent');
    await a.page.getByTestId('friends-tab-requests').click();
    const sent = a.page.locator(
      `[data-testid="friend-request"][data-side="outgoing"][data-handle="${b.name}"]`,
    );
    await sent.waitFor();

    // B, on the requests tab since before: the request arrives without a reload, with its note and a badge.
    const incoming = b.page
      .getByTestId('incoming-requests')
      .locator(`[data-testid="friend-request"][data-side="incoming"][data-handle="${a.name}"]`);
    await expectText(incoming.getByTestId('friend-request-note'), 'Hi Ben, it is Amy from the book club');
    await expectExactText(b.page.getByTestId('friend-requests-badge'), '1');
    await incoming.getByTestId('friend-request-accept').click();
    await incoming.waitFor({ state: 'detached' });
    await b.page.getByTestId('friend-requests-badge').waitFor({ state: 'hidden' });

    // A's pending request goes away and each is in the other's friends list, live.
    await sent.waitFor({ state: 'detached' });
    await b.page.getByTestId('friends-tab-friends').click();
    await friend(b.page, a.name).waitFor();
    await a.page.getByTestId('friends-tab-friends').click();
    await friend(a.page, b.name).waitFor();
  });

  test('A messages B from the friends list, then a newer group is listed first', async () => {
    await friend(a.page, b.name).getByTestId('friend-message').click();
    await a.page.getByTestId('friends-page').waitFor({ state: 'hidden' });
    await expectExactText(a.page.getByTestId('conversation-title'), b.name);
    dm =
      (await until(
        'the open conversation',
        () =>
          a.page
            .locator('[data-testid="conversation-item"].active')
            .getAttribute('data-conversation-id', { timeout: 1000 })
            .catch(() => null),
        (id) => !!id,
      )) ?? '';
    const input = a.page.getByTestId('composer-input');
    await input.fill('Thanks for accepting!');
    await input.press('Enter');
    await a.page.getByTestId('message').and(a.page.locator('[data-status="sent"]')).waitFor();

    await a.page.getByTestId('new-group').click();
    await a.page.getByTestId('group-name').fill('Book club');
    await a.page.getByTestId('group-members').fill(b.name);
    await a.page.getByTestId('group-submit').click();
    await expectExactText(a.page.getByTestId('conversation-title'), 'Book club');
    await input.fill('Next book?');
    await input.press('Enter');
    await a.page.getByTestId('message').and(a.page.locator('[data-status="sent"]')).waitFor();
    group =
      (await until(
        'the open group',
        () =>
          a.page
            .locator('[data-testid="conversation-item"].active')
            .getAttribute('data-conversation-id', { timeout: 1000 })
            .catch(() => null),
        (id) => !!id && id !== dm,
      )) ?? '';
    await expectFirst(a.page, group);
    assert.equal(await row(a.page, dm).getAttribute('data-pinned'), 'false');
  });

  test('the conversation menu: pin, remark and mute show in the row and reach a second tab live', async () => {
    // A second tab of the same browser session, open before the changes.
    tab = await a.context.newPage();
    await tab.goto(server!.url);
    await waitOnline(tab);
    await expectFirst(tab, group);
    await row(tab, dm).waitFor();
    // Back to the first tab: a background tab gets no animation frames, so clicks there wait for one in vain.
    await a.page.bringToFront();

    await conversationMenu(a.page, dm, 'conversation-menu-pin');
    const dmRow = row(a.page, dm);
    await dmRow.and(a.page.locator('[data-pinned="true"]')).waitFor();
    await dmRow.getByTestId('conversation-pinned').waitFor();
    await expectFirst(a.page, dm);
    await row(tab, dm).and(tab.locator('[data-pinned="true"]')).getByTestId('conversation-pinned').waitFor();
    await expectFirst(tab, dm);

    await conversationMenu(a.page, dm, 'conversation-menu-remark');
    const dialog = a.page.getByTestId('remark-dialog');
    await dialog.getByTestId('remark-input').fill('Ben (book club)');
    await dialog.getByTestId('remark-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await expectExactText(dmRow.getByTestId('conversation-name'), 'Ben (book club)');
    await expectExactText(row(tab, dm).getByTestId('conversation-name'), 'Ben (book club)');

    // The sidebar filter matches the remark (not the handle's text).
    const filter = a.page.getByTestId('conversation-filter');
    await filter.fill('book CLUB)');
    await expectCount(rows(a.page), 1);
    await dmRow.waitFor();
    await filter.fill('no such remark');
    await expectCount(rows(a.page), 0);
    await filter.fill('');
    await expectCount(rows(a.page), 2);

    await conversationMenu(a.page, dm, 'conversation-menu-mute-always');
    await dmRow.and(a.page.locator('[data-muted="true"]')).getByTestId('conversation-muted').waitFor();
    await row(tab, dm).and(tab.locator('[data-muted="true"]')).getByTestId('conversation-muted').waitFor();
    // The menu now offers to unmute.
    await row(a.page, dm).getByTestId('conversation-menu').click();
    await a.page.getByTestId('conversation-menu-unmute').waitFor();
    await a.page.keyboard.press('Escape');
    await a.page.getByTestId('conversation-menu-list').waitFor({ state: 'detached' });
  });

  test('A creates a second profile, switches to it without a password (no conversations), and back', async () => {
    const handle = `${a.name}.w`;
    await a.page.getByTestId('profile-switcher').click();
    await a.page.getByTestId('profile-menu').getByTestId('profile-new').click();
    const dialog = a.page.getByTestId('new-profile-dialog');
    await dialog.getByTestId('new-profile-handle').fill(handle);
    await dialog.getByTestId('new-profile-display-name').fill('Amy at work');
    await dialog.getByTestId('new-profile-submit').click();
    await dialog.waitFor({ state: 'detached' });

    await expectExactText(a.page.getByTestId('me-name'), 'Amy at work');
    await waitOnline(a.page);
    assert.equal(await a.page.getByTestId('auth-form').count(), 0, 'no password asked');
    await a.page.getByTestId('conversation-list-empty').waitFor();
    await expectCount(rows(a.page), 0);
    // The second tab shares the saved login: it follows to the new profile instead of being signed out.
    await expectExactText(tab.getByTestId('me-name'), 'Amy at work');
    await waitOnline(tab);
    await expectCount(rows(tab), 0);
    assert.equal(await tab.getByTestId('auth-form').count(), 0, 'the second tab is not signed out');
    await a.page.getByTestId('nav-friends').click();
    await a.page.getByTestId('friends-empty').waitFor();

    // The menu lists both profiles, the current one checked.
    await a.page.getByTestId('profile-switcher').click();
    const menu = a.page.getByTestId('profile-menu');
    await menu
      .locator(`[data-testid="profile-option"][data-handle="${handle}"][aria-checked="true"]`)
      .waitFor();
    await menu
      .locator(`[data-testid="profile-option"][data-handle="${a.name}"][aria-checked="false"]`)
      .waitFor();
    await a.page.keyboard.press('Escape');

    await chooseProfile(a.page, a.name);
    await expectExactText(a.page.getByTestId('me-name'), a.name);
    await waitOnline(a.page);
    assert.equal(await a.page.getByTestId('auth-form').count(), 0, 'no password asked');
    // The first profile's conversations and its private settings are back.
    const dmRow = row(a.page, dm);
    await dmRow.and(a.page.locator('[data-pinned="true"][data-muted="true"]')).waitFor();
    await expectExactText(dmRow.getByTestId('conversation-name'), 'Ben (book club)');
    await row(a.page, group).waitFor();
    await expectFirst(a.page, dm);
    await expectExactText(tab.getByTestId('me-name'), a.name);
    await row(tab, dm).and(tab.locator('[data-pinned="true"][data-muted="true"]')).waitFor();
    await tab.close();
  });

  test('A blocks B from the friends list: the friendship ends on both sides, live', async () => {
    await a.page.getByTestId('nav-friends').click();
    await a.page.getByTestId('friends-tab-friends').click();
    await friend(a.page, b.name).getByTestId('friend-block').click();
    await a.page.getByTestId('block-dialog-confirm').click();
    await a.page.getByTestId('block-dialog').waitFor({ state: 'detached' });
    await friend(a.page, b.name).waitFor({ state: 'detached' });
    await a.page.getByTestId('friends-empty').waitFor();
    await a.page.getByTestId('friends-tab-blocked').click();
    await a.page
      .getByTestId('blocked-list')
      .locator(`[data-testid="blocked-item"][data-handle="${b.name}"]`)
      .waitFor();

    // B, still on the friends tab, loses A without a reload (and is not told about the block).
    await friend(b.page, a.name).waitFor({ state: 'detached' });
    await b.page.getByTestId('friends-empty').waitFor();
  });

  test('no uncaught errors in any page', () => {
    assert.deepEqual(errors, []);
  });
});

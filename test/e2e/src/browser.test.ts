/**
 * The web client in a real browser: two users in two isolated browser contexts (headless Chromium) sign up
 * and log in through the UI, then chat both ways in a direct conversation, a group and a room.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium, waits } from './browser-fixture.js';
import { newClient, uniqueName } from './clients.js';
import { removeDataDir, startServer, type RunningServer } from './server.js';

const SCREENSHOT = '/tmp/parley-chat.png';
const PASSWORD = 'correct horse battery';
const WAIT_MS = 15_000;
const { expectText, expectExactText, waitOnline } = waits(WAIT_MS);

interface User {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page: there must be none. */
  errors: string[];
}

function conversationItem(page: Page, name: string): Locator {
  return page
    .getByTestId('conversation-item')
    .filter({ has: page.getByTestId('conversation-name').getByText(name, { exact: true }) });
}

function message(page: Page, text: string): Locator {
  return page
    .getByTestId('message')
    .filter({ has: page.getByTestId('message-text').getByText(text, { exact: true }) });
}

async function send(page: Page, text: string, how: 'enter' | 'button' = 'enter'): Promise<void> {
  const input = page.getByTestId('composer-input');
  await input.fill(text);
  if (how === 'enter') await input.press('Enter');
  else await page.getByTestId('composer-send').click();
  // Pending until the server acks it, then shown as sent.
  await message(page, text).and(page.locator('[data-status="sent"]')).waitFor({ timeout: WAIT_MS });
  assert.equal(await input.inputValue(), '', 'the composer is cleared after sending');
}

describe('web client (headless Chromium)', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let a: User;
  let b: User;

  before(async () => {
    server = await startServer();
    browser = await launchChromium();
    const open = async (prefix: string): Promise<User> => {
      const context = await browser!.newContext({
        viewport: { width: 1180, height: 760 },
        deviceScaleFactor: 1,
      });
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      return { name: uniqueName(prefix), context, page, errors };
    };
    a = await open('alice');
    b = await open('bob');
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

  test('both users create an account, log out and log back in through the UI', async () => {
    for (const u of [a, b]) {
      const { page } = u;
      await page.goto(server!.url);
      await page.getByTestId('auth-mode-register').click();
      await page.getByTestId('auth-username').fill(u.name);
      await page.getByTestId('auth-password').fill('short');
      await page.getByTestId('auth-submit').click();
      await expectText(page.getByTestId('auth-error'), 'at least 8 characters');
      await page.getByTestId('auth-password').fill(PASSWORD);
      await page.getByTestId('auth-submit').click();
      await expectExactText(page.getByTestId('me-name'), u.name);
      await waitOnline(page);
      await expectText(page.getByTestId('welcome'), 'Welcome to Parley');

      await page.getByTestId('logout').click();
      await page.getByTestId('auth-form').waitFor();
      await expectText(page.getByTestId('auth-info'), 'logged out');
      await page.getByTestId('auth-username').fill(u.name);
      await page.getByTestId('auth-password').fill('wrong password!');
      await page.getByTestId('auth-submit').click();
      await expectText(page.getByTestId('auth-error'), 'Wrong username, email or password');
      await page.getByTestId('auth-password').fill(PASSWORD);
      await page.getByTestId('auth-submit').click();
      await expectExactText(page.getByTestId('me-name'), u.name);
      await waitOnline(page);
    }
  });

  test('a 1:1 conversation: A starts it by name, both chat live, unread badge, history after reload', async () => {
    // A user that does not exist: the dialog says so.
    await a.page.getByTestId('new-direct').click();
    await a.page.getByTestId('direct-username').fill('nobody-here');
    await a.page.getByTestId('direct-submit').click();
    await expectText(a.page.getByTestId('dialog-error'), 'No user named "nobody-here"');

    // The search suggests B by prefix.
    await a.page.getByTestId('direct-username').fill(b.name.slice(0, 6));
    await a.page.getByTestId('user-suggestion').filter({ hasText: b.name }).waitFor();
    await a.page.getByTestId('direct-username').fill(b.name);
    await a.page.getByTestId('direct-submit').click();
    await expectExactText(a.page.getByTestId('conversation-title'), b.name);
    await expectText(a.page.getByTestId('conversation-subtitle'), 'Direct message');

    await send(a.page, 'Hi Bob! This is Alice.');
    // B sees the conversation appear, with an unread badge and the preview, without reloading.
    const itemAtB = conversationItem(b.page, a.name);
    await expectExactText(itemAtB.getByTestId('unread-badge'), '1');
    await expectText(itemAtB.getByTestId('conversation-preview'), 'Hi Bob! This is Alice.');
    assert.match(await b.page.title(), /^\(1\) /, 'the page title counts unread messages');

    await send(a.page, 'Are you there?');
    await expectExactText(itemAtB.getByTestId('unread-badge'), '2');

    await itemAtB.click();
    await expectExactText(b.page.getByTestId('conversation-title'), a.name);
    await message(b.page, 'Hi Bob! This is Alice.').waitFor();
    await message(b.page, 'Are you there?').waitFor();
    assert.equal(await message(b.page, 'Are you there?').getAttribute('data-own'), 'false');
    await itemAtB.getByTestId('unread-badge').waitFor({ state: 'hidden' });

    await send(b.page, 'Hello Alice, loud and clear.', 'button');
    await message(a.page, 'Hello Alice, loud and clear.').waitFor();
    assert.equal(await message(a.page, 'Hello Alice, loud and clear.').getAttribute('data-own'), 'false');
    assert.equal(await message(a.page, 'Hi Bob! This is Alice.').getAttribute('data-own'), 'true');
    // A has it open, so nothing is unread there.
    await conversationItem(a.page, b.name).getByTestId('unread-badge').waitFor({ state: 'hidden' });

    // Multi-line: Shift+Enter makes a new line, Enter sends.
    const input = a.page.getByTestId('composer-input');
    await input.fill('');
    await input.pressSequentially('line one');
    await input.press('Shift+Enter');
    await input.pressSequentially('line two');
    await input.press('Enter');
    await message(b.page, 'line one\nline two').waitFor();

    // User content is shown as text, never interpreted as HTML.
    await send(b.page, '<b>not bold</b> <img src=x onerror=alert(1)>');
    await message(a.page, '<b>not bold</b> <img src=x onerror=alert(1)>').waitFor();
    assert.equal(await a.page.locator('.msg-text b, .msg-text img').count(), 0);

    await a.page.screenshot({ path: SCREENSHOT, animations: 'disabled' });

    // History survives a reload (the session and the open conversation come back).
    await b.page.reload();
    await expectExactText(b.page.getByTestId('me-name'), b.name);
    await expectExactText(b.page.getByTestId('conversation-title'), a.name);
    for (const text of [
      'Hi Bob! This is Alice.',
      'Are you there?',
      'Hello Alice, loud and clear.',
      'line one\nline two',
    ]) {
      await message(b.page, text).waitFor();
    }
    await waitOnline(b.page);
    // And still live after the reload.
    await send(a.page, 'Welcome back.');
    await message(b.page, 'Welcome back.').waitFor();
  });

  test('older history loads on demand; messages from another device of the same user show as own', async () => {
    // A's second device (the SDK over WebSocket) sends 60 more messages to the 1:1 conversation.
    // Closed whatever happens: a device left open keeps reconnecting and the test process never exits.
    const device = newClient(server!.url);
    try {
      await device.login(a.name, PASSWORD);
      await device.connect();
      const direct = (await device.conversations()).find((c) => c.kind === 'direct');
      assert.ok(direct, 'A has the direct conversation');
      for (let i = 1; i <= 60; i++) await device.send(direct.id, `bulk ${i}`);
    } finally {
      device.close();
    }
    await message(a.page, 'bulk 60').waitFor();
    assert.equal(await message(a.page, 'bulk 60').getAttribute('data-own'), 'true');
    await message(b.page, 'bulk 60').waitFor();

    // After a reload B has only the newest page; older messages come with "Load earlier messages".
    await b.page.reload();
    await message(b.page, 'bulk 60').waitFor();
    assert.equal(
      await message(b.page, 'Hi Bob! This is Alice.').count(),
      0,
      'only the newest page is loaded at first',
    );
    await b.page.getByTestId('load-earlier').click();
    await message(b.page, 'Hi Bob! This is Alice.').waitFor();
    await expectText(b.page.getByTestId('timeline-start'), 'beginning of the conversation');
    const seqs = await b.page
      .getByTestId('message')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
      'every message once, in order',
    );
    assert.equal(seqs.length, 66);
  });

  test('sending: pending until acked, failed with the reason when rejected, held while reconnecting', async () => {
    // A second browser session of A whose WebSocket goes through a proxy: it holds back "[slow]" messages
    // for a moment, answers "[reject]" ones with the error the server gives for an oversized message, and
    // can cut the connection (and refuse new ones) to play a network outage.
    const context = await browser!.newContext({ viewport: { width: 1180, height: 760 } });
    let down = false;
    const live = new Set<() => void>();
    try {
      await context.routeWebSocket(/\/v1\/ws$/, (ws) => {
        if (down) return ws.close({ code: 1011, reason: 'test outage' });
        const upstream = ws.connectToServer();
        live.add(() => {
          ws.close({ code: 1011, reason: 'test outage' });
          upstream.close();
        });
        ws.onMessage((raw) => {
          const frame = JSON.parse(String(raw)) as {
            type: string;
            content?: string;
            clientMsgId?: string;
            conversation?: string;
          };
          if (frame.type === 'send' && frame.content?.startsWith('[reject]')) {
            ws.send(
              JSON.stringify({
                type: 'error',
                code: 'content_too_large',
                message: 'content is larger than 16384 bytes',
                ref: frame.clientMsgId,
                conversation: frame.conversation,
              }),
            );
          } else if (frame.type === 'send' && frame.content?.startsWith('[slow]')) {
            setTimeout(() => upstream.send(raw), 1500);
          } else upstream.send(raw);
        });
      });
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      await page.goto(server!.url);
      await page.getByTestId('auth-username').fill(a.name);
      await page.getByTestId('auth-password').fill(PASSWORD);
      await page.getByTestId('auth-submit').click();
      await waitOnline(page);
      await conversationItem(page, b.name).click();
      await message(page, 'bulk 60').waitFor();

      const input = page.getByTestId('composer-input');
      await input.fill('[slow] on its way');
      await input.press('Enter');
      const slow = message(page, '[slow] on its way');
      await expectExactText(slow.getByTestId('message-state'), 'Sending…');
      assert.equal(await slow.getAttribute('data-status'), 'sending');
      await slow.and(page.locator('[data-status="sent"]')).waitFor();
      await message(b.page, '[slow] on its way').waitFor();

      await input.fill('[reject] this one');
      await input.press('Enter');
      const rejected = message(page, '[reject] this one');
      await rejected.and(page.locator('[data-status="failed"]')).waitFor();
      await expectText(rejected.getByTestId('message-error'), 'The message is too long');
      await expectExactText(rejected.getByTestId('message-state'), 'Not sent');
      await rejected.getByTestId('message-discard').click();
      await rejected.waitFor({ state: 'detached' });
      assert.equal(await message(b.page, '[reject] this one').count(), 0);

      // The network goes away: "Reconnecting…", and a message written meanwhile waits as pending.
      down = true;
      for (const cut of live) cut();
      live.clear();
      await expectExactText(page.getByTestId('connection-state'), 'Reconnecting…');
      await input.fill('Written while offline');
      await input.press('Enter');
      const offline = message(page, 'Written while offline');
      await expectExactText(offline.getByTestId('message-state'), 'Sending…');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await message(b.page, 'Written while offline').count(), 0);
      // It comes back: online again, the message goes out and B gets it.
      down = false;
      await waitOnline(page);
      await offline.and(page.locator('[data-status="sent"]')).waitFor();
      await message(b.page, 'Written while offline').waitFor();
    } finally {
      await context.close();
    }
  });

  test('a group: A creates it with B, one message each way with sender names', async () => {
    const group = `Trip ${uniqueName('g').slice(-6)}`;
    await a.page.getByTestId('new-group').click();
    await a.page.getByTestId('group-name').fill(group);
    await a.page.getByTestId('group-members').fill(b.name);
    await a.page.getByTestId('group-submit').click();
    await expectExactText(a.page.getByTestId('conversation-title'), group);
    await expectText(a.page.getByTestId('conversation-subtitle'), '2 members');

    // B gets the new group in the list right away (a 'created' event), before any message.
    const itemAtB = conversationItem(b.page, group);
    await itemAtB.waitFor();
    await expectText(itemAtB.getByTestId('conversation-preview'), 'No messages yet');

    await send(a.page, 'Group hello from Alice');
    await expectExactText(itemAtB.getByTestId('unread-badge'), '1');
    await itemAtB.click();
    const fromA = message(b.page, 'Group hello from Alice');
    await expectExactText(fromA.getByTestId('message-sender'), a.name);

    await send(b.page, 'Group reply from Bob');
    await expectExactText(message(a.page, 'Group reply from Bob').getByTestId('message-sender'), b.name);

    // The members panel lists both.
    await a.page.getByTestId('members-toggle').click();
    await a.page.getByTestId('member').filter({ hasText: b.name }).waitFor();
    await a.page.getByTestId('member').filter({ hasText: a.name }).waitFor();
    await expectText(a.page.getByTestId('group-id'), 'g.');
    await a.page.getByTestId('members-toggle').click();
  });

  test('a room: both join by name, see the online count and each other’s messages', async () => {
    const room = `lobby-${uniqueName('r').slice(-8)}`;
    for (const u of [a, b]) {
      await u.page.getByTestId('join').click();
      await u.page.getByTestId('join-room-name').fill(room);
      await u.page.getByTestId('join-room-submit').click();
      await expectExactText(u.page.getByTestId('conversation-title'), `#${room}`);
    }
    await expectExactText(a.page.getByTestId('room-online'), '2 online');
    await expectExactText(b.page.getByTestId('room-online'), '2 online');
    await expectText(a.page.getByTestId('conversation-subtitle'), '2 members');

    await send(a.page, 'Room hi from Alice');
    await expectExactText(message(b.page, 'Room hi from Alice').getByTestId('message-sender'), a.name);
    await send(b.page, 'Room hi from Bob');
    await expectExactText(message(a.page, 'Room hi from Bob').getByTestId('message-sender'), b.name);

    // The members panel shows who is online.
    await b.page.getByTestId('members-toggle').click();
    await b.page.locator(`[data-testid="member"][data-username="${a.name}"][data-online="true"]`).waitFor();
    await expectText(b.page.getByTestId('members-summary'), '2 online');

    // B leaves: A sees the online count drop, B's list no longer has the room.
    await b.page.getByTestId('leave-conversation').click();
    await b.page.getByTestId('leave-confirm').click();
    await conversationItem(b.page, `#${room}`).waitFor({ state: 'detached' });
    await expectExactText(a.page.getByTestId('room-online'), '1 online');
  });

  test('no uncaught errors in either page', () => {
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  });
});

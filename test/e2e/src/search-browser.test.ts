/**
 * Message search in the web client, in a real browser (headless Chromium) on one started single node: a
 * member types a Chinese word into the search box; the message that holds it among others without spaces
 * is listed with the word marked; clicking it opens the conversation, loads history back to the message
 * (older than the first page) and marks it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, signInBrowser, waits, type Browsing } from './browser-fixture.js';
import { removeDataDir, startServer, type RunningServer } from './server.js';
import { signUp, type TestUser } from './social-helpers.js';

const WAIT_MS = 15_000;
const { until, expectExactText } = waits(WAIT_MS);

describe('web client: message search (headless Chromium)', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let owner: TestUser;
  let ann: Browsing;
  const errors: string[] = [];
  let group = '';
  let target = 0;

  before(async () => {
    server = await startServer();
    browser = await launchChromium();
    const [o, a] = await Promise.all([signUp(server.url, 'sbown'), signUp(server.url, 'sbann')]);
    owner = o;
    group = (await owner.client.createGroup('Archive', [a.username])).id;
    await owner.client.connect();
    target = (await owner.client.send(group, '这是消息搜索测试')).seq;
    // Enough after it that it is not on the conversation's first page.
    for (let i = 0; i < 120; i++) await owner.client.send(group, `filler ${i}`);
    ann = await signInBrowser(browser, server.url, a, errors, WAIT_MS);
  });

  after(async () => {
    owner?.client.close();
    await ann?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (server) {
      await server.stop();
      await removeDataDir(server.dataDir);
    }
  });

  test('a search for a Chinese word lists the message with the word marked; a click opens the conversation at it', async () => {
    const page = ann.page;
    await page.getByTestId('search-input').fill('搜索');
    const result = page.getByTestId('search-results').locator(`[data-testid="search-result"][data-seq="${target}"]`);
    await result.waitFor();
    assert.equal(await result.getAttribute('data-conversation-id'), group);
    await expectExactText(result.getByTestId('search-result-text').locator('mark').first(), '搜索');
    await result.click();
    await expectExactText(page.getByTestId('conversation-title'), 'Archive');
    const found = page.getByTestId('message-list').locator(`[data-testid="message"][data-seq="${target}"]`);
    await until('the found message marked', () => found.getAttribute('data-found').catch(() => null), (v) => v === 'true');
    assert.ok(await found.isVisible(), 'brought into view');
    assert.deepEqual(errors, []);
  });
});

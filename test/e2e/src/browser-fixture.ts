import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { TestUser } from './social-helpers.js';

const CHROMIUM = process.env['PARLEY_CHROMIUM'] ?? '/usr/bin/chromium';
const APP_JS = fileURLToPath(new URL('../../../libs/web/public/app.js', import.meta.url));

/**
 * Debian's Chromium, headless, as the browser tests drive it; fails with what to do when Chromium or the
 * built web client is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (or set PARLEY_CHROMIUM to a Chromium binary), then run the tests again.`,
    );
  }
  if (!existsSync(APP_JS)) {
    throw new Error(`The web client is not built (${APP_JS} is missing). Run \`npm run build\` (or \`npx turbo run build --filter=@parley/web\`) first.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** The polling waits of a browser test, each failing after `timeoutMs` with what it last saw. */
export function waits(timeoutMs: number): {
  until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean): Promise<T>;
  expectText(locator: Locator, text: string): Promise<void>;
  expectExactText(locator: Locator, text: string): Promise<void>;
  waitOnline(page: Page): Promise<void>;
} {
  /** Polls `read` until `ok` holds for what it returns; fails with the last value seen. */
  const until = async <T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await read();
      if (ok(seen)) return seen;
      if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(seen)} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** Until the element's visible text contains `text`. */
  const expectText = async (locator: Locator, text: string): Promise<void> => {
    await until(`${String(locator)} should show "${text}"`, () => locator.allInnerTexts().then((t) => t.join(' | '), () => ''), (t) => t.includes(text));
  };
  /** Until the element's text is exactly `text`. */
  const expectExactText = async (locator: Locator, text: string): Promise<void> => {
    await until(`${String(locator)} should read "${text}"`, () => locator.innerText({ timeout: 1000 }).then((t) => t.trim(), () => '<absent>'), (t) => t === text);
  };
  const waitOnline = (page: Page): Promise<void> => expectExactText(page.getByTestId('connection-state'), 'Online');
  return { until, expectText, expectExactText, waitOnline };
}

/** A user signed in to the web client in a browser context of their own. */
export interface Browsing {
  user: TestUser;
  context: BrowserContext;
  page: Page;
}

/**
 * Opens the web client at `url` in a new context (1280x800), signs `user` in through the login form and
 * waits until it is online. Uncaught page exceptions are pushed to `errors` (a test asserts there are none).
 */
export async function signInBrowser(browser: Browser, url: string, user: TestUser, errors: string[], timeoutMs: number): Promise<Browsing> {
  const { expectExactText, waitOnline } = waits(timeoutMs);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  context.setDefaultTimeout(timeoutMs);
  context.on('page', (p) => p.on('pageerror', (e) => errors.push(`${user.username}: ${e.message}`)));
  const page = await context.newPage();
  await page.goto(url);
  await page.getByTestId('auth-mode-login').click();
  await page.getByTestId('auth-username').fill(user.username);
  await page.getByTestId('auth-password').fill(user.password);
  await page.getByTestId('auth-submit').click();
  await expectExactText(page.getByTestId('me-name'), user.username);
  await waitOnline(page);
  return { user, context, page };
}

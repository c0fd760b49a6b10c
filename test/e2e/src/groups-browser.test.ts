/**
 * The web client's groups in a real browser (headless Chromium), each user in an isolated browser context
 * on one started single node: an owner creates a group and invites a friend, who accepts from their
 * invitations page; the owner makes them an admin and posts a notice; the member sees the notice pinned
 * with its "new" marker (gone once opened, also after a reload) and the changes as system entries in the
 * timeline. A third user joins by an invite link the owner made, and the owner dissolves the group: the
 * composer is disabled for everyone.
 *
 * Nothing waits a fixed time: every step waits on a locator or polls a condition until a deadline, and
 * fails with what it saw instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInBrowser, waits, type Browsing } from './browser-fixture.js';
import { removeDataDir, startServer, type RunningServer } from './server.js';
import { befriend, signUp, type TestUser } from './social-helpers.js';

const WAIT_MS = 10_000;
const { until, expectText, expectExactText, waitOnline } = waits(WAIT_MS);


describe('web client: groups, invitations, roles, notices and system entries (headless Chromium)', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let owner: Browsing;
  let friend: Browsing;
  let guest: Browsing;
  /** Uncaught exceptions in any page: there must be none. */
  const errors: string[] = [];
  let group = '';
  let inviteUrl = '';

  /** A signed-in browser for `user`: the login form, then online with an empty list. */
  const signIn = (user: TestUser): Promise<Browsing> => signInBrowser(browser!, server!.url, user, errors, WAIT_MS);

  const systemEntries = (page: Page) => page.getByTestId('message-list').getByTestId('system-entry');

  before(async () => {
    server = await startServer();
    browser = await launchChromium();
    const [o, f, g] = await Promise.all([signUp(server.url, 'gown'), signUp(server.url, 'gfri'), signUp(server.url, 'ggue')]);
    await befriend(o, f);
    owner = await signIn(o);
    friend = await signIn(f);
    guest = await signIn(g);
  });

  after(async () => {
    for (const b of [owner, friend, guest]) await b?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (server) {
      await server.stop();
      await removeDataDir(server.dataDir);
    }
  });

  test('the owner creates a group (invitation only by default) and invites a friend from the friends list', async () => {
    const page = owner.page;
    await page.getByTestId('new-group').click();
    await page.getByTestId('group-name').fill('Weekend trip');
    assert.equal(await page.getByTestId('group-join-policy').inputValue(), 'invite');
    await page.getByTestId('group-submit').click();
    await expectExactText(page.getByTestId('conversation-title'), 'Weekend trip');
    group =
      (await until(
        'the open group',
        () => page.locator('[data-testid="conversation-item"].active').getAttribute('data-conversation-id', { timeout: 1000 }).catch(() => null),
        (id) => !!id,
      )) ?? '';
    await page.locator('[data-testid="conversation-view"][data-role="owner"]').waitFor();

    await page.getByTestId('invite-members').click();
    const dialog = page.getByTestId('invite-dialog');
    await dialog.locator(`[data-testid="invite-friend"][data-handle="${friend.user.username}"] input`).check();
    await dialog.getByTestId('invite-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await expectText(page.getByTestId('notice'), `Invited ${friend.user.username}`);
  });

  test('the friend sees the invitation live and accepts it: the group opens, with the join as a system entry', async () => {
    const page = friend.page;
    await expectExactText(page.getByTestId('invitations-badge'), '1');
    await page.getByTestId('nav-invitations').click();
    const invitation = page.locator(`[data-testid="invitation-item"][data-conversation-id="${group}"]`);
    await expectExactText(invitation.getByTestId('invitation-name'), 'Weekend trip');
    await invitation.getByTestId('invitation-accept').click();
    await expectExactText(page.getByTestId('conversation-title'), 'Weekend trip');
    await page.getByTestId('invitations-badge').waitFor({ state: 'hidden' });
    await expectText(systemEntries(page), `${friend.user.username} joined, invited by ${owner.user.username}`);
    // The owner's timeline has the same entry, live.
    await expectText(systemEntries(owner.page), `${friend.user.username} joined, invited by ${owner.user.username}`);
  });

  test('the owner makes the friend an admin from the member list', async () => {
    const page = owner.page;
    await page.getByTestId('members-toggle').click();
    const member = page.getByTestId('member-list').locator(`[data-testid="member"][data-username="${friend.user.username}"]`);
    await member.getByTestId('member-actions').click();
    await page.getByTestId('member-menu').getByTestId('member-make-admin').click();
    await page.getByTestId('member-list').locator(`[data-testid="member"][data-username="${friend.user.username}"][data-role="admin"]`).waitFor();
    await expectExactText(page.getByTestId('member-list').locator(`[data-testid="member"][data-username="${owner.user.username}"]`).getByTestId('member-role'), 'Owner');
    await expectText(systemEntries(page), `${owner.user.username} made ${friend.user.username} an admin`);
    await page.getByTestId('members-toggle').click();
  });

  test('the owner posts a notice from the group settings', async () => {
    const page = owner.page;
    await page.getByTestId('group-settings-toggle').click();
    const settings = page.getByTestId('group-settings-dialog');
    assert.equal(await settings.getByTestId('group-settings-name').isEditable(), true, 'the owner edits the settings');
    await settings.getByTestId('group-notices').click();
    await page.getByTestId('notices-dialog').getByTestId('notice-post').click();
    const dialog = page.getByTestId('notice-dialog');
    await dialog.getByTestId('notice-input').fill('Meet at the station at 8:00.\nBring boots.');
    await dialog.getByTestId('notice-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await expectText(page.getByTestId('notice-banner').getByTestId('notice-text'), 'Meet at the station at 8:00.');
    await expectText(systemEntries(page), `${owner.user.username} posted a notice`);
  });

  test('the member sees the notice pinned and marked new, and the changes in order in the timeline; opening it marks it read', async () => {
    const page = friend.page;
    const banner = page.getByTestId('notice-banner');
    await expectText(banner.getByTestId('notice-text'), 'Meet at the station at 8:00.');
    await banner.getByTestId('notice-new').waitFor();
    const texts = await until(
      'the system entries in the member timeline',
      () => systemEntries(page).allInnerTexts(),
      (t) => t.length >= 3,
    );
    assert.deepEqual(texts, [
      `${friend.user.username} joined, invited by ${owner.user.username}`,
      `${owner.user.username} made ${friend.user.username} an admin`,
      `${owner.user.username} posted a notice`,
    ]);
    // Now an admin: the member may edit the notice.
    await banner.getByTestId('notice-edit').waitFor();

    await banner.getByTestId('notice-open').click();
    await banner.getByTestId('notice-new').waitFor({ state: 'hidden' });
    // Read on the server too: still read after a reload.
    await page.reload();
    await waitOnline(page);
    await expectText(page.getByTestId('notice-banner').getByTestId('notice-text'), 'Meet at the station at 8:00.');
    await until(
      'the notice stays read after a reload',
      () => page.getByTestId('notice-banner').getAttribute('data-unread', { timeout: 1000 }).catch(() => null),
      (v) => v === 'false',
    );
  });

  test('the owner makes an invite link; a stranger opens it, joins, and finds the notice new', async () => {
    const page = owner.page;
    await page.getByTestId('group-settings-toggle').click();
    await page.getByTestId('group-settings-dialog').getByTestId('group-invite-links').click();
    const links = page.getByTestId('invite-links-dialog');
    await links.getByTestId('invite-link-create').click();
    inviteUrl = (await links.getByTestId('invite-link').first().getByTestId('invite-link-url').innerText()).trim();
    assert.match(inviteUrl, /#join=[A-Za-z0-9_-]{22}$/);
    await links.getByTestId('dialog-close').click();

    const g = guest.page;
    await g.goto(inviteUrl);
    const dialog = g.getByTestId('join-link-dialog');
    await expectExactText(dialog.getByTestId('join-link-name'), 'Weekend trip');
    await dialog.getByTestId('join-link-submit').click();
    await expectExactText(g.getByTestId('conversation-title'), 'Weekend trip');
    await g.getByTestId('notice-banner').getByTestId('notice-new').waitFor();
    await expectText(systemEntries(g), `${guest.user.username} joined`);
    // A plain member reads the settings but cannot change them.
    await g.locator('[data-testid="conversation-view"][data-role="member"]').waitFor();
    await g.getByTestId('group-settings-toggle').click();
    await g.getByTestId('group-settings-dialog').getByTestId('group-settings-readonly').waitFor();
    assert.equal(await g.getByTestId('group-settings-name').isEditable(), false);
    await g.getByTestId('group-settings-dialog').getByTestId('dialog-close').click();
  });

  test('the owner dissolves the group: everyone sees it dissolved with the composer disabled', async () => {
    const page = owner.page;
    await page.getByTestId('group-settings-toggle').click();
    await page.getByTestId('group-settings-dialog').getByTestId('group-dissolve').click();
    await page.getByTestId('dissolve-dialog').getByTestId('dissolve-dialog-confirm').click();
    for (const b of [owner, friend, guest]) {
      await b.page.locator('[data-testid="conversation-view"][data-dissolved="true"]').waitFor();
      await b.page.locator('[data-testid="composer"][data-blocked="true"]').waitFor();
      assert.equal(await b.page.getByTestId('composer-input').isDisabled(), true);
      await expectText(systemEntries(b.page), `${owner.user.username} dissolved the group`);
    }
    assert.deepEqual(errors, []);
  });
});

/**
 * The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
 * no browser is ever downloaded). Screenshots go to test-output/screenshots/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DingTalkClient } from '../../src/client/client.js';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AdminClient } from '../../src/testing/admin-client.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-output/screenshots';
const WAIT = { timeout: 30_000 };
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)`;

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Fails the test on any script error in the page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

describe('dashboard', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let admin: AdminClient;
  let ui: string;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ port: 0, store: 'memory', demo: true });
    admin = new AdminClient(server.url);
    ui = `${server.url}/_dingread/ui/`;
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists organizations, then an organization with its messages, newest first', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(ui);
    await page.getByRole('link', { name: 'Demo Corp' }).waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}/home.png`, fullPage: true });
    await page.getByRole('link', { name: 'Demo Corp' }).click();
    const rows = page.locator('.message');
    await rows.nth(1).waitFor(WAIT);
    assert.equal(await rows.count(), 2);
    // The group message was sent after the one-on-one one.
    assert.match((await rows.nth(0).textContent()) ?? '', /All hands.*20 \/ 50 read/s);
    assert.match((await rows.nth(1).textContent()) ?? '', /Welcome to dingread.*2 \/ 5 read/s);
    assert.equal(await page.getByRole('progressbar', { name: '20 / 50 read' }).count(), 1);
    await page.locator('#live.on').waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}/org.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows a read arriving live, without a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watchErrors(page);
    const key = server.demo?.groupKey as string;
    await page.goto(`${ui}#/messages/${encodeURIComponent(key)}`);
    await page.locator('#live.on').waitFor(WAIT);
    await page.locator('tr[data-user="user021"]').waitFor(WAIT);
    assert.match((await page.locator('tr[data-user="user021"]').textContent()) ?? '', /Unread/);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));

    await admin.reads([{ processQueryKey: key, userId: 'user021' }]);
    await page.locator('tr[data-user="user021"]', { hasText: 'Read' }).filter({ hasNotText: 'Unread' }).waitFor(WAIT);
    await page.getByText('21 / 50 read').first().waitFor(WAIT);
    assert.deepEqual(navigations, [], 'the page was updated in place');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('marks a read from the page, and the DingTalk query API sees it', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watchErrors(page);
    const key = server.demo?.groupKey as string;
    await page.goto(`${ui}#/messages/${encodeURIComponent(key)}`);
    await page.getByRole('button', { name: 'Mark read as Bob Zhang' }).click(WAIT);
    await page.locator('tr[data-user="user022"]', { hasText: 'Read' }).filter({ hasNotText: 'Unread' }).waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}/message.png`, fullPage: true });

    const client = new DingTalkClient({ appKey: DEMO.appKey, appSecret: DEMO.appSecret, endpoint: server.url });
    const readers: string[] = [];
    for await (const userId of client.orgGroupReadUsers({ robotCode: DEMO.robotCode, openConversationId: DEMO.groupId, processQueryKey: key })) {
      readers.push(userId);
    }
    assert.ok(readers.includes('user022'), `user022 among ${readers.join(',')}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('sends a test message through the DingTalk API and opens a chat as a user', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`${ui}#/orgs/${DEMO.corpId}`);
    await page.getByLabel('Text').fill('Sent from the browser test');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const link = page.locator('form a[href^="#/messages/"]');
    await link.waitFor(WAIT);
    const key = (await link.textContent()) as string;
    const sent = await admin.message(key);
    assert.equal(sent.kind, 'group');
    assert.match(sent.msgParam, /Sent from the browser test/);
    // The list picks the new message up live.
    await page.locator('.message', { hasText: 'Sent from the browser test' }).waitFor(WAIT);

    await page.locator('#open-user').selectOption('user033');
    await page.locator('#open-chat').selectOption(`c:${DEMO.groupId}`);
    await page.getByRole('button', { name: 'Open chat' }).click();
    await page.getByText(/user033 opened the chat: \d+ messages? newly read/).waitFor(WAIT);
    assert.ok((await admin.message(key)).recipients.find((r) => r.userId === 'user033')?.readAt);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows the directory', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${ui}#/orgs/${DEMO.corpId}/directory`);
    await page.getByRole('cell', { name: 'user050' }).waitFor(WAIT);
    await page.getByLabel('Filter users').fill('Jing');
    assert.equal(await page.locator('tbody tr', { hasText: 'Jing' }).count() > 0, true);
    await page.getByLabel('Filter users').fill('');
    await page.screenshot({ path: `${SHOTS}/directory.png`, fullPage: true });
    await page.close();
  });

  it('fits a phone screen and can be used from the keyboard', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${ui}#/orgs/${DEMO.corpId}`);
    await page.locator('.message').first().waitFor(WAIT);
    // Strings, because the tests compile without the DOM's types.
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    assert.ok(overflow <= 0, `no sideways scrolling (overflow ${overflow}px)`);
    await page.screenshot({ path: `${SHOTS}/phone.png` });
    // The first Tab reaches the skip link, which moves focus to the content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');
    await page.keyboard.press('Enter');
    // Every form control has a label.
    const unlabelled = await page.evaluate("[...document.querySelectorAll('input, select')].filter((el) => el.labels.length === 0).length");
    assert.equal(unlabelled, 0);
    await page.close();
  });

  it('asks for the admin token when the server has one, and then streams with it', async () => {
    const guarded = await startServer({ port: 0, store: 'memory', demo: true, adminToken: 'ui-s3cret' });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    try {
      await page.goto(`${guarded.url}/_dingread/ui/`);
      await page.getByLabel('Admin token').fill('wrong');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('That admin token was not accepted.').waitFor(WAIT);
      await page.getByLabel('Admin token').fill('ui-s3cret');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Demo Corp' }).waitFor(WAIT);
      await page.locator('#live.on').waitFor(WAIT);
    } finally {
      await page.close();
      await guarded.close();
    }
  });
});

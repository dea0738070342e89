/**
 * The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
 * no browser is ever downloaded), as a person uses it: with the keyboard, at phone width, while
 * things change live. The README's screenshots come from the last describe block: they are written
 * to test-output/screenshots/, or to DINGREAD_SCREENSHOTS (`npm run screenshots` names docs/screenshots).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DingTalkClient } from '../../src/client/client.js';
import { Clock } from '../../src/core/clock.js';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AdminClient } from '../../src/testing/admin-client.js';
import { runCli } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env['DINGREAD_SCREENSHOTS'] || 'test-output/screenshots';
const WAIT = { timeout: 30_000 };
const DESKTOP = { viewport: { width: 1200, height: 900 } };
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)`;

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Collects script errors in the page; each test expects none. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** Strings, because the tests compile without the DOM's types. */
const evaluate = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;
const crumbs = (page: Page): Promise<string> => evaluate(page, "[...document.querySelectorAll('#crumbs li')].map((li) => li.textContent).join(' › ')");
const focusedKey = (page: Page): Promise<string | undefined> => evaluate(page, "document.activeElement.closest('[data-key]')?.dataset.key");

/**
 * Waits until the page has settled (no load or update under way: main is not aria-busy) and every
 * request it made has been reported here: one more request, reported after them.
 */
async function settled(page: Page): Promise<void> {
  await page.locator('main:not([aria-busy])').waitFor(WAIT);
  const reported = new Promise<void>((resolve) => {
    const listener = (request: { url(): string }): void => {
      if (!request.url().includes('?settled')) return;
      page.off('request', listener);
      resolve();
    };
    page.on('request', listener);
  });
  await page.evaluate("fetch('/_dingread/health?settled')");
  await reported;
}

describe('dashboard', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let admin: AdminClient;
  let client: DingTalkClient;
  let ui: string;
  const groupKey = (): string => server.demo?.groupKey as string;
  const open = async (hash: string, options = DESKTOP): Promise<{ page: Page; errors: string[] }> => {
    const page = await browser.newPage(options);
    const errors = watchErrors(page);
    await page.goto(`${ui}${hash}`);
    await page.locator('#live.on').waitFor(WAIT);
    return { page, errors };
  };
  const sendGroup = async (content: string): Promise<string> =>
    (await client.orgGroupSend({ robotCode: DEMO.robotCode, openConversationId: DEMO.groupId, msgKey: 'sampleText', msgParam: { content } })).processQueryKey;

  before(async () => {
    server = await startServer({ port: 0, store: 'memory', demo: true, simulate: false });
    admin = new AdminClient(server.url);
    client = new DingTalkClient({ appKey: DEMO.appKey, appSecret: DEMO.appSecret, endpoint: server.url });
    ui = `${server.url}/_dingread/ui/`;
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists organizations, then an organization with its messages, newest first, in words and counts', async () => {
    const { page, errors } = await open('');
    await page.getByRole('link', { name: 'Demo Corp' }).waitFor(WAIT);
    assert.equal(await page.getByRole('heading', { name: 'Organizations' }).count(), 1, '"Organizations" once');
    const line = (await page.locator('ul.orgs li').textContent()) ?? '';
    // Two robots: the demo bot and the app's own bot (robotCode = appKey).
    assert.match(line, /dingdemocorp · 50 users · 2 robots · 2 conversations/);
    assert.equal(await page.title(), 'Organizations · dingread');

    await page.getByRole('link', { name: 'Demo Corp' }).click();
    const rows = page.locator('.message');
    await rows.nth(1).waitFor(WAIT);
    assert.equal(await rows.count(), 2);
    // The group message was sent after the one-on-one one.
    assert.match((await rows.nth(0).textContent()) ?? '', /All hands.*20 \/ 50 read.*Demo Bot in All hands/s);
    assert.match((await rows.nth(1).textContent()) ?? '', /Welcome to dingread.*2 \/ 5 read/s);
    assert.equal(await page.getByRole('progressbar', { name: '20 / 50 read' }).count(), 1);
    assert.equal(await page.locator('.summary').textContent(), '2 messages, newest first');
    assert.equal(await page.getByRole('link', { name: /^Directory:/ }).textContent(), 'Directory: 50 users, 1 app');
    assert.match((await page.locator('main').textContent()) ?? '', /Alice Li and Bob Li person-to-person · 2 members/);
    assert.equal(await crumbs(page), 'Organizations › Demo Corp');
    assert.equal(await page.title(), 'Demo Corp · dingread');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows a read arriving live, without a reload, and announces it', async () => {
    const { page, errors } = await open(`#/messages/${encodeURIComponent(groupKey())}`);
    await page.locator('tr[data-user="user021"]').waitFor(WAIT);
    assert.match((await page.locator('tr[data-user="user021"]').textContent()) ?? '', /Unread/);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));

    await admin.reads([{ processQueryKey: groupKey(), userId: 'user021' }]);
    await page.locator('tr[data-user="user021"]', { hasText: 'Read' }).filter({ hasNotText: 'Unread' }).waitFor(WAIT);
    await page.getByText('21 / 50 read').first().waitFor(WAIT);
    await page.locator('#announce', { hasText: 'Alice Zhang read it: 21 of 50.' }).waitFor(WAIT);
    assert.deepEqual(navigations, [], 'the page was updated in place');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('keeps keyboard focus in the message list while messages arrive and are read', async () => {
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}`);
    await page.locator('.message').nth(1).waitFor(WAIT);
    // Tab through the list to the second message, as a keyboard user would.
    await page.locator('.message a.text').first().focus();
    await page.keyboard.press('Tab');
    const second = await focusedKey(page);
    assert.equal(second, server.demo?.otoKey);

    const key = await sendGroup('A new message while you read');
    await page.locator(`.message[data-key="${key}"]`).waitFor(WAIT);
    assert.equal(await focusedKey(page), second, 'focus stayed on the message it was on');
    await page.locator('#announce', { hasText: 'New message from Demo Bot: A new message while you read' }).waitFor(WAIT);

    await admin.reads([{ processQueryKey: server.demo?.otoKey as string, userId: 'user003' }]);
    await page.locator(`.message[data-key="${second}"]`, { hasText: '3 / 5 read' }).waitFor(WAIT);
    assert.equal(await focusedKey(page), second, 'and stayed there through a read');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('marks a read from the page with the keyboard, keeps focus on the next button, and the DingTalk query API sees it', async () => {
    const { page, errors } = await open(`#/messages/${encodeURIComponent(groupKey())}`);
    const button = page.getByRole('button', { name: 'Mark read as Bob Zhang' });
    await button.focus(WAIT);
    await page.keyboard.press('Enter');
    await page.locator('tr[data-user="user022"]', { hasText: 'Read' }).filter({ hasNotText: 'Unread' }).waitFor(WAIT);
    await page.locator('#announce', { hasText: /Bob Zhang (has read it|read it)/ }).waitFor(WAIT);
    assert.equal(await evaluate(page, "document.activeElement.getAttribute('aria-label')"), 'Mark read as Chen Zhang', 'focus moved to the next button');

    const readers: string[] = [];
    for await (const userId of client.orgGroupReadUsers({ robotCode: DEMO.robotCode, openConversationId: DEMO.groupId, processQueryKey: groupKey() })) {
      readers.push(userId);
    }
    assert.ok(readers.includes('user022'), `user022 among ${readers.join(',')}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('takes the title and breadcrumbs from the page shown, and fetches a page once', async () => {
    const { page, errors } = await open(`#/messages/${encodeURIComponent(groupKey())}`);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.locator('tr[data-user="user050"]').waitFor(WAIT);
    assert.equal(await crumbs(page), 'Organizations › Demo Corp › All hands › Message');
    assert.equal(await page.title(), 'All hands · dingread');

    await page.goto(`${ui}#/messages/no-such-key`);
    await page.getByRole('heading', { name: 'Message not found' }).waitFor(WAIT);
    assert.equal(await crumbs(page), 'Organizations › Message not found');
    assert.equal(await page.title(), 'Message not found · dingread');
    assert.match((await page.locator('main').textContent()) ?? '', /no message with processQueryKey no-such-key/);

    // A page loaded afresh: once the stream is up and everything has been asked, one fetch each.
    const fresh = await open('#/messages/no-such-key');
    const seen: string[] = [];
    fresh.page.on('request', (request) => seen.push(request.url()));
    await fresh.page.reload();
    await fresh.page.locator('#live.on').waitFor(WAIT);
    await fresh.page.getByRole('heading', { name: 'Message not found' }).waitFor(WAIT);
    await settled(fresh.page);
    assert.equal(seen.filter((url) => url.endsWith('/_dingread/v1/messages/no-such-key')).length, 1, seen.join('\n'));

    await fresh.page.goto(`${ui}#/messages/${encodeURIComponent(groupKey())}`);
    await fresh.page.locator('tr[data-user="user050"]').waitFor(WAIT);
    seen.length = 0;
    await fresh.page.reload();
    await fresh.page.locator('#live.on').waitFor(WAIT);
    await fresh.page.locator('tr[data-user="user050"]').waitFor(WAIT);
    await settled(fresh.page);
    assert.equal(seen.filter((url) => url.includes('/_dingread/v1/messages/')).length, 1, seen.join('\n'));
    assert.deepEqual([...errors, ...fresh.errors], []);
    await fresh.page.close();
    await page.close();
  });

  it('names things instead of showing raw ids, with one word for private chats and plurals right', async () => {
    await client.batchSendOTO({ robotCode: DEMO.robotCode, userIds: ['user001'], msgKey: 'sampleMarkdown', msgParam: { title: '# Release', text: '# Release\n\n2.4 is out' } });
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}`);
    await page.locator('.message', { hasText: 'Release' }).first().waitFor(WAIT);
    assert.equal(await page.locator('.message a.text', { hasText: '#' }).count(), 0, 'a markdown title without its "#"');

    await page.getByRole('link', { name: 'Alice Li and Bob Li' }).click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Alice Li and Bob Li' }).waitFor(WAIT);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Alice Li and Bob Li cidDemoPair==');
    assert.match((await page.locator('main').textContent()) ?? '', /Person-to-person chat between Alice Li and Bob Li/);
    assert.equal(await crumbs(page), 'Organizations › Demo Corp › Alice Li and Bob Li');
    await page.getByText('No messages here yet.').waitFor(WAIT);

    await page.goto(`${ui}#/orgs/${DEMO.corpId}/directory`);
    await page.getByRole('cell', { name: 'user050' }).waitFor(WAIT);
    const text = (await page.locator('main').textContent()) ?? '';
    assert.doesNotMatch(text, /\bprivate\b/);
    assert.match(text, /Alice Li and Bob Liperson-to-person2COOLAPP-1-DEMO/);
    assert.match(text, /dingdemobotDemo Botactive/);
    assert.doesNotMatch(text, /template: active|\b1 (robots|apps|users|members)\b/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('says so when the directory filter matches nobody', async () => {
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}/directory`);
    await page.getByRole('cell', { name: 'user050' }).waitFor(WAIT);
    await page.getByLabel('Filter users').fill('Jing');
    assert.ok((await page.locator('tbody tr', { hasText: 'Jing' }).count()) > 0);
    assert.match((await page.locator('#users-count').textContent()) ?? '', /^5 users of 50 match\.$/);
    await page.getByLabel('Filter users').fill('zzz');
    await page.getByText('No user’s name or userId contains “zzz”.').waitFor(WAIT);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('answers the send form with a link to the message, and opens a chat as a user', async () => {
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}`);
    await page.locator('#send-text').fill('Sent from the browser test');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const link = page.getByRole('link', { name: 'See the message and its reads' });
    await link.waitFor(WAIT);
    assert.match((await page.locator('form p[role="status"]').first().textContent()) ?? '', /^Sent to All hands\. See the message and its reads$/);
    const key = (await link.getAttribute('data-key')) as string;
    assert.equal(await link.getAttribute('href'), `#/messages/${encodeURIComponent(key)}`);
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

    await link.click();
    await page.getByRole('heading', { name: 'Sent from the browser test' }).waitFor(WAIT);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('filters the message list by robot, chat, status and text, with totals, 25 at a time', async () => {
    for (let i = 1; i <= 26; i++) {
      await client.batchSendOTO({ robotCode: DEMO.robotCode, userIds: ['user005'], msgKey: 'sampleText', msgParam: { content: `Bulk note ${i}` } });
    }
    const all = (await admin.messages({ corpId: DEMO.corpId, total: true })).total as number;
    const inGroup = (await admin.messages({ openConversationId: DEMO.groupId, total: true })).total as number;
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}`);
    const summary = page.locator('.summary');
    await page.locator('.message').nth(24).waitFor(WAIT);
    assert.equal(await summary.textContent(), `${all} messages, newest first: showing 25`);
    assert.equal(await page.locator('.message').count(), 25);
    await page.getByRole('button', { name: `Show ${Math.min(25, all - 25)} more` }).click();
    await page.locator('.message').nth(all - 1).waitFor(WAIT);
    assert.equal(await summary.textContent(), `${all} messages, newest first`);

    await page.getByLabel('Containing').fill('bulk note 2');
    await summary.filter({ hasText: '8 messages match' }).waitFor(WAIT); // 2, 20–26
    await page.getByLabel('Containing').fill('Bulk note 13');
    await summary.filter({ hasText: /^1 message match/ }).waitFor(WAIT);
    assert.equal(await page.locator('.message').count(), 1);
    await page.getByLabel('Containing').fill('');
    await page.getByLabel('In chat').selectOption({ label: 'All hands' });
    await summary.filter({ hasText: `${inGroup} messages match` }).waitFor(WAIT);
    await page.getByLabel('Sent by').selectOption({ label: 'Demo Bot' });
    await summary.filter({ hasText: `${inGroup} messages match` }).waitFor(WAIT);
    await page.getByLabel('Status').selectOption({ label: 'Recalled' });
    await page.getByText('No messages match these filters.').waitFor(WAIT);
    await page.getByRole('button', { name: 'Clear the filters' }).click();
    await summary.filter({ hasText: `${all} messages, newest first` }).waitFor(WAIT);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows the 24-hour window: past it the message can no longer be queried and has no "Mark read"; the axis has a date', async () => {
    const { page, errors } = await open(`#/messages/${encodeURIComponent(server.demo?.otoKey as string)}`);
    await page.getByText(/^Can be queried until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/).waitFor(WAIT);
    assert.ok((await page.getByRole('button', { name: /^Mark read as / }).count()) > 0);
    const labels = await evaluate<string[]>(page, "[...document.querySelectorAll('.chart text')].map((t) => t.textContent)");
    assert.ok(labels.some((label) => /^\d{4}-\d\d-\d\d$/.test(label)), `a date on the axis: ${labels.join(' | ')}`);
    try {
      await admin.clock.advance(25 * 3600_000);
      await page.getByText(/this message can no longer be queried/).waitFor(WAIT);
      assert.equal(await page.getByRole('button', { name: /^Mark read as / }).count(), 0);
      await page.goto(`${ui}#/orgs/${DEMO.corpId}`);
      await page.getByLabel('Containing').fill('Welcome to dingread');
      await page.locator(`.message[data-key="${server.demo?.otoKey}"] .badge.window`).waitFor({ state: 'visible', ...WAIT });
    } finally {
      await admin.clock.system();
    }
    await page.locator(`.message[data-key="${server.demo?.otoKey}"] .badge.window`).waitFor({ state: 'hidden', ...WAIT });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('resolves a message dated in the future once the clock, back on system time, reaches it', async () => {
    // The server's system time and the page's both run under the test's hand: they move together.
    let offset = 0;
    const clock = new Clock(() => Date.now() + offset);
    const ahead = await startServer({ port: 0, store: 'memory', demo: true, simulate: false, clock });
    const aheadAdmin = new AdminClient(ahead.url);
    const aheadClient = new DingTalkClient({ appKey: DEMO.appKey, appSecret: DEMO.appSecret, endpoint: ahead.url });
    const send = async (content: string): Promise<string> =>
      (await aheadClient.orgGroupSend({ robotCode: DEMO.robotCode, openConversationId: DEMO.groupId, msgKey: 'sampleText', msgParam: { content } })).processQueryKey;
    const page = await browser.newPage(DESKTOP);
    const errors = watchErrors(page);
    try {
      await page.clock.install();
      await page.goto(`${ahead.url}/_dingread/ui/#/orgs/${DEMO.corpId}`);
      await page.locator('#live.on').waitFor(WAIT);
      await aheadAdmin.clock.set(clock.now() + 60_000);
      const key = await send('Dated a minute ahead');
      await aheadAdmin.clock.system();
      const row = page.locator(`.message[data-key="${key}"]`);
      await row.filter({ hasText: 'PROCESSING' }).waitFor(WAIT);
      // No event comes when the clock gets there: the page knows when to look again.
      offset += 61_000;
      await page.clock.fastForward(61_000);
      await row.filter({ hasText: 'SUCCESS' }).waitFor(WAIT);

      await aheadAdmin.clock.set(clock.now() + 3600_000);
      const later = await send('Dated an hour ahead');
      await aheadAdmin.clock.system();
      await page.goto(`${ahead.url}/_dingread/ui/#/messages/${encodeURIComponent(later)}`);
      await page.getByText(/^Dated in the future: .* stays PROCESSING until the clock reaches/).waitFor(WAIT);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      await ahead.close();
    }
  });

  it('shows directory changes made with dingread seed at once', async () => {
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}`);
    await page.getByRole('link', { name: 'Directory: 50 users, 1 app' }).waitFor(WAIT);
    await page.locator('#send-robot').selectOption(DEMO.robotCode);
    const dir = mkdtempSync(join(tmpdir(), 'dingread-ui-'));
    try {
      const file = join(dir, 'more.json');
      writeFileSync(
        file,
        JSON.stringify({
          orgs: [{ corpId: DEMO.corpId, users: [{ userId: 'user051', name: 'Nora New' }], robots: [{ robotCode: 'dingsecondbot', name: 'Second Bot' }] }],
        }),
      );
      const seeded = await runCli(['seed', file, '--url', server.url]);
      assert.equal(seeded.status, 0, seeded.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await page.getByRole('link', { name: 'Directory: 51 users, 1 app' }).waitFor(WAIT);
    await page.getByRole('link', { name: 'Second Bot' }).waitFor(WAIT);
    assert.equal(await page.locator('#send-robot').inputValue(), DEMO.robotCode, 'the choice in the form stayed');
    assert.equal(await page.locator('#send-robot option').count(), 3, "the demo's two robots and the one seeded");

    await page.getByRole('link', { name: 'Directory: 51 users, 1 app' }).click();
    await page.getByRole('cell', { name: 'Nora New' }).waitFor(WAIT);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('fits a phone screen with a legible chart, and can be used from the keyboard', async () => {
    const phone = { viewport: { width: 390, height: 844 } };
    const { page, errors } = await open(`#/messages/${encodeURIComponent(groupKey())}`, phone);
    await page.locator('.chart svg').waitFor(WAIT);
    const heights = await evaluate<number[]>(page, "[...document.querySelectorAll('.chart text')].map((t) => t.getBoundingClientRect().height)");
    assert.ok(heights.length >= 7 && heights.every((height) => height >= 10), `chart labels at least 10 px tall: ${heights.join(', ')}`);
    for (const hash of [`#/messages/${encodeURIComponent(groupKey())}`, `#/orgs/${DEMO.corpId}`, `#/orgs/${DEMO.corpId}/directory`]) {
      await page.goto(`${ui}${hash}`);
      await page.locator('main h1').waitFor(WAIT);
      const overflow = await evaluate<number>(page, 'document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(overflow <= 0, `${hash}: no sideways scrolling (overflow ${overflow}px)`);
    }
    await page.goto(`${ui}#/orgs/${DEMO.corpId}`);
    await page.reload();
    await page.locator('.message').first().waitFor(WAIT);
    // The first Tab reaches the skip link, which moves focus to the content and stays on the page.
    await page.keyboard.press('Tab');
    assert.equal(await evaluate(page, 'document.activeElement.textContent'), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await evaluate(page, 'document.activeElement.id'), 'main');
    assert.equal(await evaluate(page, 'location.hash'), `#/orgs/${DEMO.corpId}`);
    // Every form control has a label.
    const unlabelled = await evaluate<number>(page, "[...document.querySelectorAll('input, select')].filter((el) => el.labels.length === 0).length");
    assert.equal(unlabelled, 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('says in words when there is nothing to show', async () => {
    const empty = await startServer({ port: 0, store: 'memory' });
    const page = await browser.newPage(DESKTOP);
    const errors = watchErrors(page);
    try {
      await page.goto(`${empty.url}/_dingread/ui/`);
      await page.getByText(/^No organizations yet: load a fixture \(dingread seed FILE/).waitFor(WAIT);
      await new AdminClient(empty.url).applyFixture({ orgs: [{ corpId: 'dingbare', name: 'Bare Org', apps: [{ appKey: 'dingbareapp', appSecret: 's' }] }] });
      await page.getByRole('link', { name: 'Bare Org' }).click();
      await page.getByText('No messages yet. Send one with the form above.').waitFor(WAIT);
      assert.equal(await page.getByText('No robots.').count(), 1);
      assert.equal(await page.getByText('No conversations.').count(), 1);
      assert.equal(await page.locator('.summary').textContent(), '');
      await page.getByRole('link', { name: /^Directory:/ }).click();
      await page.getByText('This organization has no users.').waitFor(WAIT);
      assert.equal(await page.getByText('No conversations.').count(), 1);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      await empty.close();
    }
  });

  it('asks for the admin token without saying "reconnecting", and then streams with it', async () => {
    const guarded = await startServer({ port: 0, store: 'memory', demo: true, simulate: false, adminToken: 'ui-s3cret' });
    const page = await browser.newPage(DESKTOP);
    const errors = watchErrors(page);
    try {
      await page.goto(`${guarded.url}/_dingread/ui/`);
      await page.getByLabel('Admin token').waitFor(WAIT);
      await page.locator('#live', { hasText: 'signed out' }).waitFor(WAIT);
      await settled(page);
      assert.equal(await page.locator('#live').textContent(), 'signed out');
      assert.equal(await page.title(), 'Sign in · dingread');
      await page.getByLabel('Admin token').fill('wrong');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('That admin token was not accepted.').waitFor(WAIT);
      assert.equal(await page.locator('#live').textContent(), 'signed out');
      await page.getByLabel('Admin token').fill('ui-s3cret');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Demo Corp' }).waitFor(WAIT);
      await page.locator('#live.on').waitFor(WAIT);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      await guarded.close();
    }
  });
});

describe('dashboard screenshots', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ port: 0, store: 'memory', demo: true, simulate: false });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows each view as the README does', async () => {
    const ui = `${server.url}/_dingread/ui/`;
    const admin = new AdminClient(server.url);
    await admin.reads(['user021', 'user022', 'user023'].map((userId) => ({ processQueryKey: server.demo?.groupKey as string, userId })));
    const page = await browser.newPage(DESKTOP);
    const shoot = async (hash: string, ready: string, name: string, fullPage = true): Promise<void> => {
      await page.goto(`${ui}${hash}`);
      await page.locator('#live.on').waitFor(WAIT);
      await page.locator(ready).first().waitFor(WAIT);
      await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage });
    };
    await shoot('', 'ul.orgs a', 'home');
    await shoot(`#/orgs/${DEMO.corpId}`, '.message', 'org');
    await shoot(`#/messages/${encodeURIComponent(server.demo?.groupKey as string)}`, 'tr[data-user="user050"]', 'message');
    await shoot(`#/orgs/${DEMO.corpId}/directory`, 'td.mono', 'directory');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(`#/messages/${encodeURIComponent(server.demo?.groupKey as string)}`, '.chart svg', 'phone', false);
    for (const name of ['home', 'org', 'message', 'directory', 'phone']) assert.ok(existsSync(`${SHOTS}/${name}.png`), name);
    await page.close();
  });
});

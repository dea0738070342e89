/**
 * The dashboard's chat view in a real headless Chromium: write as a user, see the bot's reply
 * arrive live (the bot here is a Stream client that answers through the session webhook), with its
 * read state, one-on-one and in a group; focus stays where it was through live updates, and what
 * others said is announced. Its screenshot (chat.png) goes where the dashboard's do: to
 * test-output/screenshots/, or to DINGREAD_SCREENSHOTS (`npm run screenshots`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AdminClient } from '../../src/testing/admin-client.js';
import { connectStream, type RawStreamClient } from '../helpers/stream-client.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env['DINGREAD_SCREENSHOTS'] || 'test-output/screenshots';
const WAIT = { timeout: 30_000 };
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)`;

/** A bot that answers every message with "echo: …" through its session webhook, and acknowledges it. */
async function echoBot(url: string): Promise<RawStreamClient> {
  const bot = await connectStream(url, DEMO.appKey, DEMO.appSecret);
  bot.ws.on('message', (text) => {
    const frame = JSON.parse(String(text));
    if (frame.type !== 'CALLBACK') return;
    const data = JSON.parse(frame.data);
    void fetch(data.sessionWebhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'text', text: { content: `echo: ${data.text.content.trim()}` } }),
    }).then(() => bot.ack(frame.headers.messageId));
  });
  return bot;
}

/** Strings, because the tests compile without the DOM's types. */
const evaluate = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

describe('dashboard: the chat view', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let bot: RawStreamClient;
  let admin: AdminClient;
  let ui: string;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ port: 0, store: 'memory', demo: true, simulate: false });
    admin = new AdminClient(server.url);
    ui = `${server.url}/_dingread/ui/`;
    bot = await echoBot(server.url);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });
  after(async () => {
    await bot?.close();
    await browser?.close();
    await server?.close();
  });

  async function open(path: string, width = 1000): Promise<{ page: Page; errors: string[] }> {
    // No highlight caught mid-animation in the screenshot.
    const page = await browser.newPage({ viewport: { width, height: 900 }, reducedMotion: 'reduce' });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${ui}${path}`);
    await page.locator('#live.on').waitFor(WAIT);
    return { page, errors };
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.locator('#chat-text').fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  }

  it('writes to a robot as a user; the reply arrives live, unread, then read once the user writes again', async () => {
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}/robots/${DEMO.appRobotCode}`);
    await page.getByRole('link', { name: 'Chat with this robot as a user' }).click();
    await page.locator('#chat-user').waitFor(WAIT);
    assert.equal(await page.title(), 'Demo App: chat · dingread');
    assert.equal(await evaluate(page, "[...document.querySelectorAll('#crumbs li')].map((li) => li.textContent).join(' › ')"), 'Organizations › Demo Corp › Demo App › Chat');
    await page.locator('#chat-user').selectOption('user004');
    await page.getByText('Bots connected (Stream mode): dingdemoapp ×1').waitFor(WAIT);
    await say(page, 'hello from the phone');
    await page.getByRole('status').filter({ hasText: 'Demo App: delivered to its bot' }).waitFor(WAIT);
    const reply = page.locator('.bubble.robot', { hasText: 'echo: hello from the phone' });
    await reply.waitFor(WAIT);
    assert.match((await reply.textContent()) ?? '', /Demo App.*reply.*Unread/s);
    assert.match((await page.locator('.bubble.mine').last().textContent()) ?? '', /hello from the phone/);
    await page.locator('#announce', { hasText: 'Demo App: echo: hello from the phone' }).waitFor(WAIT);
    await say(page, 'thanks');
    await reply.locator('.read-yes').waitFor(WAIT);
    assert.match((await reply.textContent()) ?? '', /Read \d{4}-\d\d-\d\d/);
    await page.locator('.bubble.robot', { hasText: 'echo: thanks' }).waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}/chat.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('keeps what is being typed, and the focus, while others speak and the bot answers', async () => {
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}/chat/conversations/${encodeURIComponent(DEMO.groupId)}`);
    await page.locator('#chat-user').selectOption('user020');
    await page.locator('#chat-text').fill('half a tho');
    await page.locator('#chat-text').focus();
    // Another member speaks to the bot elsewhere; the view updates in place around the text box.
    await admin.say({ userId: 'user021', openConversationId: DEMO.groupId, text: 'meanwhile', atRobots: [DEMO.robotCode] });
    await page.locator('.bubble.robot', { hasText: 'echo: meanwhile' }).waitFor(WAIT);
    await page.locator('#announce', { hasText: /Demo Bot: echo: meanwhile|2 new messages, the last from Demo Bot: echo: meanwhile/ }).waitFor(WAIT);
    assert.equal(await evaluate(page, 'document.activeElement.id'), 'chat-text', 'focus stayed in the text box');
    assert.equal(await page.locator('#chat-text').inputValue(), 'half a tho', 'and what was typed stayed');
    assert.match((await page.locator('.bubble.theirs').last().textContent()) ?? '', /Alice Zhang.*@Demo Bot.*meanwhile/s);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows a custom (webhook) robot’s post live, by its name, without read status', async () => {
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}/chat/conversations/${encodeURIComponent(DEMO.groupId)}`);
    await page.locator('#chat-user').waitFor(WAIT);
    const answer = await fetch(`${server.url}/robot/send?access_token=${DEMO.webhookToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'markdown', markdown: { title: 'Deploy', text: 'deploy finished' } }),
    });
    assert.deepEqual(await answer.json(), { errcode: 0, errmsg: 'ok' });
    const bubble = page.locator('.bubble.robot', { hasText: 'deploy finished' });
    await bubble.waitFor(WAIT);
    assert.match((await bubble.locator('.meta').textContent()) ?? '', /Demo Alerts.*webhook/s);
    assert.equal(await bubble.locator('.state').isHidden(), true);
    await page.locator('#announce', { hasText: 'Demo Alerts: deploy finished' }).waitFor(WAIT);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('in a group, hears only when the robot is @-mentioned, and counts who has read its reply', async () => {
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}/conversations/${encodeURIComponent(DEMO.groupId)}`, 390);
    await page.getByRole('link', { name: 'Open the chat, as a user' }).click();
    await page.locator('#chat-user').selectOption('user010');
    await page.getByLabel('@Demo Bot').uncheck();
    await say(page, 'just between us');
    await page.getByRole('status').filter({ hasText: 'Demo Bot: not @-mentioned' }).waitFor(WAIT);
    await page.getByLabel('@Demo Bot').check();
    await say(page, 'bot, are you there?');
    const reply = page.locator('.bubble.robot', { hasText: 'echo: bot, are you there?' });
    await reply.waitFor(WAIT);
    assert.match((await reply.textContent()) ?? '', /0 \/ 50 read/);
    assert.match((await page.locator('.bubble.mine').last().textContent()) ?? '', /@Demo Bot/);
    // Another member opens the chat elsewhere (the control plane): they become a reader, live.
    await admin.openConversation(DEMO.groupId, 'user011');
    await reply.locator('.state', { hasText: /^1 \/ 50 read$/ }).waitFor(WAIT);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

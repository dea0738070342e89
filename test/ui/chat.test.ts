/**
 * The dashboard's chat view in a real headless Chromium: write as a user, see the bot's reply
 * arrive live (the bot here is a Stream client that answers through the session webhook), with its
 * read state, one-on-one and in a group. Screenshots: test-output/screenshots/chat*.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { connectStream, type RawStreamClient } from '../helpers/stream-client.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = 'test-output/screenshots';
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

describe('dashboard: the chat view', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let bot: RawStreamClient;
  let ui: string;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ port: 0, store: 'memory', demo: true, simulate: false });
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
    const page = await browser.newPage({ viewport: { width, height: 900 } });
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
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}/robots/${DEMO.robotCode}`);
    await page.getByRole('link', { name: 'Chat with this robot as a user' }).click();
    await page.locator('#chat-user').waitFor(WAIT);
    await page.locator('#chat-user').selectOption('user004');
    await page.getByText('Bots connected (Stream mode): dingdemoapp ×1').waitFor(WAIT);
    await say(page, 'hello from the phone');
    await page.getByRole('status').filter({ hasText: 'Demo Bot: delivered to its bot' }).waitFor(WAIT);
    const reply = page.locator('.bubble.robot', { hasText: 'echo: hello from the phone' });
    await reply.waitFor(WAIT);
    assert.match((await reply.textContent()) ?? '', /Demo Bot.*reply.*Unread/s);
    assert.match((await page.locator('.bubble.mine').last().textContent()) ?? '', /hello from the phone/);
    await say(page, 'thanks');
    await reply.locator('.read-yes').waitFor(WAIT);
    assert.match((await reply.textContent()) ?? '', /Read \d{4}-\d\d-\d\d/);
    await page.locator('.bubble.robot', { hasText: 'echo: thanks' }).waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}/chat.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('in a group, hears only when the robot is @-mentioned, and counts who has read its reply', async () => {
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}/conversations/${encodeURIComponent(DEMO.groupId)}`, 390);
    await page.getByRole('link', { name: 'Open the chat, as a user' }).click();
    await page.locator('#chat-user').selectOption('user010');
    await page.getByLabel('@Demo Bot').uncheck();
    await say(page, 'just between us');
    await page.getByRole('status').filter({ hasText: 'not @-mentioned' }).waitFor(WAIT);
    await page.getByLabel('@Demo Bot').check();
    await say(page, 'bot, are you there?');
    const reply = page.locator('.bubble.robot', { hasText: 'echo: bot, are you there?' });
    await reply.waitFor(WAIT);
    assert.match((await reply.textContent()) ?? '', /0 \/ 50 read/);
    assert.match((await page.locator('.bubble.mine').last().textContent()) ?? '', /@Demo Bot/);
    // Another member writes elsewhere (the control plane): the open makes them a reader, live.
    await fetch(`${server.url}/_dingread/v1/conversations/${encodeURIComponent(DEMO.groupId)}/read`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'user011' }),
    });
    await reply.locator('.state', { hasText: /^1 \/ 50 read$/ }).waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}/chat-phone.png`, fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });
});

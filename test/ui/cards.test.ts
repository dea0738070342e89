/**
 * Interactive cards in the dashboard, in a real headless Chromium: a card a bot delivered into a
 * group is drawn from its data in the chat (title, markdown, buttons) and on its message's page;
 * a simulated user presses a button, and the bot (a Stream client on the card topic) gets the
 * callback; a streamed change shows up live. Its screenshot (cards.png) goes where the dashboard's
 * do: to test-output/screenshots/, or to DINGREAD_SCREENSHOTS (`npm run screenshots`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { call, tokenFor } from '../helpers/server.js';
import { connectStream, nthCallback, type RawStreamClient } from '../helpers/stream-client.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env['DINGREAD_SCREENSHOTS'] || 'test-output/screenshots';
const WAIT = { timeout: 30_000 };
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)`;
const CARD_TOPIC = '/v1.0/card/instances/callback';

describe('dashboard: interactive cards', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let bot: RawStreamClient;
  let token: string;
  let carrier: string;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ port: 0, store: 'memory', demo: true, simulate: false });
    bot = await connectStream(server.url, DEMO.appKey, DEMO.appSecret, { subscriptions: [{ type: 'CALLBACK', topic: CARD_TOPIC }] });
    token = await tokenFor(server.url, DEMO.appKey, DEMO.appSecret);
    const template = await call(server.url, 'POST', '/_dingread/v1/cardTemplates', {
      body: { corpId: DEMO.corpId, cardTemplateId: 'demo-approval.schema', name: 'Approval', buttons: [{ text: 'Approve', actionId: 'approve', params: { decision: 'yes' } }] },
    });
    assert.equal(template.status, 201);
    const created = await call(server.url, 'POST', '/v1.0/card/instances/createAndDeliver', {
      token,
      body: {
        outTrackId: 'ui-card-1',
        cardTemplateId: 'demo-approval.schema',
        cardData: { cardParamMap: { title: 'Leave request', content: '# Three days\n**Alice** asks for time off' } },
        callbackType: 'STREAM',
        openSpaceId: `dtv1.card//IM_GROUP.${DEMO.groupId}`,
        imGroupOpenDeliverModel: { robotCode: DEMO.appRobotCode },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    carrier = created.body.result.deliverResults[0].carrierId;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });
  after(async () => {
    await bot?.close();
    await browser?.close();
    await server?.close();
  });

  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, reducedMotion: 'reduce' });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/_dingread/ui/${path}`);
    await page.locator('#live.on').waitFor(WAIT);
    return { page, errors };
  }

  it('draws the card in the group chat; pressing a button calls the bot back; a streamed change arrives live', async () => {
    const { page, errors } = await open(`#/orgs/${DEMO.corpId}/chat/conversations/${encodeURIComponent(DEMO.groupId)}`);
    const drawn = page.locator('.im-card[data-out-track-id="ui-card-1"]');
    await drawn.waitFor(WAIT);
    assert.equal(await drawn.locator('.card-title').textContent(), 'Leave request');
    assert.equal(await drawn.locator('.card-heading').textContent(), 'Three days');
    assert.equal(await drawn.locator('.card-body strong').textContent(), 'Alice');

    await page.locator('#chat-user').selectOption('user003');
    await drawn.getByRole('button', { name: 'Approve' }).click();
    const frame = await nthCallback(bot, 1, 'the card callback');
    assert.equal(frame.headers['topic'], CARD_TOPIC);
    const data = JSON.parse(frame.data);
    assert.equal(data.userId, 'user003');
    assert.deepEqual(JSON.parse(data.content), { cardPrivateData: { actionIds: ['approve'], params: { decision: 'yes' } } });
    bot.ack(frame.headers['messageId'] as string);
    await page.locator('.im-card .card-result', { hasText: 'sent to its bot' }).waitFor(WAIT);

    const streamed = await call(server.url, 'PUT', '/v1.0/card/streaming', {
      token,
      body: { outTrackId: 'ui-card-1', guid: 'g1', key: 'content', content: 'Approved by **Bob**', isFull: true, isFinalize: true },
    });
    assert.equal(streamed.status, 200);
    await page.locator('.im-card .card-body', { hasText: 'Approved by Bob' }).waitFor(WAIT);
    assert.equal(await page.locator('.im-card .card-state').textContent(), 'content: done');
    assert.deepEqual(errors, []);
    await page.screenshot({ path: `${SHOTS}/cards.png`, fullPage: true });
    await page.close();
  });

  it("shows the card on its message's page, with a user to press its buttons as", async () => {
    const { page, errors } = await open(`#/messages/${encodeURIComponent(carrier)}`);
    const drawn = page.locator('#message-card.im-card');
    await drawn.waitFor(WAIT);
    assert.equal(await drawn.locator('.card-title').textContent(), 'Leave request');
    await page.locator('#card-user').selectOption('user002');
    await drawn.getByRole('button', { name: 'Approve' }).click();
    const frame = await nthCallback(bot, 2, 'the second callback');
    assert.equal(JSON.parse(frame.data).userId, 'user002');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

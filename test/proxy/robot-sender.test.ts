/**
 * `dingtalk-robot-sender` (npm), the package alerting scripts post to a group's custom robot
 * with, run unchanged against dingread: once in this process with its webhook URL pointed at
 * dingread, once as its user runs it, with DingTalk's URL and HTTPS_PROXY (its axios 0.19 then
 * sends the whole URL to the proxy). Both sign with the robot's secret; a wrong secret gets
 * DingTalk's answer.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { LoggedRequest } from '../../src/core/request-log.js';
import { AdminClient } from '../../src/testing/admin-client.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { ACME } from '../helpers/fixtures.js';
import { childJson, runChild } from '../helpers/proxy.js';
import { testDirectory } from '../helpers/fixtures.js';

const CLIENTS = fileURLToPath(new URL('./clients/', import.meta.url));
const require = createRequire(import.meta.url);
const ChatBot = require('dingtalk-robot-sender') as new (options: Record<string, string>) => {
  text(content: string, at?: Record<string, unknown>): Promise<{ status: number; data: any }>;
};
const OK = { errcode: 0, errmsg: 'ok' };

describe('dingtalk-robot-sender, unchanged', () => {
  let server: RunningServer;
  let admin: AdminClient;
  before(async () => {
    server = await startServer({ port: 0, store: 'memory' });
    admin = new AdminClient(server.url);
    const document = testDirectory();
    const acme = document.orgs[0] as (typeof document.orgs)[number];
    acme.conversations = [
      {
        openConversationId: ACME.smallGroup,
        type: 'group',
        webhookRobots: [{ name: 'Alerts', accessToken: 'tok-alerts', secret: 'SECsender', keywords: ['alert'], ipRanges: ['127.0.0.1/32'] }],
      },
    ];
    await admin.applyFixture(document);
  });
  after(() => server.close());

  const timeline = async (): Promise<any[]> =>
    ((await (await fetch(`${server.url}/_dingread/v1/conversations/${encodeURIComponent(ACME.smallGroup)}/messages`)).json()) as { items: any[] }).items;

  it('posts through its webhook URL, signing with the secret; a wrong secret is refused', async () => {
    const robot = new ChatBot({ baseUrl: `${server.url}/robot/send`, accessToken: 'tok-alerts', secret: 'SECsender' });
    const answer = await robot.text('alert: direct');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.data, OK);
    assert.equal((await timeline()).at(-1).text, 'alert: direct');
    const wrong = new ChatBot({ webhook: `${server.url}/robot/send?access_token=tok-alerts`, secret: 'SECwrong' });
    const refused = await wrong.text('alert: forged');
    assert.equal(refused.data.errcode, 310000);
    assert.match(refused.data.errmsg, /签名不匹配/);
    const unsigned = new ChatBot({ webhook: `${server.url}/robot/send?access_token=tok-alerts` });
    assert.deepEqual((await unsigned.text('alert: unsigned')).data, { errcode: 310000, errmsg: 'invalid timestamp' });
  });

  it('as its user runs it, with DingTalk’s URL and HTTPS_PROXY: every message type it has', async () => {
    const since = (await admin.requests({ limit: 1 }))[0]?.seq ?? 0;
    const run = await runChild(process.execPath, [`${CLIENTS}robot-sender.js`], {
      HTTPS_PROXY: server.url,
      ROBOT_TOKEN: 'tok-alerts',
      ROBOT_SECRET: 'SECsender',
    });
    const { answers } = childJson<{ answers: unknown[] }>(run);
    assert.deepEqual(answers, Array.from({ length: 5 }, () => OK));
    const items = (await timeline()).slice(-5);
    assert.deepEqual(
      items.map((item) => [item.from.webhookRobot, item.msgtype, item.text]),
      [
        ['Alerts', 'text', 'alert: disk full on db-1'],
        ['Alerts', 'markdown', '#### alert\n> db-1 is **down**'],
        ['Alerts', 'link', 'runbook'],
        ['Alerts', 'actionCard', 'restart db-1?'],
        ['Alerts', 'feedCard', 'alert one'],
      ],
    );
    assert.deepEqual(items[0].at, { atMobiles: ['13800000000'] });
    assert.deepEqual(items[1].at, { isAtAll: true });
    const calls = (await admin.requests({ limit: 100 })).filter((entry: LoggedRequest) => entry.seq > since).reverse();
    assert.deepEqual(
      calls.map((call) => `${call.via} ${call.host} ${call.method} ${call.path} ${call.status}`),
      Array.from({ length: 5 }, () => 'absolute oapi.dingtalk.com POST /robot/send 200'),
    );
  });
});

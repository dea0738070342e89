/**
 * The official Stream SDK, npm `dingtalk-stream`, with its own axios (1.21 or later, which tunnels
 * through HTTPS_PROXY with CONNECT), run unchanged in a child process as its user would start it:
 * HTTPS_PROXY pointing at dingread and NODE_EXTRA_CA_CERTS trusting dingread's CA
 * (clients/stream-bot.ts). Its calls to DingTalk's hosts arrive inside tunnels; its WebSocket, which
 * honours no proxy setting, dials the endpoint dingread hands out, which must therefore be
 * dingread's own address. The other path, axios 1.13 sending whole URLs, runs in process in
 * test/stream/sdk.test.ts.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { LoggedRequest } from '../../src/core/request-log.js';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AdminClient } from '../../src/testing/admin-client.js';
import { caFile, startChild, type ChildRun, type RunningChild } from '../helpers/proxy.js';
import { until } from '../helpers/wait.js';

const STREAM_BOT = fileURLToPath(new URL('./clients/stream-bot.js', import.meta.url));

interface Step {
  sdkAxios?: string;
  legacyToken?: string;
  connected?: boolean;
  endpoint?: string;
  received?: Record<string, unknown>;
  messageId?: string;
  replied?: { errcode: number; errmsg: string };
  acknowledged?: string;
  error?: string;
}

describe('dingtalk-stream through dingread as its proxy, with its own axios (CONNECT)', () => {
  let server: RunningServer;
  let admin: AdminClient;
  let ca: string;
  before(async () => {
    server = await startServer({ port: 0, store: 'memory', demo: true, simulate: false });
    admin = new AdminClient(server.url);
    ca = (await caFile(server.url)).path;
  });
  after(() => server.close());

  const lastSeq = async (): Promise<number> => (await admin.requests({ limit: 1 }))[0]?.seq ?? 0;
  const callsSince = async (seq: number): Promise<LoggedRequest[]> => (await admin.requests({ limit: 1000 })).filter((entry) => entry.seq > seq).reverse();

  /** The bot, started as its user would start it, once it has connected. */
  async function startBot(env: Record<string, string>): Promise<RunningChild> {
    const bot = startChild(process.execPath, [STREAM_BOT], { BOT_APP_KEY: DEMO.appKey, BOT_APP_SECRET: DEMO.appSecret, NODE_EXTRA_CA_CERTS: ca, ...env });
    let exited: ChildRun | undefined;
    void bot.done.then((run) => (exited = run));
    await until('the bot to connect', () => {
      const failed = exited ?? (bot.lines<Step>().some((step) => step.connected === false || step.error) ? { stdout: bot.stdout, stderr: '' } : undefined);
      if (failed) throw new Error(`the bot did not connect:\n${failed.stderr}\n${failed.stdout}`);
      return bot.lines<Step>().some((step) => step.connected === true);
    });
    return bot;
  }
  const stepOf = (bot: RunningChild, key: keyof Step): Step | undefined => bot.lines<Step>().find((step) => step[key] !== undefined);

  it('connects through tunnels, gets a user’s message, answers it through the session webhook and acknowledges it', async () => {
    const since = await lastSeq();
    const bot = await startBot({ HTTPS_PROXY: server.url });
    try {
      const [major, minor] = (stepOf(bot, 'sdkAxios')?.sdkAxios ?? '').split('.').map(Number) as [number, number];
      assert.ok(major > 1 || minor >= 21, `the SDK's axios ${major}.${minor} tunnels only from 1.21`);
      assert.match(stepOf(bot, 'legacyToken')?.legacyToken ?? '', /^[0-9a-f]{32}$/, 'the SDK’s gettoken on oapi.dingtalk.com');
      // Handed dingread's own address, not DingTalk's host: the WebSocket goes there directly.
      assert.equal(stepOf(bot, 'endpoint')?.endpoint, `ws://127.0.0.1:${server.port}/connect`);
      assert.deepEqual(
        (await callsSince(since)).map((call) => `${call.via} ${call.host} ${call.method} ${call.path} ${call.status}`),
        ['tunnel oapi.dingtalk.com GET /gettoken 200', 'tunnel api.dingtalk.com POST /v1.0/gateway/connections/open 200'],
      );
      const [connection] = await admin.stream.connections();
      assert.equal(connection?.clientId, DEMO.appKey);
      // The SDK's default subscription to every event, and the robot topic the bot registered.
      assert.deepEqual(connection?.subscriptions, [
        { type: 'EVENT', topic: '*' },
        { type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' },
      ]);

      const said = await admin.say({ userId: 'user001', robotCode: DEMO.appRobotCode, text: 'hello through a tunnel' });
      assert.deepEqual(said.deliveries, [{ robotCode: DEMO.appRobotCode, status: 'delivered' }]);
      await until('the bot to answer and acknowledge', () => stepOf(bot, 'acknowledged') !== undefined);
      const { received, messageId } = stepOf(bot, 'received') as Step;
      assert.equal(received?.['msgId'], said.msgId);
      assert.deepEqual([received?.['senderStaffId'], received?.['robotCode'], received?.['conversationType']], ['user001', DEMO.appRobotCode, '1']);
      assert.match(String(received?.['sessionWebhook']), new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/robot/sendBySession\\?session=`));
      assert.deepEqual(stepOf(bot, 'replied')?.replied, { errcode: 0, errmsg: 'ok' });
      assert.equal(stepOf(bot, 'acknowledged')?.acknowledged, messageId);
      await until('the acknowledgement to arrive', async () => (await admin.stream.connections())[0]?.unacknowledged.length === 0);
      const chat = await admin.chat({ robotCode: DEMO.appRobotCode, userId: 'user001' });
      assert.deepEqual(
        chat.slice(-2).map((item) => [item.via, item.text]),
        [
          ['user', 'hello through a tunnel'],
          ['sessionWebhook', 'echo: hello through a tunnel'],
        ],
      );
    } finally {
      bot.stop();
      await bot.done;
    }
    await until('the connection to close', async () => (await admin.stream.connections()).length === 0);
  });

  it('with HTTP_PROXY too, its answer to the http:// session webhook goes through the proxy as a whole URL', async () => {
    const bot = await startBot({ HTTPS_PROXY: server.url, HTTP_PROXY: server.url });
    try {
      const since = await lastSeq();
      const said = await admin.say({ userId: 'user002', openConversationId: DEMO.groupId, text: 'anyone?', atRobots: [DEMO.appRobotCode] });
      assert.deepEqual(
        said.deliveries.find((delivery) => delivery.robotCode === DEMO.appRobotCode),
        { robotCode: DEMO.appRobotCode, status: 'delivered' },
      );
      await until('the bot to answer', () => stepOf(bot, 'acknowledged') !== undefined);
      assert.equal(stepOf(bot, 'received')?.received?.['conversationType'], '2');
      const [reply] = (await callsSince(since)).filter((call) => call.path === '/robot/sendBySession');
      assert.deepEqual([reply?.via, reply?.host, reply?.status, reply?.responseBody], ['absolute', `127.0.0.1:${server.port}`, 200, { errcode: 0, errmsg: 'ok' }]);
      assert.equal(reply?.query?.['session'], '***', 'the session is a credential, masked in the log');
      const chat = await admin.chat({ openConversationId: DEMO.groupId });
      assert.equal(chat.at(-1)?.text, 'echo: anyone?');
    } finally {
      bot.stop();
      await bot.done;
    }
  });
});

/**
 * The @openclaw-china/dingtalk OpenClaw plugin in Stream mode, unchanged, in a child process
 * started as its user would start it: HTTPS_PROXY at dingread, NODE_EXTRA_CA_CERTS trusting
 * dingread's CA, and fetch-proxy.js preloaded so that Node's fetch honours the proxy
 * (clients/openclaw-china-stream.ts). The host starts its account; the plugin's `dingtalk-stream`
 * client connects (its axios tunnels), a user's message said through dingread reaches the
 * plugin's inbound handler, which dispatches it to the host's stand-in agent, and the agent's
 * answer goes back to dingread from the plugin: with the robot API, or as the plugin's AI card.
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
import type { InboundContext } from './clients/openclaw-china-host.js';

const CLIENTS = fileURLToPath(new URL('./clients/', import.meta.url));

interface Step {
  started?: boolean;
  stopped?: boolean;
  inbound?: InboundContext;
  log?: string;
  error?: string;
}

describe('the @openclaw-china/dingtalk OpenClaw plugin in Stream mode, through dingread as its proxy', () => {
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
  const routes = (calls: LoggedRequest[]): string[] => calls.map((call) => `${call.via} ${call.host} ${call.method} ${call.path} ${call.status}`);

  /** The plugin under its host, once dingread has its connection. */
  async function startPlugin(aiCard: boolean): Promise<RunningChild> {
    const plugin = startChild(process.execPath, ['--import', `${CLIENTS}fetch-proxy.js`, `${CLIENTS}openclaw-china-stream.js`], {
      BOT_APP_KEY: DEMO.appKey,
      BOT_APP_SECRET: DEMO.appSecret,
      BOT_AI_CARD: String(aiCard),
      HTTPS_PROXY: server.url,
      NODE_EXTRA_CA_CERTS: ca,
    });
    let exited: ChildRun | undefined;
    void plugin.done.then((run) => (exited = run));
    await until('the plugin to connect', async () => {
      if (exited) throw new Error(`the plugin exited:\n${exited.stderr}\n${exited.stdout}`);
      return (await admin.stream.connections()).some((connection) => connection.clientId === DEMO.appKey);
    });
    return plugin;
  }
  async function stopPlugin(plugin: RunningChild): Promise<void> {
    plugin.stop();
    const run = await plugin.done;
    assert.ok(plugin.lines<Step>().some((step) => step.stopped), `the account stops on the host's abort signal:\n${run.stderr}`);
    await until('the connection to close', async () => (await admin.stream.connections()).length === 0);
  }
  const steps = (plugin: RunningChild, key: keyof Step): Step[] => plugin.lines<Step>().filter((step) => step[key] !== undefined);
  /** The lines the plugin has logged (through the host's runtime) that match. */
  const logged = (plugin: RunningChild, pattern: RegExp): string[] => steps(plugin, 'log').flatMap((step) => (pattern.test(step.log ?? '') ? [step.log ?? ''] : []));

  it('hears a user one on one and in a group (@-mentioned), and answers each with the robot API', async () => {
    const plugin = await startPlugin(false);
    try {
      const since = await lastSeq();
      const [connection] = await admin.stream.connections();
      assert.deepEqual(connection?.subscriptions, [
        { type: 'EVENT', topic: '*' },
        { type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' },
      ]);

      const said = await admin.say({ userId: 'user001', robotCode: DEMO.appRobotCode, text: 'hello plugin' });
      assert.deepEqual(said.deliveries, [{ robotCode: DEMO.appRobotCode, status: 'delivered' }]);
      await until('the answer one on one', async () => (await admin.chat({ robotCode: DEMO.appRobotCode, userId: 'user001' })).at(-1)?.text === 'echo: hello plugin');
      const [direct] = steps(plugin, 'inbound').map((step) => step.inbound);
      assert.deepEqual(
        [direct?.ChatType, direct?.From, direct?.To, direct?.SenderId, direct?.Body],
        ['direct', 'dingtalk:user001', 'user:user001', 'user001', 'hello plugin'],
      );

      const inGroup = await admin.say({ userId: 'user002', openConversationId: DEMO.groupId, text: 'standup?', atRobots: [DEMO.appRobotCode] });
      assert.deepEqual(
        inGroup.deliveries.find((delivery) => delivery.robotCode === DEMO.appRobotCode),
        { robotCode: DEMO.appRobotCode, status: 'delivered' },
      );
      await until('the answer in the group', async () => (await admin.chat({ openConversationId: DEMO.groupId })).at(-1)?.text === 'echo: standup?');
      const group = steps(plugin, 'inbound')[1]?.inbound;
      assert.deepEqual(
        [group?.ChatType, group?.To, group?.SenderId, group?.WasMentioned],
        ['group', `chat:${DEMO.groupId}`, 'user002', true],
        'the plugin reads the @-mention from atUsers',
      );

      // Each answer is the app's own bot's message, sent as markdown, and the plugin acknowledged each push.
      const chat = await admin.chat({ robotCode: DEMO.appRobotCode, userId: 'user001' });
      assert.deepEqual(chat.slice(-2).map((item) => [item.via, item.msgKey, item.text]), [
        ['user', null, 'hello plugin'],
        ['api', 'sampleMarkdown', 'echo: hello plugin'],
      ]);
      await until('the acknowledgements to arrive', async () => (await admin.stream.connections())[0]?.unacknowledged.length === 0);
      const calls = await callsSince(since);
      assert.deepEqual(routes(calls), [
        'tunnel api.dingtalk.com POST /v1.0/oauth2/accessToken 200',
        'tunnel api.dingtalk.com POST /v1.0/robot/oToMessages/batchSend 200',
        'tunnel api.dingtalk.com POST /v1.0/robot/groupMessages/send 200',
      ]);
      for (const call of calls) assert.equal(call.unknownFields, undefined, `${call.path}: the plugin sends only fields DingTalk's API knows`);
      assert.deepEqual(steps(plugin, 'error'), []);
    } finally {
      await stopPlugin(plugin);
    }
  });

  it('answers with its AI card (DingTalk\'s AI markdown template) in the user\'s chat and in the group', async () => {
    const plugin = await startPlugin(true);
    try {
      const since = await lastSeq();
      await admin.say({ userId: 'user001', robotCode: DEMO.appRobotCode, text: 'a card, please' });
      await until('the first card to finish', () => logged(plugin, /AI Card streaming completed/).length === 1);
      await admin.say({ userId: 'user002', openConversationId: DEMO.groupId, text: 'and one here', atRobots: [DEMO.appRobotCode] });
      await until('the second card to finish', () => logged(plugin, /AI Card streaming completed/).length === 2);
      assert.deepEqual(logged(plugin, /falling back/), [], 'no plain-message fallback');
      assert.deepEqual(steps(plugin, 'error'), []);

      const outTrackIds = logged(plugin, /Creating card instance/).map((line) => /(card_\S+)$/.exec(line)?.[1] ?? '');
      const [userCard, groupCard] = await Promise.all(outTrackIds.map((outTrackId) => admin.cards.get(DEMO.corpId, outTrackId)));
      assert.ok(userCard && groupCard, 'both cards are there');
      assert.equal(userCard.cardTemplateId, '382e4302-551d-4880-bf29-a30acfab2e71.schema');
      // Delivered without a robotCode for the user's chat: the app's own bot carries it.
      assert.deepEqual(userCard.deliveries.map((d) => [d.spaceType, d.spaceId, d.robotCode]), [['IM_ROBOT', 'user001', DEMO.appKey]]);
      assert.deepEqual(groupCard.deliveries.map((d) => [d.spaceType, d.spaceId, d.robotCode]), [['IM_GROUP', DEMO.groupId, DEMO.appKey]]);
      for (const [card, text] of [
        [userCard, 'echo: a card, please'],
        [groupCard, 'echo: and one here'],
      ] as const) {
        assert.deepEqual([card.cardData['msgContent'], card.cardData['flowStatus'], card.streaming['msgContent']], [text, '3', 'finished']);
        assert.equal(card.callbackType, 'STREAM');
      }

      const calls = await callsSince(since);
      const perCard = [
        'tunnel api.dingtalk.com POST /v1.0/card/instances 200',
        'tunnel api.dingtalk.com POST /v1.0/card/instances/deliver 200',
        'tunnel api.dingtalk.com PUT /v1.0/card/instances 200',
        'tunnel api.dingtalk.com PUT /v1.0/card/streaming 200',
        'tunnel api.dingtalk.com PUT /v1.0/card/streaming 200',
        'tunnel api.dingtalk.com PUT /v1.0/card/instances 200',
      ];
      assert.deepEqual(routes(calls), ['tunnel api.dingtalk.com POST /v1.0/oauth2/accessToken 200', ...perCard, ...perCard]);
      for (const call of calls) assert.equal(call.unknownFields, undefined, `${call.path}: the plugin sends only fields DingTalk's API knows`);
    } finally {
      await stopPlugin(plugin);
    }
  });
});

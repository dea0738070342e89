/**
 * The official Stream SDK (npm `dingtalk-stream`), unchanged, against dingread on every backend:
 * it finds the gateway through HTTPS_PROXY (absolute form; helpers/stream-sdk.ts says why axios
 * 1.13), connects, receives what users say with DingTalk's fields, answers through the session
 * webhook, acknowledges, and gets what it leaves unacknowledged again.
 */
import { DWClient, TOPIC_ROBOT, type DWClientDownStream } from '../helpers/stream-sdk.js';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { ACME, SMALL_GROUP_MEMBERS } from '../helpers/fixtures.js';
import { call, forEachStore, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

const HOUR_AND_A_HALF = 90 * 60 * 1000;

interface Bot {
  client: InstanceType<typeof DWClient>;
  received: DWClientDownStream[];
  /** The parsed data of the n-th callback (1-based), once it arrived. */
  nth(n: number): Promise<Record<string, any>>;
}

forEachStore('the official Stream SDK', (store) => {
  let server: TestServer;
  let proxy: string | undefined;
  const bots: Bot[] = [];

  before(async () => {
    server = await startTestServer({ store });
    proxy = process.env['HTTPS_PROXY'];
    // What a bot's deployment sets (proxy mode): the SDK's calls to api.dingtalk.com reach dingread.
    process.env['HTTPS_PROXY'] = server.url;
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) bot.client.disconnect();
    await until('every connection to leave the registry', async () => (await connections()).length === 0);
  });
  after(async () => {
    if (proxy === undefined) delete process.env['HTTPS_PROXY'];
    else process.env['HTTPS_PROXY'] = proxy;
    await server.close();
  });

  async function connectBot(options: { ack?: boolean } = {}): Promise<Bot> {
    const client = new DWClient({ clientId: ACME.appKey, clientSecret: ACME.appSecret, ua: 'dingread-test' });
    const received: DWClientDownStream[] = [];
    client.registerCallbackListener(TOPIC_ROBOT, (message) => {
      received.push(message);
      if (options.ack ?? true) client.socketCallBackResponse(message.headers.messageId, { ok: true });
    });
    await client.connect();
    await until('the SDK to connect', () => client.connected);
    const bot: Bot = {
      client,
      received,
      async nth(n) {
        await until(`callback ${n}`, () => received.length >= n);
        return JSON.parse((received[n - 1] as DWClientDownStream).data) as Record<string, any>;
      },
    };
    bots.push(bot);
    return bot;
  }

  async function connections(): Promise<any[]> {
    return (await server.admin<{ items: any[] }>('GET', '/stream/connections')).items;
  }

  it('connects through HTTPS_PROXY and gets a one-on-one message with DingTalk’s frame and fields', async () => {
    const bot = await connectBot({ ack: false });
    const [connection] = await connections();
    assert.equal(connection.clientId, ACME.appKey);
    assert.deepEqual(connection.subscriptions, [
      { type: 'EVENT', topic: '*' },
      { type: 'CALLBACK', topic: TOPIC_ROBOT },
    ]);
    assert.equal(connection.ua, 'dingread-test');

    const said = await server.admin<any>('POST', `/robots/${ACME.robot}/chats/u0001/messages`, { text: 'hello bot' });
    assert.deepEqual(said.deliveries, [{ robotCode: ACME.robot, status: 'delivered' }]);
    const data = await bot.nth(1);
    const frame = bot.received[0] as DWClientDownStream;
    assert.equal(frame.specVersion, '1.0');
    assert.equal(frame.type, 'CALLBACK');
    assert.deepEqual(Object.keys(frame.headers), ['appId', 'connectionId', 'contentType', 'messageId', 'time', 'topic']);
    assert.equal(frame.headers.connectionId, connection.connectionId);
    assert.equal(frame.headers.contentType, 'application/json');
    assert.equal(frame.headers.topic, TOPIC_ROBOT);
    assert.match(frame.headers.time, /^\d+$/, 'time is a string of milliseconds, as DingTalk sends it');
    assert.match(frame.headers.messageId, /^[0-9a-f]{8}_[0-9a-f]{3}_[0-9a-f]+_[0-9a-f]{5}$/);

    assert.deepEqual(Object.keys(data).sort(), [
      'chatbotCorpId',
      'chatbotUserId',
      'conversationId',
      'conversationType',
      'createAt',
      'isAdmin',
      'msgId',
      'msgtype',
      'robotCode',
      'senderCorpId',
      'senderId',
      'senderNick',
      'senderStaffId',
      'sessionWebhook',
      'sessionWebhookExpiredTime',
      'text',
    ]);
    assert.equal(data['msgId'], said.msgId);
    assert.equal(data['msgtype'], 'text');
    assert.deepEqual(data['text'], { content: 'hello bot' });
    assert.equal(data['conversationType'], '1');
    assert.match(data['conversationId'], /^cid[A-Za-z0-9+/]{22}==$/);
    assert.equal(data['senderStaffId'], 'u0001');
    assert.equal(data['senderNick'], 'User u0001');
    assert.equal(data['senderCorpId'], ACME.corpId);
    assert.equal(data['chatbotCorpId'], ACME.corpId);
    assert.equal(data['robotCode'], ACME.robot);
    assert.equal(data['isAdmin'], false);
    assert.match(data['senderId'], /^\$:LWCP_v1:\$/);
    assert.match(data['chatbotUserId'], /^\$:LWCP_v1:\$/);
    assert.equal(typeof data['createAt'], 'number');
    assert.equal(data['sessionWebhookExpiredTime'], data['createAt'] + HOUR_AND_A_HALF);
    assert.match(data['sessionWebhook'], new RegExp(`^${server.url}/robot/sendBySession\\?session=[0-9a-f]{32}$`));

    // Unacknowledged until the SDK answers it.
    const [pending] = (await connections())[0].unacknowledged;
    assert.equal(pending.messageId, frame.headers.messageId);
    assert.equal(pending.attempts, 1);
    bot.client.socketCallBackResponse(frame.headers.messageId, null);
    await until('the acknowledgement', async () => (await connections())[0].unacknowledged.length === 0);
  });

  it('gets a group message only when it is @-mentioned, with the group’s fields', async () => {
    const bot = await connectBot();
    const team = encodeURIComponent(ACME.smallGroup);
    const quiet = await server.admin<any>('POST', `/conversations/${team}/messages`, { userId: 'u0002', text: 'just us' });
    assert.deepEqual(quiet.deliveries, [{ robotCode: ACME.robot, status: 'notMentioned' }]);
    const asked = await server.admin<any>('POST', `/conversations/${team}/messages`, {
      userId: 'u0002',
      text: 'what is up?',
      atRobots: [ACME.robot],
    });
    assert.deepEqual(asked.deliveries, [{ robotCode: ACME.robot, status: 'delivered' }]);
    const data = await bot.nth(1);
    assert.equal(data['msgId'], asked.msgId, 'the first callback is the mentioning message: the other never came');
    assert.equal(data['conversationType'], '2');
    assert.equal(data['conversationId'], ACME.smallGroup);
    assert.equal(data['conversationTitle'], 'Team');
    assert.equal(data['isInAtList'], true);
    assert.deepEqual(data['atUsers'], [{ dingtalkId: data['chatbotUserId'] }]);
    assert.deepEqual(data['text'], { content: ' what is up?' }, 'the space DingTalk leaves where the @-mention was');
  });

  it('answers through the session webhook: the robot’s message in the chat, read once the user writes again', async () => {
    const bot = await connectBot();
    await server.admin('POST', `/robots/${ACME.robot}/chats/u0003/messages`, { text: 'ping' });
    const data = await bot.nth(1);
    const reply = await fetch(data['sessionWebhook'], {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'markdown', markdown: { title: 'Pong', text: '**pong**' }, at: { atUserIds: ['u0003'] } }),
    });
    assert.equal(reply.status, 200);
    assert.deepEqual(await reply.json(), { errcode: 0, errmsg: 'ok' });

    const chat = await server.admin<{ items: any[] }>('GET', `/robots/${ACME.robot}/chats/u0003/messages`);
    const [said, answered] = chat.items.slice(-2);
    assert.deepEqual(said.from, { userId: 'u0003' });
    assert.equal(said.via, 'user');
    assert.equal(said.text, 'ping');
    assert.deepEqual(answered.from, { robotCode: ACME.robot });
    assert.equal(answered.via, 'sessionWebhook');
    assert.equal(answered.msgKey, 'sampleMarkdown');
    assert.equal(answered.text, '**pong**');
    assert.deepEqual(answered.at, { atUserIds: ['u0003'] });
    assert.equal(answered.readAt, null);

    // The reply is a one-on-one robot message like any: readStatus knows it, and it is read once the user writes.
    const token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    const status = async () =>
      (
        await call(server.url, 'GET', `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=${encodeURIComponent(answered.processQueryKey)}`, {
          token,
        })
      ).body.messageReadInfoList;
    assert.deepEqual((await status()).map((info: any) => [info.userId, info.readStatus]), [['u0003', 'UNREAD']]);
    await server.admin('POST', `/robots/${ACME.robot}/chats/u0003/messages`, { text: 'thanks' });
    assert.deepEqual((await status()).map((info: any) => [info.userId, info.readStatus]), [['u0003', 'READ']]);
  });

  it('gets an unacknowledged callback again once the redelivery delay passes on the server clock, with the same messageId', async () => {
    const start = Date.UTC(2025, 0, 6, 9, 0);
    await server.admin('POST', '/clock', { nowMs: start });
    try {
      const bot = await connectBot({ ack: false });
      await server.admin('POST', `/robots/${ACME.robot}/chats/u0004/messages`, { text: 'are you there?' });
      const first = bot.received.length === 0 ? (await bot.nth(1), bot.received[0]) : bot.received[0];
      const [pending] = (await connections())[0].unacknowledged;
      assert.equal(pending.dueAt, start + 60_000, 'due again 60 s after the push');

      await server.admin('POST', '/clock', { advanceMs: 60_000 });
      await bot.nth(2);
      const second = bot.received[1] as DWClientDownStream;
      assert.equal(second.headers.messageId, (first as DWClientDownStream).headers.messageId);
      assert.equal(second.data, (first as DWClientDownStream).data, 'the same payload');
      assert.equal((await connections())[0].unacknowledged[0].attempts, 2);

      bot.client.socketCallBackResponse(second.headers.messageId, null);
      await until('the acknowledgement', async () => (await connections())[0].unacknowledged.length === 0);
      await server.admin('POST', '/clock', { advanceMs: 600_000 });
      // Nothing more comes: a new message is the next callback.
      const next = await server.admin<any>('POST', `/robots/${ACME.robot}/chats/u0004/messages`, { text: 'bye' });
      const third = await bot.nth(3);
      assert.equal(third['msgId'], next.msgId);
    } finally {
      await server.admin('POST', '/clock', { mode: 'system' });
    }
  });

  it('shares the deliveries of one app among its connections: each message reaches exactly one', async () => {
    const [one, two] = [await connectBot(), await connectBot()] as [Bot, Bot];
    const sent: string[] = [];
    for (let i = 0; i < 24; i++) {
      const said = await server.admin<any>('POST', `/robots/${ACME.robot}/chats/${SMALL_GROUP_MEMBERS[i % 5]}/messages`, { text: `m${i}` });
      assert.equal(said.deliveries[0].status, 'delivered');
      sent.push(said.msgId);
    }
    // An earlier test's bot left a callback unacknowledged: it is handed to these connections
    // too (a closing connection's deliveries go to another of its app), so only this test's count.
    const ours = new Set(sent);
    const got = (): string[] =>
      [...one.received, ...two.received].map((frame) => JSON.parse(frame.data).msgId as string).filter((msgId) => ours.has(msgId));
    await until('every message', () => got().length >= sent.length);
    assert.deepEqual(got().sort(), [...sent].sort(), 'each message once, none twice');
    assert.ok(one.received.length > 0 && two.received.length > 0, 'both connections got some (a 2^-23 chance of failing by luck)');
  });

  it('reconnects after DingTalk’s disconnect frame, and gets messages on the new connection', async () => {
    const bot = await connectBot();
    const [before] = await connections();
    await server.admin('DELETE', `/stream/connections/${before.connectionId}`);
    // The SDK reconnects a second after the close, with a new ticket.
    await until('the SDK to reconnect', async () => {
      const now = await connections();
      return now.length === 1 && now[0].connectionId !== before.connectionId;
    });
    const said = await server.admin<any>('POST', `/robots/${ACME.robot}/chats/u0005/messages`, { text: 'still there?' });
    assert.equal(said.deliveries[0].status, 'delivered');
    const data = await bot.nth(1);
    assert.equal(data['msgId'], said.msgId);
  });
});

describe('without a connection', () => {
  it('reports noConnection and keeps nothing to deliver', async () => {
    const server = await startTestServer();
    try {
      const said = await server.admin<any>('POST', `/robots/${ACME.robot}/chats/u0001/messages`, { text: 'anyone?' });
      assert.deepEqual(said.deliveries, [{ robotCode: ACME.robot, status: 'noConnection' }]);
      assert.deepEqual((await server.admin<{ items: any[] }>('GET', '/stream/connections')).items, []);
      assert.deepEqual(await server.ctx.store.unacknowledgedDeliveries(), []);
    } finally {
      await server.close();
    }
  });
});

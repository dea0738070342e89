/**
 * Simulated users speak (control-plane.md, "Added with Stream mode"): the routes' shapes and
 * errors, who hears what, read status joining in (a user who writes has opened the chat, and the
 * three queries say so), timelines, the event stream, and the control plane's access rules.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACME, GLOBEX } from '../helpers/fixtures.js';
import { call, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';
import { connectStream, nthCallback } from '../helpers/stream-client.js';

const group = (id: string): string => `/conversations/${encodeURIComponent(id)}/messages`;
const robotChat = (robotCode: string, userId: string): string => `/robots/${robotCode}/chats/${userId}/messages`;

describe('users speak through the control plane', () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer();
    token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
  });
  after(() => server.close());

  async function control(method: string, path: string, body?: unknown, raw?: string) {
    return call(server.url, method, `/_dingread/v1${path}`, raw === undefined ? (body === undefined ? {} : { body }) : { rawBody: raw });
  }

  function assertError(answer: { status: number; body: any }, status: number, code: string, message?: RegExp): void {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.equal(answer.body.code, code);
    if (message) assert.match(answer.body.message, message);
  }

  async function send(path: string, body: Record<string, unknown>): Promise<string> {
    const answer = await call(server.url, 'POST', `/v1.0/robot/${path}`, {
      token,
      body: { robotCode: ACME.robot, msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'from the robot' }), ...body },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.processQueryKey as string;
  }

  it('answers 201 with the msgId and what became of it for each robot of the chat', async () => {
    const oneOnOne = await control('POST', robotChat(ACME.robot, 'u0001'), { text: 'hi' });
    assert.equal(oneOnOne.status, 201);
    assert.match(oneOnOne.body.msgId, /^msg[A-Za-z0-9+/]{22}==$/);
    assert.deepEqual(oneOnOne.body.deliveries, [{ robotCode: ACME.robot, status: 'noConnection' }]);

    // A connection of Acme's main app hears the robots no app owns, not the one its other app owns.
    const client = await connectStream(server.url, ACME.appKey, ACME.appSecret);
    try {
      const big = await control('POST', group(ACME.bigGroup), { userId: 'u0100', text: 'all', atRobots: [ACME.robot, ACME.ownedRobot] });
      assert.equal(big.status, 201);
      assert.deepEqual(
        big.body.deliveries,
        [
          { robotCode: ACME.robot, status: 'delivered' },
          { robotCode: ACME.ownedRobot, status: 'noConnection' },
          { robotCode: ACME.stoppedRobot, status: 'notMentioned' },
          { robotCode: ACME.templateMissingRobot, status: 'notMentioned' },
          { robotCode: ACME.templateStoppedRobot, status: 'notMentioned' },
        ].sort((a, b) => (a.robotCode < b.robotCode ? -1 : 1)),
      );
      const data = JSON.parse((await nthCallback(client, 1)).data);
      assert.equal(data.robotCode, ACME.robot);
      assert.equal(data.atUsers.length, 2, 'both @-mentioned robots are in atUsers');
    } finally {
      await client.close();
    }
    // A person-to-person chat has no robots to hear it.
    const pair = await control('POST', group(ACME.pair), { userId: 'u0002', text: 'just us' });
    assert.equal(pair.status, 201);
    assert.deepEqual(pair.body.deliveries, []);
  });

  it('refuses unknown chats and users, non-members, robots not in the group and malformed bodies', async () => {
    assertError(await control('POST', robotChat('nobot', 'u0001'), { text: 'x' }), 404, 'object.notFound', /no robot nobot/);
    assertError(await control('POST', robotChat(ACME.robot, 'nobody'), { text: 'x' }), 404, 'object.notFound', /no user nobody/);
    // Users of another org are unknown here, whatever their id.
    assertError(await control('POST', robotChat(ACME.robot, 'g001'), { text: 'x' }), 404, 'object.notFound', /no user g001/);
    assertError(await control('POST', group('cidNope=='), { userId: 'u0001', text: 'x' }), 404, 'object.notFound', /no conversation/);
    assertError(await control('POST', group(GLOBEX.group), { userId: 'u0002', text: 'x' }), 404, 'object.notFound', /no user u0002/);
    assertError(await control('POST', group(ACME.smallGroup), { userId: 'u0006', text: 'x' }), 400, 'invalidParameter.param.invalid', /not a member/);
    assertError(
      await control('POST', group(ACME.smallGroup), { userId: 'u0001', text: 'x', atRobots: [ACME.loneRobot] }),
      400,
      'invalidParameter.param.invalid',
      /atRobots: robot dingacmelone is not in/,
    );
    for (const body of [{}, { text: '' }, { text: 'x'.repeat(5001) }, { text: 'x', extra: 1 }, { text: 7 }]) {
      assertError(await control('POST', robotChat(ACME.robot, 'u0001'), body), 400, 'invalidParameter.param.invalid');
    }
    for (const body of [{ text: 'x' }, { userId: 'u0001' }, { userId: 'u0001', text: 'x', atRobots: 'dingacmebot' }, { userId: 'u0001', text: 'x', atRobots: [''] }]) {
      assertError(await control('POST', group(ACME.smallGroup), body), 400, 'invalidParameter.param.invalid');
    }
    assertError(await control('POST', robotChat(ACME.robot, 'u0001'), undefined, '{"text":'), 400, 'invalidParameter.param.invalid');
    assertError(await control('GET', robotChat('nobot', 'u0001')), 404, 'object.notFound');
    assertError(await control('GET', group('cidNope==')), 404, 'object.notFound');
  });

  it('counts a user who writes as having opened the chat: the three queries show it', async () => {
    const groupKey = await send('groupMessages/send', { openConversationId: ACME.smallGroup });
    const otoKey = await send('oToMessages/batchSend', { userIds: ['u0003', 'u0004'] });
    const pairKey = await send('privateChatMessages/send', { openConversationId: ACME.pair, coolAppCode: ACME.coolAppCode });

    await control('POST', group(ACME.smallGroup), { userId: 'u0003', text: 'read it' });
    await control('POST', robotChat(ACME.robot, 'u0004'), { text: 'got it' });
    await control('POST', group(ACME.pair), { userId: 'u0001', text: 'seen' });

    const groupRead = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', {
      token,
      body: { openConversationId: ACME.smallGroup, robotCode: ACME.robot, processQueryKey: groupKey },
    });
    assert.deepEqual(groupRead.body.readUserIds, ['u0003']);
    const otoRead = await call(server.url, 'GET', `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=${encodeURIComponent(otoKey)}`, {
      token,
    });
    assert.deepEqual(
      otoRead.body.messageReadInfoList.map((info: any) => [info.userId, info.readStatus]),
      [
        ['u0003', 'UNREAD'],
        ['u0004', 'READ'],
      ],
    );
    const pairRead = await call(server.url, 'POST', '/v1.0/robot/privateChatMessages/query', {
      token,
      body: { openConversationId: ACME.pair, robotCode: ACME.robot, processQueryKey: pairKey },
    });
    assert.deepEqual(pairRead.body.readUserIds, ['u0001']);
  });

  it('shows a chat as a phone does: users’ and robots’ messages in order, the last 200', async () => {
    const fresh = await startTestServer();
    try {
      const freshToken = await tokenFor(fresh.url, ACME.appKey, ACME.appSecret);
      const sent = await call(fresh.url, 'POST', '/v1.0/robot/oToMessages/batchSend', {
        token: freshToken,
        body: { robotCode: ACME.robot, userIds: ['u0009'], msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title: 'Hi', text: '**welcome**' }) },
      });
      await fresh.admin('POST', robotChat(ACME.robot, 'u0009'), { text: 'first' });
      const { items } = await fresh.admin<{ items: any[] }>('GET', robotChat(ACME.robot, 'u0009'));
      assert.equal(items.length, 2);
      const [robotItem, userItem] = items;
      assert.deepEqual(Object.keys(userItem).sort(), ['createdAt', 'from', 'msgId', 'msgKey', 'text', 'via']);
      assert.deepEqual(userItem.from, { userId: 'u0009' });
      assert.equal(userItem.msgKey, null);
      assert.equal(userItem.via, 'user');
      assert.deepEqual(robotItem.from, { robotCode: ACME.robot });
      assert.equal(robotItem.msgId, sent.body.processQueryKey);
      assert.equal(robotItem.via, 'api');
      assert.equal(robotItem.msgKey, 'sampleMarkdown');
      assert.equal(robotItem.text, '**welcome**');
      assert.equal(robotItem.readAt, userItem.createdAt, 'read when the user wrote');
      assert.ok(robotItem.createdAt <= userItem.createdAt);

      for (let i = 0; i < 205; i++) await fresh.admin('POST', group(ACME.smallGroup), { userId: 'u0001', text: `n${i}` });
      const long = await fresh.admin<{ items: any[] }>('GET', group(ACME.smallGroup));
      assert.equal(long.items.length, 200);
      assert.equal(long.items[0].text, 'n5');
      assert.equal(long.items[199].text, 'n204');
    } finally {
      await fresh.close();
    }
  });

  it('tells the event stream of user messages, Stream connections and deliveries', async () => {
    const abort = new AbortController();
    const response = await fetch(`${server.url}/_dingread/v1/events`, { signal: abort.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const events: Array<{ name: string; data: any }> = [];
    let buffer = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += new TextDecoder().decode(value);
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (name && data) events.push({ name, data: JSON.parse(data) });
        }
      }
    })().catch(() => undefined);
    const waitFor = async (name: string, match: (data: any) => boolean = () => true) => {
      for (let i = 0; i < 2000 && !events.some((e) => e.name === name && match(e.data)); i++) await new Promise((r) => setTimeout(r, 10));
      const found = events.find((e) => e.name === name && match(e.data));
      assert.ok(found, `event ${name}`);
      return found.data;
    };
    await waitFor('ready');
    const client = await connectStream(server.url, ACME.appKey, ACME.appSecret);
    const opened = await waitFor('streamConnection', (d) => d.state === 'open');
    assert.equal(opened.clientId, ACME.appKey);
    const said = await server.admin<any>('POST', robotChat(ACME.robot, 'u0010'), { text: 'watch this' });
    const userMessage = await waitFor('userMessage', (d) => d.msgId === said.msgId);
    assert.deepEqual(userMessage, {
      type: 'userMessage',
      msgId: said.msgId,
      corpId: ACME.corpId,
      userId: 'u0010',
      text: 'watch this',
      robotCode: ACME.robot,
      deliveries: [{ robotCode: ACME.robot, status: 'delivered' }],
      createdAt: userMessage.createdAt,
    });
    await waitFor('opened', (d) => d.userId === 'u0010' && d.robotCode === ACME.robot);
    const pushed = await waitFor('delivery', (d) => d.msgId === said.msgId && d.state === 'pushed');
    assert.equal(pushed.attempt, 1);
    assert.equal(pushed.connectionId, opened.connectionId);
    client.ack(pushed.messageId);
    await waitFor('delivery', (d) => d.msgId === said.msgId && d.state === 'acknowledged');
    await client.close();
    await waitFor('streamConnection', (d) => d.state === 'closed' && d.connectionId === opened.connectionId);
    abort.abort();
    await pump;
  });
});

describe('the chat routes’ access', () => {
  it('follow the control plane’s rules: with an admin token, only callers that send it', async () => {
    const server = await startTestServer({ adminToken: 'sesame' });
    try {
      for (const [method, path] of [
        ['POST', robotChat(ACME.robot, 'u0001')],
        ['GET', robotChat(ACME.robot, 'u0001')],
        ['POST', group(ACME.smallGroup)],
        ['GET', group(ACME.smallGroup)],
        ['GET', '/stream/connections'],
        ['DELETE', '/stream/connections/x'],
      ] as const) {
        const answer = await call(server.url, method, `/_dingread/v1${path}`, method === 'POST' ? { body: { text: 'x', userId: 'u0001' } } : {});
        assert.equal(answer.status, 401, `${method} ${path}`);
        assert.equal(answer.body.code, 'adminToken.missing');
      }
      const allowed = await server.admin<any>('POST', robotChat(ACME.robot, 'u0001'), { text: 'with the token' });
      assert.equal(allowed.deliveries[0].status, 'noConnection');
    } finally {
      await server.close();
    }
  });
});

describe('what users said, under retention', () => {
  it('goes with the messages of its time', async () => {
    const { DAY_MS } = await import('../../src/core/retention.js');
    const server = await startTestServer({ retention: { retentionMs: 2 * DAY_MS, batchSize: 2 } });
    try {
      const start = Date.UTC(2025, 0, 6, 9, 0);
      await server.admin('POST', '/clock', { nowMs: start });
      for (const text of ['old 1', 'old 2', 'old 3']) await server.admin('POST', group(ACME.smallGroup), { userId: 'u0001', text });
      await server.admin('POST', '/clock', { nowMs: start + 2 * DAY_MS });
      await server.admin('POST', group(ACME.smallGroup), { userId: 'u0001', text: 'recent' });
      await server.admin('POST', '/clock', { nowMs: start + 2 * DAY_MS + 1 });
      await server.retention?.runNow();
      const { items } = await server.admin<{ items: any[] }>('GET', group(ACME.smallGroup));
      assert.deepEqual(items.map((item) => item.text), ['recent']);
    } finally {
      await server.close();
    }
  });
});

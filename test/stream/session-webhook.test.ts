/**
 * The session webhook a robot answers through (`POST /robot/sendBySession?session=…`): every
 * message type it takes and the robot message each becomes, in a one-on-one chat and in a group,
 * until it expires; and DingTalk's legacy `{errcode, errmsg}` answers, always HTTP 200, for
 * everything wrong with a request.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ACME, SMALL_GROUP_MEMBERS } from '../helpers/fixtures.js';
import { call, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';
import { connectStream, nthCallback, type RawStreamClient } from '../helpers/stream-client.js';

const EXPIRED = { errcode: 300001, errmsg: 'session 不存在' };
const OK = { errcode: 0, errmsg: 'ok' };

describe('session webhooks', () => {
  let server: TestServer;
  let bot: RawStreamClient;
  let received = 0;

  before(async () => {
    server = await startTestServer();
    bot = await connectStream(server.url, ACME.appKey, ACME.appSecret);
  });
  after(async () => {
    await bot.close();
    await server.close();
  });

  /** A user writes; the robot's callback carries the session webhook to answer through. */
  async function sessionFrom(userId = 'u0001', group = false): Promise<string> {
    if (group) {
      await server.admin('POST', `/conversations/${encodeURIComponent(ACME.smallGroup)}/messages`, { userId, text: 'hi', atRobots: [ACME.robot] });
    } else {
      await server.admin('POST', `/robots/${ACME.robot}/chats/${userId}/messages`, { text: 'hi' });
    }
    received++;
    const frame = await nthCallback(bot, received);
    bot.ack(frame.headers['messageId'] as string);
    return JSON.parse(frame.data).sessionWebhook as string;
  }

  async function post(url: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; body: any; type: string | null }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json(), type: response.headers.get('content-type') };
  }

  async function lastRobotItem(userId = 'u0001'): Promise<any> {
    const { items } = await server.admin<{ items: any[] }>('GET', `/robots/${ACME.robot}/chats/${userId}/messages`);
    return items.at(-1);
  }

  it('takes text, markdown, link and action cards, each as the catalogue’s template', async () => {
    const url = await sessionFrom();
    const cases: Array<[unknown, string, Record<string, string>]> = [
      [{ msgtype: 'text', text: { content: 'plain' } }, 'sampleText', { content: 'plain' }],
      [{ msgtype: 'markdown', markdown: { title: 'T', text: '# md' } }, 'sampleMarkdown', { title: 'T', text: '# md' }],
      [
        { msgtype: 'link', link: { title: 'L', text: 'see', messageUrl: 'https://example.com' } },
        'sampleLink',
        { title: 'L', text: 'see', messageUrl: 'https://example.com', picUrl: '' },
      ],
      [
        { msgtype: 'actionCard', actionCard: { title: 'A', text: 'act', singleTitle: 'Go', singleURL: 'https://example.com/go' } },
        'sampleActionCard',
        { title: 'A', text: 'act', singleTitle: 'Go', singleURL: 'https://example.com/go' },
      ],
      [
        {
          msgtype: 'actionCard',
          actionCard: { title: 'B', text: 'pick', btnOrientation: '1', btns: [{ title: 'Yes', actionURL: 'https://y' }, { title: 'No', actionURL: 'https://n' }] },
        },
        'sampleActionCard2',
        { title: 'B', text: 'pick', actionTitle1: 'Yes', actionURL1: 'https://y', actionTitle2: 'No', actionURL2: 'https://n' },
      ],
      [
        { msgtype: 'actionCard', actionCard: { title: 'C', text: 'one', btns: [{ title: 'Only', actionURL: 'https://o' }] } },
        'sampleActionCard',
        { title: 'C', text: 'one', singleTitle: 'Only', singleURL: 'https://o' },
      ],
    ];
    for (const [body, msgKey, msgParam] of cases) {
      const answer = await post(url, body);
      assert.deepEqual(answer, { status: 200, body: OK, type: 'application/json;charset=utf-8' }, JSON.stringify(body));
      const item = await lastRobotItem();
      assert.equal(item.via, 'sessionWebhook');
      assert.equal(item.msgKey, msgKey);
      assert.deepEqual(JSON.parse(item.msgParam), msgParam);
    }
  });

  it('lands a group reply in the group, for every member, with its @-mentions', async () => {
    const url = await sessionFrom('u0002', true);
    const events = await fetch(`${server.url}/_dingread/v1/events`);
    assert.equal((await post(url, { msgtype: 'text', text: { content: '@u0002 done' }, at: { atUserIds: ['u0002'], isAtAll: false } })).body.errcode, 0);
    const { items } = await server.admin<{ items: any[] }>('GET', `/conversations/${encodeURIComponent(ACME.smallGroup)}/messages`);
    const reply = items.at(-1);
    assert.deepEqual(reply.from, { robotCode: ACME.robot });
    assert.equal(reply.via, 'sessionWebhook');
    assert.deepEqual(reply.at, { atUserIds: ['u0002'], isAtAll: false });
    assert.equal(reply.recipientCount, SMALL_GROUP_MEMBERS.length);
    const token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    const query = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', {
      token,
      body: { openConversationId: ACME.smallGroup, robotCode: ACME.robot, processQueryKey: reply.processQueryKey },
    });
    assert.equal(query.status, 200, JSON.stringify(query.body));
    assert.deepEqual(query.body.readUserIds, []);
    // The event stream tells of it as a robot message that came through a session webhook.
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('"via":"sessionWebhook"')) text += new TextDecoder().decode((await reader.read()).value);
    assert.match(text, new RegExp(`event: sent\\ndata: \\{[^\\n]*"processQueryKey":"${reply.processQueryKey.replace(/[+/=]/g, '\\$&')}"`));
    await reader.cancel();
  });

  it('expires with the session: 300001 “session 不存在”, as DingTalk answers', async () => {
    const start = Date.UTC(2025, 0, 6, 9, 0);
    await server.admin('POST', '/clock', { nowMs: start });
    try {
      const url = await sessionFrom('u0003');
      const expiresAt = (await server.ctx.store.findSessionWebhook(
        (await import('../../src/core/ids.js')).hashToken(new URL(url).searchParams.get('session') as string),
      ))?.expiresAt;
      assert.equal(expiresAt, start + 90 * 60 * 1000);
      await server.admin('POST', '/clock', { nowMs: start + 90 * 60 * 1000 - 1 });
      assert.deepEqual((await post(url, { msgtype: 'text', text: { content: 'in time' } })).body, OK);
      await server.admin('POST', '/clock', { nowMs: start + 90 * 60 * 1000 });
      assert.deepEqual(await post(url, { msgtype: 'text', text: { content: 'too late' } }), {
        status: 200,
        body: EXPIRED,
        type: 'application/json;charset=utf-8',
      });
      assert.equal((await lastRobotItem('u0003')).text, 'in time');
    } finally {
      await server.admin('POST', '/clock', { mode: 'system' });
    }
  });

  it('answers everything wrong with DingTalk’s legacy codes, always HTTP 200, and keeps nothing of it', async () => {
    const url = await sessionFrom('u0004');
    const base = `${server.url}/robot/sendBySession`;
    const before = (await server.admin<{ items: unknown[] }>('GET', `/robots/${ACME.robot}/chats/u0004/messages`)).items.length;
    const cases: Array<[string, unknown, string | undefined, { errcode: number; errmsg: string | RegExp }]> = [
      [base, { msgtype: 'text', text: { content: 'x' } }, undefined, EXPIRED],
      [`${base}?session=0123456789abcdef0123456789abcdef`, { msgtype: 'text', text: { content: 'x' } }, undefined, EXPIRED],
      [url, '{"msgtype":', undefined, { errcode: 40035, errmsg: '缺少参数 json' }],
      [url, 'msgtype=text', 'text/plain', { errcode: 40035, errmsg: '缺少参数 json' }],
      [url, '[1]', undefined, { errcode: 40035, errmsg: '缺少参数 json' }],
      [url, { msgtype: 'text', text: { content: 'x'.repeat(20_001) } }, undefined, { errcode: 460101, errmsg: 'message too long, exceed 20000 bytes' }],
      [url, { msgtype: 'feedCard', feedCard: { links: [] } }, undefined, { errcode: 400105, errmsg: /^不支持的消息类型/ }],
      [url, { msgtype: 'interactiveCard' }, undefined, { errcode: 400105, errmsg: /^不支持的消息类型/ }],
      [url, { text: { content: 'x' } }, undefined, { errcode: 300001, errmsg: /^param error: msgtype/ }],
      [url, { msgtype: 'text', text: {} }, undefined, { errcode: 300001, errmsg: /^param error: text\.content/ }],
      [url, { msgtype: 'text', text: { content: '' } }, undefined, { errcode: 300001, errmsg: /^param error: text\.content/ }],
      [url, { msgtype: 'markdown', markdown: { title: 'T' } }, undefined, { errcode: 300001, errmsg: /markdown\.text/ }],
      [url, { msgtype: 'actionCard', actionCard: { title: 'A', text: 'B', btns: [] } }, undefined, { errcode: 300001, errmsg: /btns/ }],
      [url, { msgtype: 'actionCard', actionCard: { title: 'A', text: 'B', btns: [{ title: 1 }] } }, undefined, { errcode: 300001, errmsg: /btns\[0\]/ }],
      [url, { msgtype: 'text', text: { content: 'x' }, at: { atUserIds: 'u1' } }, undefined, { errcode: 300001, errmsg: /at\.atUserIds/ }],
      [url, { msgtype: 'text', text: { content: 'x' }, at: { isAtAll: 'yes' } }, undefined, { errcode: 300001, errmsg: /at\.isAtAll/ }],
    ];
    for (const [target, body, type, expected] of cases) {
      const answer = await post(target, body, type);
      assert.equal(answer.status, 200, JSON.stringify(body).slice(0, 80));
      assert.equal(answer.body.errcode, expected.errcode, `${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(answer.body)}`);
      if (typeof expected.errmsg === 'string') assert.equal(answer.body.errmsg, expected.errmsg);
      else assert.match(answer.body.errmsg, expected.errmsg);
    }
    const afterwards = (await server.admin<{ items: unknown[] }>('GET', `/robots/${ACME.robot}/chats/u0004/messages`)).items.length;
    assert.equal(afterwards, before, 'no refused reply left a message behind');
  });

  it('works through proxy mode: the same path on oapi.dingtalk.com reaches it; api.dingtalk.com does not know it', async () => {
    const url = new URL(await sessionFrom('u0005'));
    const postThrough = (host: string, content: string) =>
      new Promise<any>((resolve, reject) => {
        const body = JSON.stringify({ msgtype: 'text', text: { content } });
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: server.port,
            method: 'POST',
            path: `https://${host}${url.pathname}${url.search}`,
            headers: { host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => resolve(JSON.parse(text)));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    assert.deepEqual(await postThrough('oapi.dingtalk.com', 'via the proxy'), OK);
    assert.equal((await lastRobotItem('u0005')).text, 'via the proxy');
    assert.deepEqual(await postThrough('api.dingtalk.com', 'wrong host'), { errcode: 404, errmsg: '请求的URI地址不存在' });
    assert.equal((await lastRobotItem('u0005')).text, 'via the proxy', 'nothing landed from the wrong host');
  });
});

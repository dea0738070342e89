/**
 * A group's custom (webhook) robot (`POST /robot/send`): every message type and what the group's
 * timeline and event stream show of it; DingTalk's security settings (signature, keywords,
 * address ranges) and its limit of 20 messages a minute, stepped on the server clock; and
 * DingTalk's `{errcode, errmsg}` answer, always HTTP 200, for everything wrong with a request.
 * The fixture contract (webhookRobots on a group) and its errors are here too.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Clock } from '../../src/core/clock.js';
import type { DingReadEvent } from '../../src/core/events.js';
import { LEGACY_ANSWERS } from '../../src/core/legacy-errors.js';
import { webhookSign } from '../../src/core/webhook-robots.js';
import { ACME, SMALL_GROUP_MEMBERS } from '../helpers/fixtures.js';
import { fetch, ProxyAgent } from 'undici';
import { absoluteRequest, caFile } from '../helpers/proxy.js';
import { fc } from '../helpers/property.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

const OK = { errcode: 0, errmsg: 'ok' };
const TOKEN_NOT_FOUND = { errcode: 300005, errmsg: 'token is not exist' };
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** The small group's webhook robots: one open, one with every security setting, one far away. */
function webhookFixture(extra: Record<string, unknown>[] = []) {
  return {
    orgs: [
      {
        corpId: ACME.corpId,
        conversations: [
          {
            openConversationId: ACME.smallGroup,
            type: 'group',
            webhookRobots: [
              { name: 'Open', accessToken: 'tok-open' },
              { name: 'Alerts', accessToken: 'tok-alerts', secret: 'SECalerts', keywords: ['alert', '告警'], ipRanges: ['127.0.0.0/8'] },
              { name: 'Remote', accessToken: 'tok-remote', ipRanges: ['10.0.0.0/8', '192.168.1.7'] },
              ...extra,
            ],
          },
        ],
      },
    ],
  };
}

describe('custom (webhook) robots', () => {
  let server: TestServer;
  const events: DingReadEvent[] = [];

  before(async () => {
    server = await startTestServer({ clock: new Clock() });
    server.clock.set(T0);
    await server.admin('POST', '/fixtures', webhookFixture());
    server.ctx.events.subscribe((event) => events.push(event));
  });
  after(() => server.close());
  beforeEach(() => {
    events.length = 0;
  });

  async function send(query: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; type: string | null }> {
    const response = await call(server.url, 'POST', `/robot/send?${query}`, typeof body === 'string' ? { rawBody: body, headers } : { body, headers });
    return { status: response.status, body: response.body, type: response.headers.get('content-type') };
  }

  /** A signed query for Alerts at `timestamp` (the server clock's now by default). */
  function signed(timestamp: number = server.clock.now(), secret = 'SECalerts'): string {
    return `access_token=tok-alerts&timestamp=${timestamp}&sign=${encodeURIComponent(webhookSign(secret, timestamp))}`;
  }

  async function timeline(): Promise<any[]> {
    return (await server.admin<{ items: any[] }>('GET', `/conversations/${encodeURIComponent(ACME.smallGroup)}/messages`)).items;
  }

  it('posts text, markdown, link, both action cards and feed cards into the group, with their @-mentions', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ msgtype: 'text', text: { content: 'disk full @u0001' }, at: { atUserIds: ['u0001'], atMobiles: ['13800000000'], isAtAll: false } }, 'disk full @u0001'],
      [{ msgtype: 'markdown', markdown: { title: 'Build', text: '#### Build **green**' }, at: { isAtAll: true } }, '#### Build **green**'],
      [{ msgtype: 'link', link: { title: 'Release', text: 'v2 is out', messageUrl: 'https://example.com/v2', picUrl: 'https://example.com/p.png' } }, 'v2 is out'],
      [
        { msgtype: 'actionCard', actionCard: { title: 'Deploy', text: 'Ship it?', btnOrientation: '0', singleTitle: 'Open', singleURL: 'https://example.com/d' } },
        'Ship it?',
      ],
      [
        {
          msgtype: 'actionCard',
          actionCard: { title: 'Vote', text: 'Pick one', btnOrientation: 1, btns: [{ title: 'Yes', actionURL: 'https://y' }, { title: 'No', actionURL: 'https://n' }] },
        },
        'Pick one',
      ],
      [
        {
          msgtype: 'feedCard',
          feedCard: { links: [{ title: 'One', messageURL: 'https://1', picURL: 'https://1.png' }, { title: 'Two', messageURL: 'https://2' }] },
        },
        'One\nTwo',
      ],
    ];
    for (const [body, text] of cases) {
      const answer = await send('access_token=tok-open', body);
      assert.deepEqual(answer, { status: 200, body: OK, type: 'application/json;charset=utf-8' }, JSON.stringify(body));
      const item = (await timeline()).at(-1);
      assert.deepEqual(item.from, { webhookRobot: 'Open' });
      assert.equal(item.via, 'webhook');
      assert.equal(item.msgtype, body['msgtype']);
      assert.equal(item.text, text);
      assert.equal(item.createdAt, server.clock.now());
      // No read status: nothing can ask it of a webhook robot's message.
      assert.equal(item.recipientCount, undefined);
      assert.equal(item.readCount, undefined);
    }
    const items = (await timeline()).slice(-6);
    assert.deepEqual(items[0].at, { atUserIds: ['u0001'], atMobiles: ['13800000000'] });
    assert.deepEqual(items[1].at, { isAtAll: true });
    assert.equal(items[2].at, undefined);
    assert.deepEqual(items[3].content, { title: 'Deploy', text: 'Ship it?', btnOrientation: '0', singleTitle: 'Open', singleURL: 'https://example.com/d' });
    assert.deepEqual(items[4].content.btns, [
      { title: 'Yes', actionURL: 'https://y' },
      { title: 'No', actionURL: 'https://n' },
    ]);
    assert.deepEqual(items[5].content.links[1], { title: 'Two', messageURL: 'https://2' });
    // Each post is an event naming the robot, its group and org.
    const posted = events.filter((event) => event.type === 'webhookMessage');
    assert.equal(posted.length, 6);
    assert.deepEqual(posted[0], {
      type: 'webhookMessage',
      msgId: items[0].msgId,
      corpId: ACME.corpId,
      openConversationId: ACME.smallGroup,
      webhookRobot: 'Open',
      msgtype: 'text',
      text: 'disk full @u0001',
      at: { atUserIds: ['u0001'], atMobiles: ['13800000000'] },
      createdAt: T0,
    });
  });

  it('sits in the group’s timeline in order with what members say, and a member’s open marks nothing of it', async () => {
    await server.admin('POST', `/conversations/${encodeURIComponent(ACME.smallGroup)}/messages`, { userId: SMALL_GROUP_MEMBERS[0], text: 'anyone?' });
    assert.deepEqual((await send('access_token=tok-open', { msgtype: 'text', text: { content: 'robot here' } })).body, OK);
    const opened = await server.admin<{ marked: number }>('POST', `/conversations/${encodeURIComponent(ACME.smallGroup)}/read`, { userId: SMALL_GROUP_MEMBERS[1] });
    assert.equal(opened.marked, 0);
    const last = (await timeline()).slice(-2);
    assert.deepEqual(
      last.map((item) => [item.via, item.text]),
      [
        ['user', 'anyone?'],
        ['webhook', 'robot here'],
      ],
    );
  });

  it('answers an unknown or missing access_token with 300005', async () => {
    const body = { msgtype: 'text', text: { content: 'x' } };
    assert.deepEqual((await send('access_token=nope', body)).body, TOKEN_NOT_FOUND);
    assert.deepEqual((await send('', body)).body, TOKEN_NOT_FOUND);
    assert.deepEqual((await send('access_token=', body)).body, TOKEN_NOT_FOUND);
  });

  it('answers a bad body with DingTalk’s codes: 40035, 43004, 460101, 400105, 400402', async () => {
    const cases: Array<[unknown, Record<string, string>, number, RegExp?]> = [
      ['{"msgtype":', {}, 40035],
      ['', {}, 40035],
      ['[1,2]', {}, 40035],
      ['msgtype=text', { 'content-type': 'application/x-www-form-urlencoded' }, 43004],
      ['{"msgtype":"text"}', { 'content-type': 'text/plain' }, 43004],
      [{ msgtype: 'text', text: { content: 'x'.repeat(20_001) } }, {}, 460101],
      [{ msgtype: 'image', image: { picURL: 'https://x' } }, {}, 400105],
      [{ msgtype: 7 }, {}, 400105],
      [{ text: { content: 'no msgtype' } }, {}, 400402, /参数 msgtype 缺失/],
      [{ msgtype: 'text' }, {}, 400402, /参数 text 缺失/],
      [{ msgtype: 'text', text: { content: '' } }, {}, 400402, /参数 text --》 content 缺失/],
      [{ msgtype: 'markdown', markdown: { text: 'no title' } }, {}, 400402, /参数 markdown --》 title 缺失/],
      [{ msgtype: 'link', link: { title: 't', text: 't' } }, {}, 400402, /link --》 messageUrl/],
      [{ msgtype: 'actionCard', actionCard: { title: 't', text: 't' } }, {}, 400402, /actionCard --》 singleTitle/],
      [{ msgtype: 'actionCard', actionCard: { title: 't', text: 't', btns: [{ title: 'a' }] } }, {}, 400402, /btns\[0\] --》 actionURL/],
      [{ msgtype: 'actionCard', actionCard: { title: 't', text: 't', btns: 'x' } }, {}, 400402, /actionCard --》 btns/],
      [{ msgtype: 'feedCard', feedCard: { links: [] } }, {}, 400402, /feedCard --》 links/],
      [{ msgtype: 'feedCard', feedCard: { links: [{ title: 't' }] } }, {}, 400402, /links\[0\] --》 messageURL/],
      [{ msgtype: 'text', text: { content: 'x' }, at: { atUserIds: 'u1' } }, {}, 400402, /at --》 atUserIds/],
      [{ msgtype: 'text', text: { content: 'x' }, at: { isAtAll: 'yes' } }, {}, 400402, /at --》 isAtAll/],
    ];
    const before = (await timeline()).length;
    for (const [body, headers, errcode, errmsg] of cases) {
      const answer = await send('access_token=tok-open', typeof body === 'string' ? body : JSON.stringify(body), headers);
      assert.equal(answer.status, 200, JSON.stringify(body));
      assert.equal(answer.body.errcode, errcode, `${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(answer.body)}`);
      if (errmsg) assert.match(answer.body.errmsg, errmsg);
    }
    assert.equal((await timeline()).length, before, 'nothing refused was posted');
    assert.equal(events.filter((event) => event.type === 'webhookMessage').length, 0);
  });

  it('checks the signature: the secret’s HMAC of timestamp and secret, the timestamp within an hour of the server clock', async () => {
    const body = { msgtype: 'text', text: { content: 'alert: signed' } };
    const now = server.clock.now();
    assert.deepEqual((await send(signed(), body)).body, OK);
    assert.deepEqual((await send(signed(now - 3_600_000), body)).body, OK);
    assert.deepEqual((await send(signed(now + 3_600_000), body)).body, OK);
    const invalid = { errcode: 310000, errmsg: 'invalid timestamp' };
    assert.deepEqual((await send(signed(now - 3_600_001), body)).body, invalid);
    assert.deepEqual((await send(signed(now + 3_600_001), body)).body, invalid);
    assert.deepEqual((await send('access_token=tok-alerts', body)).body, invalid);
    assert.deepEqual((await send(`access_token=tok-alerts&timestamp=soon&sign=x`, body)).body, invalid);
    const mismatch = (await send(signed(now, 'SECother'), body)).body;
    assert.equal(mismatch.errcode, 310000);
    assert.match(mismatch.errmsg, /签名不匹配/);
    assert.equal((await send(`access_token=tok-alerts&timestamp=${now}`, body)).body.errcode, 310000);
    // A sign sent without URL-encoding loses its `+` to a space, as it does at DingTalk.
    let stamp = now;
    while (!webhookSign('SECalerts', stamp).includes('+')) stamp++;
    assert.match((await send(`access_token=tok-alerts&timestamp=${stamp}&sign=${webhookSign('SECalerts', stamp)}`, body)).body.errmsg, /签名不匹配/);
    // The window follows the server clock, not the machine's.
    server.clock.advance(2 * 3_600_000);
    assert.deepEqual((await send(signed(now), body)).body, invalid);
    assert.deepEqual((await send(signed(), body)).body, OK);
  });

  it('wants one of its keywords in a text DingTalk shows: content, titles, texts, buttons', async () => {
    const keywords = { errcode: 310000, errmsg: 'description:关键词不匹配;solution:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;' };
    assert.deepEqual((await send(signed(), { msgtype: 'text', text: { content: 'all quiet' } })).body, keywords);
    assert.deepEqual((await send(signed(), { msgtype: 'text', text: { content: 'ALERT' } })).body, keywords, 'case counts');
    const passing: Record<string, unknown>[] = [
      { msgtype: 'text', text: { content: '磁盘告警' } },
      { msgtype: 'markdown', markdown: { title: 'alert', text: 'quiet' } },
      { msgtype: 'link', link: { title: 'quiet', text: 'an alert', messageUrl: 'https://x' } },
      { msgtype: 'actionCard', actionCard: { title: 'quiet', text: 'quiet', btns: [{ title: 'see alert', actionURL: 'https://x' }] } },
      { msgtype: 'feedCard', feedCard: { links: [{ title: 'quiet', messageURL: 'https://x' }, { title: 'alerts', messageURL: 'https://y' }] } },
    ];
    for (const body of passing) assert.deepEqual((await send(signed(), body)).body, OK, JSON.stringify(body));
    // Only where DingTalk looks: a URL is not a text.
    assert.deepEqual((await send(signed(), { msgtype: 'link', link: { title: 'quiet', text: 'quiet', messageUrl: 'https://alert' } })).body, keywords);
  });

  it('takes requests only from its address ranges', async () => {
    const body = { msgtype: 'text', text: { content: 'from afar' } };
    const refused = (await send('access_token=tok-remote', body)).body;
    assert.equal(refused.errcode, 310000);
    assert.match(refused.errmsg, /ip 不在白名单中/);
    // Alerts allows 127.0.0.0/8, where this test calls from.
    assert.deepEqual((await send(signed(), { msgtype: 'text', text: { content: 'alert' } })).body, OK);
  });

  it('takes 20 messages a minute, then refuses the robot for 10 minutes (on the server clock)', async () => {
    await server.admin('POST', '/fixtures', webhookFixture([{ name: 'Busy', accessToken: 'tok-busy' }]));
    const body = { msgtype: 'text', text: { content: 'tick' } };
    const tooFast = { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' };
    for (let i = 0; i < 20; i++) {
      assert.deepEqual((await send('access_token=tok-busy', body)).body, OK, `message ${i + 1}`);
      server.clock.advance(1_000);
    }
    assert.deepEqual((await send('access_token=tok-busy', body)).body, tooFast);
    // Another robot of the group is not limited by it.
    assert.deepEqual((await send('access_token=tok-open', body)).body, OK);
    server.clock.advance(60_000);
    assert.deepEqual((await send('access_token=tok-busy', body)).body, tooFast, 'still refused after a minute');
    server.clock.advance(9 * 60_000);
    assert.deepEqual((await send('access_token=tok-busy', body)).body, OK, 'free again 10 minutes after');
    const busy = (await timeline()).filter((item) => item.from.webhookRobot === 'Busy');
    assert.equal(busy.length, 21);
  });

  it('is reached through proxy mode at oapi.dingtalk.com (absolute-form), and answers there as here', async () => {
    const url = `http://oapi.dingtalk.com/robot/send?access_token=tok-open`;
    const answer = await absoluteRequest(server.url, 'POST', url, { body: { msgtype: 'text', text: { content: 'via proxy' } } });
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.text), OK);
    assert.equal((await timeline()).at(-1).text, 'via proxy');
    const unknown = await absoluteRequest(server.url, 'POST', 'http://oapi.dingtalk.com/robot/send?access_token=gone', { body: { msgtype: 'text', text: { content: 'x' } } });
    assert.deepEqual(JSON.parse(unknown.text), TOKEN_NOT_FOUND);
    // It is oapi.dingtalk.com's: api.dingtalk.com does not know the path.
    const elsewhere = await absoluteRequest(server.url, 'POST', 'http://api.dingtalk.com/robot/send?access_token=tok-open', {
      body: { msgtype: 'text', text: { content: 'wrong host' } },
    });
    assert.deepEqual([elsewhere.status, JSON.parse(elsewhere.text)], [200, { errcode: 404, errmsg: '请求的URI地址不存在' }]);
    assert.notEqual((await timeline()).at(-1).text, 'wrong host');
  });

  it('is reached through a CONNECT tunnel to oapi.dingtalk.com, where the caller’s address is the tunnel’s', async () => {
    const agent = new ProxyAgent({ uri: server.url, requestTls: { ca: (await caFile(server.url)).pem } });
    try {
      const post = async (query: string, content: string) =>
        (await fetch(`https://oapi.dingtalk.com/robot/send?${query}`, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ msgtype: 'text', text: { content } }),
        }).then((response) => response.json())) as unknown;
      // Alerts takes 127.0.0.0/8 and signs: the tunnel came from this machine.
      assert.deepEqual(await post(signed(), 'alert through a tunnel'), OK);
      assert.equal((await timeline()).at(-1).text, 'alert through a tunnel');
      assert.equal(((await post('access_token=tok-remote', 'tunnel from afar')) as { errcode: number }).errcode, 310000);
    } finally {
      await agent.close();
    }
  });
});

describe('webhook robots in fixtures', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  async function apply(document: unknown): Promise<{ status: number; body: any }> {
    return call(server.url, 'POST', '/_dingread/v1/fixtures', { body: document });
  }
  const group = (webhookRobots: unknown[], openConversationId: string = ACME.smallGroup, type = 'group') => ({
    orgs: [{ corpId: ACME.corpId, conversations: [{ openConversationId, type, webhookRobots }] }],
  });

  it('refuses a bad webhook robot, naming its path, and changes nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [group([{ name: 'A' }]), /webhookRobots\[0\]\.accessToken: required for a new webhook robot/],
      [group([{ name: 'A', accessToken: 't1' }, { name: 'A', accessToken: 't2' }]), /webhookRobots\[1\]\.name: name A appears twice/],
      [group([{ name: 'A', accessToken: 't1' }, { name: 'B', accessToken: 't1' }]), /webhookRobots\[1\]\.accessToken: this accessToken appears twice/],
      [group([{ name: 'A', accessToken: 't1', ipRanges: ['127.0.0.1/33'] }]), /webhookRobots\[0\]\.ipRanges\[0\]: "127.0.0.1\/33" is not an IPv4/],
      [group([{ name: 'A', accessToken: 't1', ipRanges: ['::1'] }]), /ipRanges\[0\]/],
      [group([{ name: 'A', accessToken: 't1', keywords: [] as string[], extra: 1 }]), /webhookRobots\/0|webhookRobots\[0\]/],
      [group([{ name: 'A', accessToken: 't1', keywords: Array.from({ length: 11 }, (_, i) => `k${i}`) }]), /keywords/],
      [group([{ name: 'A', accessToken: 't1' }], ACME.pair, 'private'), /webhookRobots: custom \(webhook\) robots post in groups only/],
      [group([{ name: '', accessToken: 't1' }]), /name/],
    ];
    for (const [document, message] of cases) {
      const answer = await apply(document);
      assert.equal(answer.status, 400, JSON.stringify(document));
      assert.equal(answer.body.code, 'invalidParameter.param.invalid');
      assert.match(answer.body.message, message);
    }
    const exported = await server.admin<any>('GET', '/fixtures');
    assert.ok(exported.orgs.every((org: any) => org.conversations.every((c: any) => c.webhookRobots === undefined)));
  });

  it('exports without token or secret, imports that again keeping both, and keeps a token to one robot', async () => {
    const created = await apply(group([{ name: 'Alerts', accessToken: 'tok-a', secret: 'SECa', keywords: ['alert'], ipRanges: ['127.0.0.1'] }]));
    assert.equal(created.status, 200);
    assert.equal(created.body.webhookRobots, 1);
    const exported = await server.admin<any>('GET', '/fixtures');
    const small = exported.orgs[0].conversations.find((c: any) => c.openConversationId === ACME.smallGroup);
    assert.deepEqual(small.webhookRobots, [{ name: 'Alerts', keywords: ['alert'], ipRanges: ['127.0.0.1'] }]);
    assert.equal((await apply(exported)).status, 200);
    const now = Date.now();
    const query = `access_token=tok-a&timestamp=${now}&sign=${encodeURIComponent(webhookSign('SECa', now))}`;
    const answer = await call(server.url, 'POST', `/robot/send?${query}`, { body: { msgtype: 'text', text: { content: 'alert kept' } } });
    assert.deepEqual(answer.body, { errcode: 0, errmsg: 'ok' });
    // A secret cannot change without its token; the token belongs to Alerts and to no other.
    assert.match((await apply(group([{ name: 'Alerts', secret: 'SECb' }]))).body.message, /\.secret: a secret is given with its accessToken/);
    const taken = await apply(group([{ name: 'Other', accessToken: 'tok-a' }], ACME.bigGroup));
    assert.match(taken.body.message, /accessToken: this accessToken belongs to another webhook robot/);
    // Written whole again, without a secret: it signs nothing from then on.
    assert.equal((await apply(group([{ name: 'Alerts', accessToken: 'tok-a' }]))).status, 200);
    const unsigned = await call(server.url, 'POST', '/robot/send?access_token=tok-a', { body: { msgtype: 'text', text: { content: 'anything' } } });
    assert.deepEqual(unsigned.body, { errcode: 0, errmsg: 'ok' });
    // An empty list removes the group's webhook robots.
    assert.equal((await apply(group([]))).status, 200);
    const gone = await call(server.url, 'POST', '/robot/send?access_token=tok-a', { body: { msgtype: 'text', text: { content: 'x' } } });
    assert.deepEqual(gone.body, TOKEN_NOT_FOUND);
  });
});

describe('webhook robots under hostile input', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await server.admin('POST', '/fixtures', webhookFixture());
  });
  after(() => server.close());

  it('answers any body and query with HTTP 200 and one of DingTalk’s answers, and posts only what it takes', async () => {
    const known = new Set(Object.values(LEGACY_ANSWERS).map((answer) => answer.errcode));
    const text = fc.string({ maxLength: 30 });
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), tie('object')),
      object: fc.dictionary(fc.constantFrom('msgtype', 'text', 'content', 'title', 'links', 'btns', 'at', 'isAtAll', 'actionCard', 'feedCard', '__proto__'), tie('value'), {
        maxKeys: 4,
      }),
    })).value;
    const body = fc.oneof(
      json.map((value) => JSON.stringify(value)),
      fc.record({ msgtype: fc.constantFrom('text', 'markdown', 'link', 'actionCard', 'feedCard', 'image'), text: json, markdown: json, link: json, actionCard: json, feedCard: json, at: json }).map((value) =>
        JSON.stringify(value),
      ),
      text,
      // Bodies it takes, with strange text and whatever `at`.
      fc.record({ content: fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }), at: json }).map(({ content, at }) =>
        JSON.stringify({ msgtype: 'text', text: { content }, at }),
      ),
    );
    const query = fc.oneof(
      fc.constant('access_token=tok-open'),
      fc.constant('access_token=tok-alerts'),
      text.map((value) => `access_token=tok-alerts&timestamp=${encodeURIComponent(value)}&sign=${encodeURIComponent(value)}`),
      text.map((value) => `access_token=${encodeURIComponent(value)}`),
    );
    let posted = 0;
    await fc.assert(
      fc.asyncProperty(query, body, async (q, raw) => {
        const answer = await call(server.url, 'POST', `/robot/send?${q}`, { rawBody: raw });
        assert.equal(answer.status, 200);
        assert.deepEqual(Object.keys(answer.body).sort(), ['errcode', 'errmsg']);
        assert.ok(known.has(answer.body.errcode), JSON.stringify(answer.body));
        assert.notEqual(answer.body.errcode, -1, 'nothing unexpected');
        if (answer.body.errcode === 0) posted++;
      }),
      { numRuns: 150 },
    );
    const items = (await server.admin<{ items: any[] }>('GET', `/conversations/${encodeURIComponent(ACME.smallGroup)}/messages`)).items;
    assert.equal(items.filter((item) => item.via === 'webhook').length, posted);
    assert.ok(posted > 0, 'some of it was taken');
  });
});

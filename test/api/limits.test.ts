/**
 * Hostile input, case by case: malformed and empty JSON, bodies past the size limits (declared and
 * streamed), deep nesting, wrong Content-Types, invalid UTF-8, non-object bodies, repeated query
 * parameters, over-long URLs and headers, broken HTTP, and prototype-pollution bodies. Each gets a
 * 4xx in DingTalk's envelope (or, for header overflow, Node's 431), and the server keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONTROL_BODY_LIMIT } from '../../src/api/control/control.routes.js';
import { ROBOT_BODY_LIMIT } from '../../src/api/dingtalk/robot.routes.js';
import { ACME, testDirectory } from '../helpers/fixtures.js';
import {
  assertEnvelope,
  assertPrototypeClean,
  assertSane,
  prototypeSnapshot,
  rawRequest,
  rawSocket,
  streamUpload,
  type RawResponse,
} from '../helpers/raw-http.js';
import { startTestServer, tokenFor, type TestServer } from '../helpers/server.js';

const MB = 1024 * 1024;
/** The app-wide bodyLimit in src/api/app.ts. */
const DEFAULT_BODY_LIMIT = 1 * MB;

interface PostRoute {
  path: string;
  limit: number;
  /** True for routes whose handler ignores the body, so that any JSON at all is a 200. */
  anyJson?: true;
  /** True for routes where `{}` is a valid body (it changes state). */
  emptyObjectIsValid?: true;
}

const ROBOT_ROUTES: PostRoute[] = [
  '/v1.0/robot/oToMessages/batchSend',
  '/v1.0/robot/otoMessages/batchRecall',
  '/v1.0/robot/groupMessages/send',
  '/v1.0/robot/groupMessages/query',
  '/v1.0/robot/groupMessages/recall',
  '/v1.0/robot/privateChatMessages/send',
  '/v1.0/robot/privateChatMessages/query',
  '/v1.0/robot/privateChatMessages/batchRecall',
].map((path) => ({ path, limit: ROBOT_BODY_LIMIT }));

const POST_ROUTES: PostRoute[] = [
  { path: '/v1.0/oauth2/accessToken', limit: DEFAULT_BODY_LIMIT },
  ...ROBOT_ROUTES,
  { path: '/_dingread/v1/fixtures', limit: CONTROL_BODY_LIMIT },
  { path: '/_dingread/v1/reads', limit: CONTROL_BODY_LIMIT },
  { path: `/_dingread/v1/conversations/${encodeURIComponent(ACME.smallGroup)}/read`, limit: DEFAULT_BODY_LIMIT },
  { path: `/_dingread/v1/robots/${ACME.robot}/chats/u0001/read`, limit: DEFAULT_BODY_LIMIT, emptyObjectIsValid: true },
  { path: '/_dingread/v1/clock', limit: DEFAULT_BODY_LIMIT },
  { path: '/_dingread/v1/reset', limit: DEFAULT_BODY_LIMIT, anyJson: true, emptyObjectIsValid: true },
];

/** Routes on which a parsed JSON body is checked (so a wrong one is a 400, and nothing is reset). */
const CHECKED_ROUTES = POST_ROUTES.filter((route) => !route.anyJson);

describe('hostile input, case by case', () => {
  let server: TestServer;
  let token: string;
  let snapshot: string[];

  before(async () => {
    snapshot = prototypeSnapshot();
    server = await startTestServer({ store: 'sqlite' });
    token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
  });
  after(() => server.close());

  /** POSTs `body` as `type` (null: no Content-Type header at all). */
  const post = (path: string, body: string | Buffer | undefined, type: string | null = 'application/json'): Promise<RawResponse> => {
    const headers: Record<string, string> = { 'x-acs-dingtalk-access-token': token };
    if (type !== null) headers['content-type'] = type;
    return rawRequest(server.url, { method: 'POST', path, headers, ...(body === undefined ? {} : { body }) });
  };

  const assertAlive = async (): Promise<void> => {
    const health = await rawRequest(server.url, { method: 'GET', path: '/_dingread/health' });
    assert.equal(health.status, 200, health.text);
    // The directory and the token are intact: nothing above reached a handler that changes state.
    const query = await post('/v1.0/robot/groupMessages/query', JSON.stringify({ robotCode: ACME.robot, openConversationId: ACME.smallGroup }));
    assertEnvelope(query, { code: 'invalidParameter.processQueryKey.missing' });
    assertPrototypeClean(snapshot);
  };

  it('malformed JSON is a 400 invalidParameter.param.invalid on every POST route', async () => {
    const bodies = ['{bad', '{"robotCode":', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', 'undefined', 'NaN', '{"a":01}', '[1,2', '"\\x"', '{"a":"\u0001"}'];
    for (const route of POST_ROUTES) {
      for (const body of bodies) {
        assertEnvelope(await post(route.path, body), { status: 400, code: 'invalidParameter.param.invalid' });
      }
    }
    await assertAlive();
  });

  it('an empty body declared as JSON is a 400 on every POST route', async () => {
    for (const route of POST_ROUTES) {
      const response = await post(route.path, '');
      const envelope = assertEnvelope(response, { status: 400, code: 'invalidParameter.param.invalid' });
      assert.match(envelope.message, /empty/);
    }
    await assertAlive();
  });

  it('no body and no Content-Type is checked as {}, and gets the route\'s own answer', async () => {
    for (const route of CHECKED_ROUTES) {
      const response = await post(route.path, undefined, null);
      if (route.emptyObjectIsValid) assert.equal(response.status, 200, response.text);
      else assertEnvelope(response, { status: 400 });
    }
    await assertAlive();
  });

  it('a 10 MB body with Content-Length is a 413 invalidParameter.body.tooLarge', async () => {
    const tenMb = Buffer.alloc(10 * MB, 'a');
    for (const route of POST_ROUTES.filter((r) => r.limit < tenMb.length)) {
      assertEnvelope(await post(route.path, tenMb), { status: 413, code: 'invalidParameter.body.tooLarge' });
    }
    // The control plane's own, larger limit holds too.
    const overControl = Buffer.alloc(CONTROL_BODY_LIMIT + 1, ' ');
    for (const path of ['/_dingread/v1/fixtures', '/_dingread/v1/reads']) {
      assertEnvelope(await post(path, overControl), { status: 413, code: 'invalidParameter.body.tooLarge' });
    }
    await assertAlive();
  });

  it('a streamed (chunked) body is cut off at the limit: 413 before the client has sent it all', async () => {
    const total = 10 * MB;
    for (const path of ['/v1.0/robot/oToMessages/batchSend', '/v1.0/oauth2/accessToken', '/_dingread/v1/clock']) {
      const { response, bytesWrittenBeforeAnswer } = await streamUpload(server.url, path, total, {
        'x-acs-dingtalk-access-token': token,
      });
      assertEnvelope(
        { status: response.status, headers: response.headers, text: response.text },
        { status: 413, code: 'invalidParameter.body.tooLarge' },
      );
      assert.ok(bytesWrittenBeforeAnswer < total, `${path}: the server read all ${total} bytes before answering`);
    }
    const { response, bytesWrittenBeforeAnswer } = await streamUpload(server.url, '/_dingread/v1/fixtures', CONTROL_BODY_LIMIT + 8 * MB);
    assertEnvelope(response, { status: 413, code: 'invalidParameter.body.tooLarge' });
    assert.ok(bytesWrittenBeforeAnswer < CONTROL_BODY_LIMIT + 8 * MB);
    await assertAlive();
  });

  it('the robot body limit is exact: a body of ROBOT_BODY_LIMIT bytes is read, one byte more is refused', async () => {
    const path = '/v1.0/robot/oToMessages/batchSend';
    // A msgParam one byte over DingTalk's 15,000, padded with JSON whitespace to the size wanted.
    const message = JSON.stringify({
      robotCode: ACME.robot,
      userIds: ['u0001'],
      msgKey: 'sampleText',
      msgParam: JSON.stringify({ content: 'y'.repeat(15_001 - 14) }),
    });
    const padded = (size: number): string => message + ' '.repeat(size - Buffer.byteLength(message));
    assertEnvelope(await post(path, padded(ROBOT_BODY_LIMIT)), { status: 400, code: 'invalidParameter.msgParam.tooLong' });
    assertEnvelope(await post(path, padded(ROBOT_BODY_LIMIT + 1)), { status: 413, code: 'invalidParameter.body.tooLarge' });
    await assertAlive();
  });

  it('deeply nested JSON (100,000 levels) is a 400, never a stack overflow', async () => {
    const depth = 100_000;
    // Objects take 6 bytes a level: 40,000 levels stay under the robot routes' 256 KiB limit.
    const objectDepth = 40_000;
    const bodies = [
      '['.repeat(depth),
      '['.repeat(depth) + ']'.repeat(depth),
      '{"a":'.repeat(objectDepth) + '1' + '}'.repeat(objectDepth),
      `{"robotCode":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      `{"orgs":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      `{"reads":[${'{"a":'.repeat(objectDepth)}1${'}'.repeat(objectDepth)}]}`,
      // Makes the prototype-poisoning scan walk the whole depth.
      '['.repeat(depth) + '{"constructor":{"prototype":{"polluted":1}}}' + ']'.repeat(depth),
    ];
    for (const route of CHECKED_ROUTES) {
      for (const body of bodies) {
        assertEnvelope(await post(route.path, body), { status: 400 });
      }
    }
    // The request log kept those calls (their bodies cut, none too deep to read back) and reads them.
    const logged = await server.admin<{ items: Array<{ status: number; requestBody?: { truncated?: boolean } }> }>('GET', '/requests?limit=1000');
    assert.ok(logged.items.some((entry) => entry.status === 400 && entry.requestBody?.truncated === true));
    for (const body of bodies) assert.ok((await post('/_dingread/v1/reset', body)).status < 500);
    await server.admin('POST', '/fixtures', testDirectory());
    token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    await assertAlive();
  });

  it('a body that is not JSON is a 415 invalidParameter.contentType.unsupported', async () => {
    const types = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', 'image/png'];
    for (const route of POST_ROUTES) {
      for (const type of types) {
        assertEnvelope(await post(route.path, '{"robotCode":"x"}', type), { status: 415, code: 'invalidParameter.contentType.unsupported' });
      }
    }
    // Odd spellings of JSON are either parsed as JSON or refused; never a crash.
    for (const type of ['APPLICATION/JSON', 'application/json;charset=utf-16', 'application/json; foo=bar', 'application/jsonp', 'application/json-patch+json', '', ';', 'application/']) {
      const response = await post('/v1.0/robot/groupMessages/query', '{}', type);
      assertEnvelope(response);
    }
    await assertAlive();
  });

  it('invalid UTF-8 in a JSON body is a 4xx envelope, never a crash', async () => {
    const bad = [
      Buffer.from([0xff, 0xfe, 0xfd]),
      Buffer.from([0xc0, 0xaf]), // overlong '/'
      Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate
      Buffer.from([0xf4, 0x90, 0x80, 0x80]), // past U+10FFFF
      Buffer.from([0xe2, 0x82]), // truncated
      Buffer.from([0x00]),
    ];
    for (const route of POST_ROUTES) {
      for (const bytes of bad) {
        const inValue = Buffer.concat([Buffer.from('{"robotCode":"'), bytes, Buffer.from('","userId":"u0001"}')]);
        const inKey = Buffer.concat([Buffer.from('{"'), bytes, Buffer.from('":"x"}')]);
        const whole = Buffer.concat([bytes, Buffer.from('{}')]);
        const atEnd = Buffer.concat([Buffer.from('{"robotCode":"x"}'), bytes]);
        for (const body of [inValue, inKey, whole, atEnd]) {
          const response = await post(route.path, body);
          if (route.anyJson) assert.ok(response.status < 500, response.text);
          else assertEnvelope(response, { status: 400 });
        }
      }
    }
    await server.admin('POST', '/fixtures', testDirectory());
    token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    await assertAlive();
  });

  it('a JSON array, string, number, boolean or null as the body is a 400', async () => {
    for (const route of CHECKED_ROUTES) {
      for (const body of ['[]', '[{}]', '"robotCode"', '""', '0', '-1.5e3', 'true', 'false', 'null']) {
        assertEnvelope(await post(route.path, body), { status: 400, code: 'invalidParameter.param.invalid' });
      }
    }
    await assertAlive();
  });

  it('repeated query parameters are a 400; bracketed and unknown ones are ignored, or a 400 under --strict', async () => {
    const get = (base: string, path: string) => rawRequest(base, { method: 'GET', path, headers: { 'x-acs-dingtalk-access-token': token } });
    const readStatus = '/v1.0/robot/oToMessages/readStatus';
    for (const query of [
      `robotCode=a&robotCode=b&processQueryKey=k`,
      `robotCode=${ACME.robot}&robotCode=${ACME.robot}&processQueryKey=k`,
      `robotCode=${ACME.robot}&processQueryKey=a&processQueryKey=b`,
    ]) {
      assertEnvelope(await get(server.url, `${readStatus}?${query}`), { status: 400, code: 'invalidParameter.param.invalid' });
    }
    // DingTalk ignores what it does not know; each is then judged on what is left.
    const unknown: Array<[query: string, code: string]> = [
      [`robotCode[]=${ACME.robot}&processQueryKey=k`, 'invalidParameter.robotCode.missing'],
      [`robotCode=${ACME.robot}&processQueryKey=k&extra=1`, 'invalid.processQueryKey'],
      [`__proto__=x`, 'invalidParameter.robotCode.missing'],
      [`__proto__[polluted]=1&robotCode=x`, 'invalidParameter.processQueryKey.missing'],
      [`constructor[prototype][polluted]=1`, 'invalidParameter.robotCode.missing'],
    ];
    for (const [query, code] of unknown) assertEnvelope(await get(server.url, `${readStatus}?${query}`), { status: 400, code });
    const strict = await startTestServer({ strict: true, seed: false });
    try {
      await strict.admin('POST', '/fixtures', testDirectory());
      const strictToken = await tokenFor(strict.url, ACME.appKey, ACME.appSecret);
      for (const [query] of unknown) {
        const response = await rawRequest(strict.url, { method: 'GET', path: `${readStatus}?${query}`, headers: { 'x-acs-dingtalk-access-token': strictToken } });
        assertEnvelope(response, { status: 400, code: 'invalidParameter.param.invalid' });
        assert.match(JSON.parse(response.text).message, /unknown field/);
      }
    } finally {
      await strict.close();
    }
    for (const query of ['corpId=a&corpId=b', 'limit=1&limit=2', 'cursor=a&cursor=b', 'limit=-1', 'limit=1.5', 'limit=99999', 'limit=0', 'nope=1', '__proto__=1']) {
      assertEnvelope(await get(server.url, `/_dingread/v1/messages?${query}`), { status: 400, code: 'invalidParameter.param.invalid' });
    }
    await assertAlive();
  });

  it('over-long path parameters and query values are a 400 envelope', async () => {
    const get = (path: string) => rawRequest(server.url, { method: 'GET', path, headers: { 'x-acs-dingtalk-access-token': token } });
    for (const length of [513, 1024, 1025, 5000]) {
      const key = 'k'.repeat(length);
      assertEnvelope(await get(`/_dingread/v1/messages/${key}`), { status: 400, code: 'invalidParameter.param.invalid' });
      assertEnvelope(await post(`/_dingread/v1/conversations/${key}/read`, '{"userId":"u0001"}'), { status: 400, code: 'invalidParameter.param.invalid' });
      assertEnvelope(await post(`/_dingread/v1/robots/${key}/chats/${key}/read`, '{}'), { status: 400, code: 'invalidParameter.param.invalid' });
      assertEnvelope(await get(`/v1.0/robot/oToMessages/readStatus?robotCode=${key}&processQueryKey=k`), { status: 400, code: 'invalidParameter.param.invalid' });
      assertEnvelope(await get(`/_dingread/v1/messages?corpId=${key}`), { status: 400, code: 'invalidParameter.param.invalid' });
    }
    // Broken percent-encoding in a path is the envelope too, not Fastify's own body.
    for (const segment of ['%ZZ', '%', '%ED%A0%80', '%C0%AF', '%FF']) {
      assertEnvelope(await get(`/_dingread/v1/messages/${segment}`), { status: 400, code: 'invalidParameter.param.invalid' });
      assertEnvelope(await get(`/v1.0/robot/${segment}`), { status: 400, code: 'invalidParameter.param.invalid' });
    }
    // A URL longer than Node's header limit never reaches the router: Node answers 431.
    const huge = await get(`/_dingread/v1/messages/${'k'.repeat(20_000)}`);
    assert.equal(huge.status, 431);
    await assertAlive();
  });

  it('header abuse: a huge header is a 431 and the server carries on; repeated tokens are refused', async () => {
    const big = await rawRequest(server.url, { method: 'GET', path: '/_dingread/health', headers: { 'x-junk': 'j'.repeat(32 * 1024) } });
    assert.equal(big.status, 431);
    const many: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) many[`x-h${i}`] = 'v';
    const manyHeaders = await rawRequest(server.url, { method: 'GET', path: '/_dingread/health', headers: many });
    assert.ok(manyHeaders.status === 200 || manyHeaders.status === 431, String(manyHeaders.status));
    const bigToken = await rawRequest(server.url, {
      method: 'POST',
      path: '/v1.0/robot/groupMessages/query',
      headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': 't'.repeat(15_000) },
      body: '{}',
    });
    assertEnvelope(bigToken, { status: 400, code: 'InvalidAuthentication' });
    // Two access-token headers arrive joined ("a, b"): that is no token of ours.
    const twice = await rawRequest(server.url, {
      method: 'POST',
      path: '/v1.0/robot/groupMessages/query',
      headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': [token, token] },
      body: '{}',
    });
    assertEnvelope(twice, { status: 400, code: 'InvalidAuthentication' });
    // Two Content-Types and two Content-Lengths.
    const twoTypes = await rawRequest(server.url, {
      method: 'POST',
      path: '/v1.0/robot/groupMessages/query',
      headers: { 'content-type': ['application/json', 'text/plain'], 'x-acs-dingtalk-access-token': token },
      body: '{}',
    });
    assertSane(twoTypes);
    await assertAlive();
  });

  it('broken HTTP gets a 400 envelope with a request id, and the server carries on', async () => {
    const requests = [
      'HELLO\r\n\r\n',
      'GET /_dingread/v1/messages/\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /v1.0/robot/oToMessages/readStatus?robotCode=\u00ff HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /_dingread/health HTTP/1.1\r\nHost: x\r\nX-Bad: a\rb\r\n\r\n',
      'GET /_dingread/health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n',
      'POST /v1.0/robot/groupMessages/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
      'POST /v1.0/robot/groupMessages/query HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      'POST /v1.0/robot/groupMessages/query HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /v1.0/robot/groupMessages/query HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n',
    ];
    for (const request of requests) {
      const answer = await rawSocket(server.url, Buffer.from(request, 'latin1'));
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 400 /, JSON.stringify(request));
      const envelope = JSON.parse(body) as { code: string; message: string; requestid: string };
      assert.equal(envelope.code, 'invalidParameter.param.invalid');
      assert.equal(typeof envelope.message, 'string');
      assert.match(head, new RegExp(`\\r\\nx-acs-request-id: ${envelope.requestid}\\r\\n`, 'i'));
    }
    // A request that stops halfway is simply dropped.
    await rawSocket(server.url, 'POST /v1.0/robot/groupMessages/query HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a', 200);
    await assertAlive();
  });

  it('prototype-pollution bodies are refused and pollute nothing', async () => {
    const bodies = [
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      '{"\\u005f\\u005fproto__":{"polluted":1}}',
      '{"robotCode":"x","__proto__":{"isAdmin":true}}',
      '{"orgs":[{"corpId":"dingp","__proto__":{"polluted":1}}]}',
      '{"reads":[{"processQueryKey":"k","userId":"u","constructor":{"prototype":{"polluted":1}}}]}',
      '{"a":{"b":{"__proto__":{"polluted":1}}}}',
    ];
    for (const route of POST_ROUTES) {
      for (const body of bodies) {
        assertEnvelope(await post(route.path, body), { status: 400, code: 'invalidParameter.param.invalid' });
      }
    }
    // `constructor` alone (no prototype inside) is only an unknown field.
    for (const route of CHECKED_ROUTES) {
      assertEnvelope(await post(route.path, '{"constructor":1,"toString":"x","hasOwnProperty":null}'), { status: 400 });
    }
    assertPrototypeClean(snapshot);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    await assertAlive();
  });

  it('every answer so far came with the envelope on the 4xx paths of GET routes too', async () => {
    // Unknown routes and methods on known paths.
    for (const [method, path] of [
      ['GET', '/v1.0/robot/oToMessages/batchSend'],
      ['PUT', '/v1.0/robot/groupMessages/send'],
      ['DELETE', '/_dingread/v1/fixtures'],
      ['PATCH', '/_dingread/v1/clock'],
      ['GET', '/v1.0/robot/oToMessages/readStatus/'],
      ['GET', '/V1.0/robot/oToMessages/readStatus'],
      ['GET', '/_dingread/v1/messages/a/b'],
      ['GET', '/../../etc/passwd'],
      ['GET', '/_dingread/health/..%2f..%2f'],
    ] as const) {
      assertEnvelope(await rawRequest(server.url, { method, path, headers: { 'x-acs-dingtalk-access-token': token } }), { status: 404, code: 'InvalidAction.NotFound' });
    }
    await assertAlive();
  });
});

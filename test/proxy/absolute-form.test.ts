/**
 * dingread as a plain HTTP proxy: a request whose target is a whole URL
 * (`POST https://api.dingtalk.com/v1.0/…`, what axios before 1.21 sends for an HTTPS_PROXY) is
 * handled exactly as the same request sent directly: routing, the request log, faults, DingTalk's
 * QPS limit, the control-plane limit, access rules and messages all see its path and host.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../src/server.js';
import { ACME, testDirectory } from '../helpers/fixtures.js';
import { absoluteRequest } from '../helpers/proxy.js';
import { assertEnvelope, rawRequest, type RawResponse } from '../helpers/raw-http.js';

const API = 'https://api.dingtalk.com';
const OAPI = 'https://oapi.dingtalk.com';
const ADMIN = 'absolute-admin';

function json(response: RawResponse): any {
  return JSON.parse(response.text);
}

describe('absolute-form requests', () => {
  let server: RunningServer;
  let token: string;
  const admin = (method: string, path: string, body?: unknown) =>
    rawRequest(server.url, {
      method,
      path: `/_dingread/v1${path}`,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  before(async () => {
    server = await startServer({ port: 0, store: 'memory', adminToken: ADMIN, emulator: { qpsLimit: 3 } });
    assert.equal((await admin('POST', '/fixtures', testDirectory())).status, 200);
    const answer = await absoluteRequest(server.url, 'POST', `${API}/v1.0/oauth2/accessToken`, { body: { appKey: ACME.appKey, appSecret: ACME.appSecret } });
    assert.equal(answer.status, 200, answer.text);
    token = json(answer).accessToken;
  });
  after(() => server.close());

  const send = (url: string, body: unknown) => absoluteRequest(server.url, 'POST', url, { body, headers: { 'x-acs-dingtalk-access-token': token } });
  const groupSend = { robotCode: ACME.robot, openConversationId: ACME.smallGroup, msgKey: 'sampleText', msgParam: '{"content":"hi"}' };

  it('are routed and answered as the same request sent directly, over http or https URLs', async () => {
    const sent = await send(`${API}/v1.0/robot/groupMessages/send`, groupSend);
    assert.equal(sent.status, 200, sent.text);
    const key = json(sent).processQueryKey as string;
    const query = await absoluteRequest(server.url, 'GET', `http://api.dingtalk.com/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=${encodeURIComponent(key)}`, {
      headers: { 'x-acs-dingtalk-access-token': token },
    });
    // A group message's key on the one-on-one query: the endpoint's own error, so the query string arrived parsed.
    assertEnvelope(query, { status: 400, code: 'invalid.processQueryKey' });
    const message = json(await admin('GET', `/messages/${encodeURIComponent(key)}`));
    assert.equal(message.openConversationId, ACME.smallGroup);
  });

  it('are logged with their host and path, never the whole URL', async () => {
    await admin('DELETE', '/requests');
    await send(`${API}/v1.0/robot/groupMessages/send?via=proxy`, groupSend);
    const [entry] = json(await admin('GET', '/requests')).items;
    assert.equal(entry.path, '/v1.0/robot/groupMessages/send');
    assert.equal(entry.host, 'api.dingtalk.com');
    assert.equal(entry.via, 'absolute');
    assert.deepEqual(entry.query, { via: 'proxy' });
    assert.equal(entry.appKey, ACME.appKey);
    assert.equal(entry.status, 200);
    // A direct call names its own host and no `via`.
    await rawRequest(server.url, { method: 'POST', path: '/v1.0/oauth2/accessToken', headers: { 'content-type': 'application/json' }, body: '{"appKey":"x","appSecret":"y"}' });
    const [direct] = json(await admin('GET', '/requests')).items;
    assert.equal(direct.host, new URL(server.url).host);
    assert.equal(direct.via, undefined);
  });

  it('meet the faults that match their path', async () => {
    const fault = json(await admin('POST', '/faults', { match: { path: '/v1.0/robot/oToMessages/batchSend' }, error: { status: 500, code: 'system.error' }, count: 1 }));
    const answer = await send(`${API}/v1.0/robot/oToMessages/batchSend`, { robotCode: ACME.robot, userIds: ['u0001'], msgKey: 'sampleText', msgParam: '{"content":"x"}' });
    assert.equal(answer.status, 500, answer.text);
    assert.equal(json(answer).code, 'system.error');
    const [logged] = json(await admin('GET', '/requests?path=/v1.0/robot/oToMessages/batchSend')).items;
    assert.deepEqual(logged.faults, [fault.id]);
    assert.deepEqual(json(await admin('GET', '/faults')).items, [], 'the fault fired its one time and is gone');
  });

  it("count against DingTalk's per-app QPS limit like direct calls", async () => {
    const direct = () =>
      rawRequest(server.url, {
        method: 'POST',
        path: '/v1.0/robot/groupMessages/query',
        headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
        body: JSON.stringify({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: 'k' }),
      });
    const proxied = () => send(`${API}/v1.0/robot/groupMessages/query`, { robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: 'k' });
    // Ten calls at once, half each way, against a limit of 3 a second: they would have to spread
    // over more than three seconds for none to be throttled.
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? proxied() : direct())));
    const throttled = answers.filter((answer) => answer.status === 403);
    assert.ok(throttled.length >= 1, answers.map((answer) => answer.status).join(','));
    for (const answer of throttled) assert.equal(json(answer).code, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi');
    const logged = json(await admin('GET', '/requests?status=403')).items as Array<{ via?: string; code: string }>;
    assert.ok(logged.length >= 1 && logged.every((entry) => entry.code === 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi'));
  });
});

describe('the control-plane limit and absolute-form targets', () => {
  it('throttles wrong-token guesses sent as GET http://x/_dingread/v1/clock: 401 until the limit, then 403', async () => {
    const server = await startServer({ port: 0, store: 'memory', adminToken: 's3cret', controlQpsLimit: 2 });
    try {
      // Ten guesses at once against 2 a second: they would have to spread over five seconds for
      // all to reach the token check.
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => absoluteRequest(server.url, 'GET', 'http://x/_dingread/v1/clock', { headers: { authorization: 'Bearer guess' } })),
      );
      const codes = answers.map((answer) => `${answer.status} ${json(answer).code}`);
      assert.ok(codes.every((code) => code === '401 adminToken.invalid' || code === '403 Forbidden.AccessDenied.QpsLimitForApi'), codes.join(', '));
      assert.ok(codes.includes('403 Forbidden.AccessDenied.QpsLimitForApi'), codes.join(', '));
      // A percent-escaped path reaches the same route, and the same limit.
      const escaped = await Promise.all(
        Array.from({ length: 10 }, () => rawRequest(server.url, { method: 'GET', path: '/%5Fdingread/v1/clock', headers: { authorization: 'Bearer guess' } })),
      );
      assert.ok(escaped.some((answer) => json(answer).code === 'Forbidden.AccessDenied.QpsLimitForApi'));
    } finally {
      await server.close();
    }
  });
});

describe('hosts and unknown paths through the proxy', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ port: 0, store: 'memory' });
  });
  after(() => server.close());

  it('answers an unknown /v1.0 path with the envelope, naming the path and not the URL', async () => {
    const answer = await absoluteRequest(server.url, 'POST', `${API}/v1.0/robot/nothingHere?access_token=secret`);
    const envelope = assertEnvelope(answer, { status: 404, code: 'InvalidAction.NotFound' });
    assert.match(envelope.message, /: POST \/v1\.0\/robot\/nothingHere$/);
    assert.ok(!envelope.message.includes('dingtalk.com') && !envelope.message.includes('secret'), envelope.message);
  });

  it("answers as DingTalk's hosts do outside the API: api.dingtalk.com without /v1.0, and oapi.dingtalk.com", async () => {
    for (const url of [`${API}/robot/send?access_token=abc`, `${API}/`, `${OAPI}/nothing`, `${OAPI}/robot/sender`, `${OAPI}/v1.0/unknown`]) {
      const answer = await absoluteRequest(server.url, 'POST', url, { body: {} });
      assert.equal(answer.status, 200, url);
      assert.deepEqual(json(answer), { errcode: 404, errmsg: '请求的URI地址不存在' }, url);
      assert.match(String(answer.headers['content-type']), /^application\/json/);
    }
  });

  it("keeps dingread's own routes off DingTalk's hosts: there it is DingTalk", async () => {
    for (const path of ['/_dingread/health', '/_dingread/v1/clock', '/_dingread/metrics', '/_dingread/ui/', '/_dingread/openapi.json']) {
      const answer = await absoluteRequest(server.url, 'GET', `${API}${path}`);
      assert.deepEqual([answer.status, json(answer)], [200, { errcode: 404, errmsg: '请求的URI地址不存在' }], path);
    }
  });

  it('says it is no general proxy when asked for another host, and serves its own under a loopback name', async () => {
    const elsewhere = await absoluteRequest(server.url, 'GET', 'http://example.com/index.html');
    const envelope = assertEnvelope(elsewhere, { status: 404, code: 'InvalidAction.NotFound' });
    assert.match(envelope.message, /GET \/index\.html \(dingread stands in for api\.dingtalk\.com and oapi\.dingtalk\.com only; it is not a proxy to example\.com\)/);
    const own = await absoluteRequest(server.url, 'GET', `http://127.0.0.1:${server.port}/_dingread/v1/clock`);
    assert.equal(own.status, 200, own.text);
  });

  it('refuses a target that is not an http or https URL with a host', async () => {
    for (const url of ['ftp://api.dingtalk.com/v1.0/oauth2/accessToken', 'http:///v1.0/oauth2/accessToken', 'http://exa mple.com/']) {
      const answer = await absoluteRequest(server.url, 'POST', url, { body: {} }).catch((error: Error) => error);
      if (answer instanceof Error) continue; // Node's own parser may refuse it first (a space in the target).
      assertEnvelope(answer, { status: 400, code: 'invalidParameter.param.invalid' });
    }
  });
});

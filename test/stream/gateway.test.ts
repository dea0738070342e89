/**
 * Stream mode's gateway call and handshake: `POST /v1.0/gateway/connections/open` hands out an
 * endpoint on this server and a ticket that opens one connection within 90 s; wrong credentials
 * get DingTalk's 401 authFailed; bad handshakes get a clear HTTP answer, never a crash.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ACME } from '../helpers/fixtures.js';
import { assertEnvelope, rawRequest } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectTo, openConnection, refusedHandshake, SDK_SUBSCRIPTIONS, ticketFor } from '../helpers/stream-client.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A POST with the request target and Host given: an absolute URL is what an HTTP proxy client
 * sends (proxy mode); a path with another Host is what a reverse proxy in front of dingread passes.
 */
function postRaw(port: number, target: string, host: string, body: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: target,
        headers: { host, 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (res) => {
        let data = '';
        res.on('data', (chunk: Buffer) => (data += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

describe('Stream gateway', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const credentials = { clientId: ACME.appKey, clientSecret: ACME.appSecret, subscriptions: SDK_SUBSCRIPTIONS };

  it('answers an endpoint on the server’s own port and a ticket, as DingTalk shapes them', async () => {
    const answer = await openConnection(server.url, { ...credentials, ua: 'dingtalk-sdk-nodejs/1.0.0', localIp: '10.0.0.5' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(Object.keys(answer.body).sort(), ['endpoint', 'ticket']);
    assert.equal(answer.body.endpoint, `ws://127.0.0.1:${server.port}/connect`);
    assert.match(answer.body.ticket, UUID_V4);
  });

  it('hands a request that came through proxy mode this server’s address, not DingTalk’s host', async () => {
    const proxied = await postRaw(server.port, 'https://api.dingtalk.com/v1.0/gateway/connections/open', 'api.dingtalk.com', credentials);
    assert.equal(proxied.status, 200, JSON.stringify(proxied.body));
    assert.equal(proxied.body.endpoint, `ws://127.0.0.1:${server.port}/connect`);
    // Behind a reverse proxy, the Host the client used is the address to give back.
    const named = await postRaw(server.port, '/v1.0/gateway/connections/open', 'dingread.internal:8443', credentials);
    assert.equal(named.body.endpoint, 'ws://dingread.internal:8443/connect');
    // A whole URL naming this server (an HTTP_PROXY that points here too) gives its authority back.
    const own = await postRaw(server.port, `http://localhost:${server.port}/v1.0/gateway/connections/open`, 'ignored.example', credentials);
    assert.equal(own.body.endpoint, `ws://localhost:${server.port}/connect`);
    const client = await connectTo(proxied.body.endpoint, proxied.body.ticket);
    await client.close();
  });

  it('refuses wrong credentials with 401 authFailed, as DingTalk does', async () => {
    for (const body of [
      { ...credentials, clientSecret: 'wrong' },
      { ...credentials, clientId: 'no-such-app' },
    ]) {
      const response = await fetch(`${server.url}/v1.0/gateway/connections/open`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 401);
      const envelope = (await response.json()) as { code: string; message: string; requestid: string };
      assert.equal(envelope.code, 'authFailed');
      assert.equal(envelope.message, '鉴权失败');
      assert.equal(envelope.requestid, response.headers.get('x-acs-request-id'));
    }
  });

  it('asks for clientId, clientSecret and subscriptions, and checks their shapes; takes fields it does not know', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ clientSecret: ACME.appSecret, subscriptions: SDK_SUBSCRIPTIONS }, /clientId is mandatory/],
      [{ clientId: ACME.appKey, subscriptions: SDK_SUBSCRIPTIONS }, /clientSecret is mandatory/],
      [{ clientId: ACME.appKey, clientSecret: ACME.appSecret }, /subscriptions is mandatory/],
      [{ ...credentials, subscriptions: [] }, /subscriptions is mandatory/],
      [{ ...credentials, subscriptions: [{ type: 'CALLBACK' }] }, /topic/],
      [{ ...credentials, subscriptions: 'all' }, /subscriptions/],
      [{ ...credentials, clientId: 42 }, /clientId/],
    ];
    for (const [body, message] of cases) {
      const answer = await openConnection(server.url, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.code, 'invalidParameter.param.invalid');
      assert.match(answer.body.message, message);
    }
    const malformed = await fetch(`${server.url}/v1.0/gateway/connections/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"clientId":',
    });
    assert.equal(malformed.status, 400);
    // The Go SDK sends `extras`; DingTalk's gateway takes it, and ignores fields it does not know.
    const withExtras = await openConnection(server.url, { ...credentials, extras: { k: 'v' } });
    assert.equal(withExtras.status, 200);
    const newer = await openConnection(server.url, { ...credentials, fromANewerSdk: true, localIp: null });
    assert.equal(newer.status, 200);
    // Under --strict, as on every DingTalk route, they are refused.
    const strict = await startTestServer({ strict: true });
    try {
      const refused = await openConnection(strict.url, { ...credentials, fromANewerSdk: true });
      assert.equal(refused.status, 400);
      assert.match(refused.body.message, /unknown field fromANewerSdk/);
      assert.equal((await openConnection(strict.url, { ...credentials, extras: { k: 'v' } })).status, 200);
    } finally {
      await strict.close();
    }
  });

  it('takes a third-party suite’s key and secret', async () => {
    await server.admin('POST', '/fixtures', { suites: [{ suiteKey: 'suitestream', suiteSecret: 'suite-secret' }], orgs: [] });
    const answer = await openConnection(server.url, { clientId: 'suitestream', clientSecret: 'suite-secret', subscriptions: SDK_SUBSCRIPTIONS });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const wrong = await openConnection(server.url, { clientId: 'suitestream', clientSecret: 'nope', subscriptions: SDK_SUBSCRIPTIONS });
    assert.equal(wrong.status, 401);
  });

  it('opens one connection per ticket, within 90 s of the server clock', async () => {
    const { endpoint, ticket } = await ticketFor(server.url, ACME.appKey, ACME.appSecret);
    const client = await connectTo(endpoint, ticket);
    const again = await refusedHandshake(`${endpoint}?ticket=${ticket}`);
    assert.equal(again.status, 401);
    assert.equal(again.body.code, 'invalidTicket');
    await client.close();

    const start = Date.UTC(2025, 0, 6, 9, 0);
    await server.admin('POST', '/clock', { nowMs: start });
    const late = await ticketFor(server.url, ACME.appKey, ACME.appSecret);
    const inTime = await ticketFor(server.url, ACME.appKey, ACME.appSecret);
    await server.admin('POST', '/clock', { nowMs: start + 89_999 });
    const ok = await connectTo(inTime.endpoint, inTime.ticket);
    await ok.close();
    await server.admin('POST', '/clock', { nowMs: start + 90_000 });
    const expired = await refusedHandshake(`${late.endpoint}?ticket=${late.ticket}`);
    assert.equal(expired.status, 401);
    assert.equal(expired.body.code, 'invalidTicket');
    await server.admin('POST', '/clock', { mode: 'system' });
  });

  it('answers handshakes without a ticket, with an unknown one, or on another path, and stays up', async () => {
    const base = `ws://127.0.0.1:${server.port}`;
    const none = await refusedHandshake(`${base}/connect`);
    assert.equal(none.status, 400);
    assert.equal(none.body.code, 'invalidParameter.param.invalid');
    const unknown = await refusedHandshake(`${base}/connect?ticket=00000000-0000-4000-8000-000000000000`);
    assert.equal(unknown.status, 401);
    const elsewhere = await refusedHandshake(`${base}/v1.0/robot/oToMessages/batchSend`);
    assert.equal(elsewhere.status, 404);
    assert.equal(elsewhere.body.code, 'InvalidAction.NotFound');
    const health = await fetch(`${server.url}/_dingread/health`);
    assert.equal(health.status, 200);
  });

  it('judges a WebSocket upgrade’s target as it judges any request’s: no route hook sees it', async () => {
    const upgrade = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    const malformed = await rawRequest(server.url, { method: 'GET', path: 'ftp://example/connect?ticket=x', headers: upgrade });
    assertEnvelope(malformed, { status: 400, code: 'invalidParameter.param.invalid' });
    // A whole URL is its path, as for any request: here the ticket is judged (unknown: 401).
    const whole = await rawRequest(server.url, {
      method: 'GET',
      path: `http://127.0.0.1:${server.port}/connect?ticket=00000000-0000-4000-8000-000000000000`,
      headers: upgrade,
    });
    assertEnvelope(whole, { status: 401, code: 'invalidTicket' });
    // The endpoint answers anyone, on any host: the ticket is its credential, as the gateway's credentials are.
    const { ticket } = await ticketFor(server.url, ACME.appKey, ACME.appSecret);
    const client = await connectTo(`ws://127.0.0.1:${server.port}/connect`, ticket, { headers: { host: 'wss-open-connection.dingtalk.com' } });
    await client.close();
  });

  it('keeps the client secret and the ticket out of the request log', async () => {
    await server.admin('DELETE', '/requests');
    await ticketFor(server.url, ACME.appKey, ACME.appSecret);
    const { items } = await server.admin<{ items: any[] }>('GET', '/requests?path=/v1.0/gateway/connections/open');
    assert.equal(items.length, 1);
    assert.equal(items[0].appKey, ACME.appKey);
    assert.equal(items[0].requestBody.clientSecret, '***');
    assert.equal(items[0].responseBody.ticket, '***');
    assert.match(items[0].responseBody.endpoint, /^ws:\/\//);
  });
});

/**
 * Health, and who may use the control plane: admin token, loopback-only (the socket, the Host and
 * the Origin together: api/access.ts), refusing to start open.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isLoopbackAddress, isLoopbackHost } from '../../src/api/proxy/request-target.js';
import { startServer, StartupError } from '../../src/server.js';
import { VERSION } from '../../src/version.js';
import { ACME } from '../helpers/fixtures.js';
import { absoluteRequest } from '../helpers/proxy.js';
import { assertEnvelope, rawRequest, rawSocket, type RawResponse } from '../helpers/raw-http.js';
import { call, forEachStore, startTestServer, type TestServer } from '../helpers/server.js';

function assertCallEnvelope(answer: { status: number; headers: Headers; body: any }, status: number, code: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.deepEqual(Object.keys(answer.body).sort(), ['code', 'message', 'requestid']);
  assert.equal(answer.body.code, code);
  assert.equal(typeof answer.body.message, 'string');
  assert.equal(answer.headers.get('x-acs-request-id'), answer.body.requestid);
}

forEachStore('GET /_dingread/health', (store) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ store, seed: false, adminToken: 'health-token' });
  });
  after(() => server.close());

  it('answers status, version and store kind, to anyone', async () => {
    const { status, body } = await call(server.url, 'GET', '/_dingread/health');
    assert.equal(status, 200);
    assert.deepEqual(body, { status: 'ok', version: VERSION, store });
    assert.equal(typeof VERSION, 'string');
    assert.ok(VERSION.length > 0);
  });
});

describe('control plane with an admin token', () => {
  const adminToken = 's3cret-admin-token';
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ adminToken, seed: false });
  });
  after(() => server.close());

  it('answers a caller with the right bearer token', async () => {
    const { status, body } = await call(server.url, 'GET', '/_dingread/v1/clock', {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(status, 200);
    assert.equal(body.mode, 'system');
    // The scheme is case-insensitive, as HTTP says.
    const lower = await call(server.url, 'GET', '/_dingread/v1/clock', { headers: { authorization: `bearer ${adminToken}` } });
    assert.equal(lower.status, 200);
  });

  it('is 401 without a token, with a wrong one, or with another scheme', async () => {
    assertCallEnvelope(await call(server.url, 'GET', '/_dingread/v1/clock'), 401, 'adminToken.missing');
    for (const authorization of [
      'Bearer wrong',
      `Bearer ${adminToken}x`,
      `Bearer ${adminToken.slice(0, -1)}`,
      `Basic ${Buffer.from(`admin:${adminToken}`).toString('base64')}`,
      adminToken,
      'Bearer ',
    ]) {
      assertCallEnvelope(await call(server.url, 'GET', '/_dingread/v1/clock', { headers: { authorization } }), 401, 'adminToken.invalid');
    }
  });

  it('checks the token before anything else: a 401 write changes nothing', async () => {
    const answer = await call(server.url, 'POST', '/_dingread/v1/fixtures', {
      body: { orgs: [{ corpId: 'dingsneaky' }] },
      headers: { authorization: 'Bearer nope' },
    });
    assertCallEnvelope(answer, 401, 'adminToken.invalid');
    assertCallEnvelope(await call(server.url, 'POST', '/_dingread/v1/reset'), 401, 'adminToken.missing');
    assert.deepEqual(await server.admin('GET', '/fixtures'), { orgs: [] });
  });

  it('leaves the DingTalk API to its own access tokens', async () => {
    const answer = await call(server.url, 'POST', '/v1.0/oauth2/accessToken', { body: { appKey: 'x', appSecret: 'y' } });
    assert.equal(answer.body.code, 'invalidClientIdOrSecret');
  });
});

describe('control plane without an admin token', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ seed: false });
  });
  after(() => server.close());

  it('answers loopback callers', async () => {
    const { status } = await call(server.url, 'GET', '/_dingread/v1/clock');
    assert.equal(status, 200);
    for (const remoteAddress of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.8.9.10']) {
      const answer = await server.app.inject({ method: 'GET', url: '/_dingread/v1/clock', remoteAddress });
      assert.equal(answer.statusCode, 200, remoteAddress);
    }
  });

  it('refuses any other caller, and keeps health open', async () => {
    for (const remoteAddress of ['10.0.0.7', '192.168.1.2', '::ffff:10.0.0.7', '2001:db8::1', '0.0.0.0']) {
      const answer = await server.app.inject({ method: 'POST', url: '/_dingread/v1/reset', remoteAddress });
      assert.equal(answer.statusCode, 403, remoteAddress);
      assert.equal(answer.json().code, 'controlPlane.loopbackOnly');
      const health = await server.app.inject({ method: 'GET', url: '/_dingread/health', remoteAddress });
      assert.equal(health.statusCode, 200);
    }
  });

  it('ignores a bearer token it was not configured with', async () => {
    const answer = await server.app.inject({
      method: 'GET',
      url: '/_dingread/v1/clock',
      remoteAddress: '10.0.0.7',
      headers: { authorization: 'Bearer anything' },
    });
    assert.equal(answer.statusCode, 403);
  });
});

describe('startServer and the listening host', () => {
  it('refuses a non-loopback host without an admin token, before opening anything', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'example.com']) {
      await assert.rejects(startServer({ host, port: 0 }), (error: unknown) => {
        assert.ok(error instanceof StartupError, String(error));
        assert.match(error.message, /admin token/);
        assert.ok(error.message.includes(host));
        return true;
      });
    }
  });

  it('starts on a loopback host without a token', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const server = await startServer({ host, port: 0 });
      try {
        const { status } = await call(server.url, 'GET', '/_dingread/health');
        assert.equal(status, 200);
      } finally {
        await server.close();
      }
    }
  });
});

describe('isLoopbackAddress and isLoopbackHost', () => {
  it('knows loopback addresses', () => {
    for (const address of ['127.0.0.1', '127.255.255.254', '::1', '::ffff:127.0.0.1', '::ffff:127.1.2.3']) {
      assert.equal(isLoopbackAddress(address), true, address);
    }
  });

  it('refuses everything else, however it is dressed', () => {
    for (const address of [
      undefined,
      '',
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '128.0.0.1',
      '::ffff:10.0.0.1',
      '::ffff:',
      '127.0.0.1.example.com',
      '127.evil',
      '127.0.0.1:80',
      ' 127.0.0.1',
      'localhost',
      '[::1]',
      'fe80::1',
    ]) {
      assert.equal(isLoopbackAddress(address), false, String(address));
    }
  });

  it('treats localhost and loopback addresses as loopback hosts, nothing else', () => {
    for (const host of ['localhost', '127.0.0.1', '::1']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '', 'example.com', 'localhost.example.com', '192.168.0.1']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

/** GET or POST with exactly these headers (Host included), on a fresh connection. */
function asked(server: TestServer, method: string, path: string, headers: Record<string, string>): Promise<RawResponse> {
  return rawRequest(server.url, { method, path, headers: { ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...headers }, ...(method === 'POST' ? { body: '{}' } : {}) });
}

describe('who is asking: the socket, the Host and the Origin together (no admin token)', () => {
  let server: TestServer;
  let loopback: string;
  before(async () => {
    server = await startTestServer();
    loopback = `127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  // Every surface of dingread's own: the control plane, its event stream, metrics, the dashboard, the OpenAPI document.
  const OWN: Array<[string, string]> = [
    ['POST', '/_dingread/v1/reset'],
    ['GET', '/_dingread/v1/fixtures'],
    ['GET', '/_dingread/v1/messages'],
    ['GET', '/_dingread/v1/events'],
    ['GET', '/_dingread/v1/ca.pem'],
    ['GET', '/_dingread/metrics'],
    ['GET', '/_dingread/ui/'],
    ['GET', '/_dingread/openapi.json'],
  ];

  it('refuses a page that reached the loopback socket through DNS rebinding: its Host is its own name', async () => {
    for (const [method, path] of OWN) {
      const answer = await asked(server, method, path, { host: `evil.example:${server.port}` });
      const envelope = assertEnvelope(answer, { status: 403, code: 'controlPlane.loopbackOnly' });
      assert.match(envelope.message, /evil\.example/);
    }
    // Nothing was reset: the directory is still there.
    const directory = await server.admin<{ orgs: unknown[] }>('GET', '/fixtures');
    assert.equal(directory.orgs.length, 2);
  });

  it('answers loopback names with any port, and refuses names that only look like them', async () => {
    for (const host of [loopback, `localhost:${server.port}`, `[::1]:${server.port}`, 'localhost', 'LOCALHOST:80', '127.0.0.1', '127.1.2.3:9', 'localhost.']) {
      const answer = await asked(server, 'GET', '/_dingread/v1/clock', { host });
      assert.equal(answer.status, 200, `${host}: ${answer.text}`);
    }
    for (const host of ['localhost.evil.example', '127.0.0.1.nip.io', 'evil.example', '0.0.0.0', '[::]', 'x', '[::1']) {
      const refused = await asked(server, 'GET', '/_dingread/v1/clock', { host });
      assert.equal(refused.status, 403, `${host}: ${refused.text}`);
      assertEnvelope(refused, { status: 403, code: 'controlPlane.loopbackOnly' });
    }
    // No name at all: an empty Host, and an HTTP/1.0 request without one.
    for (const request of ['GET /_dingread/v1/clock HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n', 'GET /_dingread/v1/clock HTTP/1.0\r\n\r\n']) {
      const answer = await rawSocket(server.url, request);
      assert.match(answer, /^HTTP\/1\.[01] 403 /, answer);
      assert.match(answer, /controlPlane\.loopbackOnly/);
    }
  });

  it('refuses a page of another site by its Origin, and lets this site and local tools in', async () => {
    for (const origin of ['https://evil.example', `http://evil.example:${server.port}`, 'null', 'file://', 'http://127.0.0.1.nip.io']) {
      const answer = await asked(server, 'POST', '/_dingread/v1/reset', { host: loopback, origin });
      assertEnvelope(answer, { status: 403, code: 'controlPlane.crossSiteOrigin' });
    }
    for (const origin of [`http://${loopback}`, `http://localhost:${server.port}`, 'http://localhost:5173', 'http://[::1]:8080']) {
      assert.equal((await asked(server, 'GET', '/_dingread/v1/clock', { host: loopback, origin })).status, 200, origin);
    }
  });

  it("keeps DingTalk's API and health open on any Host and Origin", async () => {
    const headers = { host: 'evil.example', origin: 'https://evil.example' };
    const token = await rawRequest(server.url, {
      method: 'POST',
      path: '/v1.0/oauth2/accessToken',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: ACME.appKey, appSecret: ACME.appSecret }),
    });
    assert.equal(token.status, 200, token.text);
    assert.equal((await asked(server, 'GET', '/_dingread/health', headers)).status, 200);
  });

  it('judges a whole-URL target by its authority, as the Host it stands for', async () => {
    assertEnvelope(await absoluteRequest(server.url, 'POST', 'http://evil.example/_dingread/v1/reset', { body: {} }), { status: 403, code: 'controlPlane.loopbackOnly' });
    assert.equal((await absoluteRequest(server.url, 'GET', `http://${loopback}/_dingread/v1/clock`)).status, 200);
  });
});

describe('who is asking, with an admin token', () => {
  const adminToken = 'host-free-token';
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ adminToken, seed: false });
  });
  after(() => server.close());

  it('asks for the token instead of a loopback Host: a server behind a name must answer', async () => {
    const answer = await asked(server, 'GET', '/_dingread/v1/clock', { host: 'dingread.internal:443', authorization: `Bearer ${adminToken}` });
    assert.equal(answer.status, 200, answer.text);
    assertEnvelope(await asked(server, 'GET', '/_dingread/v1/clock', { host: 'dingread.internal' }), { status: 401, code: 'adminToken.missing' });
    // The dashboard page and the OpenAPI document hold no data: open to all.
    assert.equal((await asked(server, 'GET', '/_dingread/openapi.json', { host: 'dingread.internal' })).status, 200);
    assert.equal((await asked(server, 'GET', '/_dingread/ui/', { host: 'dingread.internal' })).status, 200);
  });

  it('takes the cookie (which a browser sends by itself) on the event stream only from a page of this site', async () => {
    const cookie = `dingread_admin=${adminToken}`;
    assertEnvelope(await asked(server, 'GET', '/_dingread/v1/events', { host: 'dingread.internal', cookie, origin: 'https://evil.example' }), {
      status: 403,
      code: 'controlPlane.crossSiteOrigin',
    });
  });
});

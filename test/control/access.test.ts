/** Health, and who may use the control plane: admin token, loopback-only, refusing to start open. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isLoopbackAddress, isLoopbackHost } from '../../src/api/control/access.js';
import { startServer, StartupError } from '../../src/server.js';
import { VERSION } from '../../src/version.js';
import { call, forEachStore, startTestServer, type TestServer } from '../helpers/server.js';

function assertEnvelope(answer: { status: number; headers: Headers; body: any }, status: number, code: string): void {
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
    assertEnvelope(await call(server.url, 'GET', '/_dingread/v1/clock'), 401, 'adminToken.missing');
    for (const authorization of [
      'Bearer wrong',
      `Bearer ${adminToken}x`,
      `Bearer ${adminToken.slice(0, -1)}`,
      `Basic ${Buffer.from(`admin:${adminToken}`).toString('base64')}`,
      adminToken,
      'Bearer ',
    ]) {
      assertEnvelope(await call(server.url, 'GET', '/_dingread/v1/clock', { headers: { authorization } }), 401, 'adminToken.invalid');
    }
  });

  it('checks the token before anything else: a 401 write changes nothing', async () => {
    const answer = await call(server.url, 'POST', '/_dingread/v1/fixtures', {
      body: { orgs: [{ corpId: 'dingsneaky' }] },
      headers: { authorization: 'Bearer nope' },
    });
    assertEnvelope(answer, 401, 'adminToken.invalid');
    assertEnvelope(await call(server.url, 'POST', '/_dingread/v1/reset'), 401, 'adminToken.missing');
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

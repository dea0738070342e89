/**
 * dingread as an HTTPS proxy: `CONNECT api.dingtalk.com:443` (or oapi) on its own port, the TLS
 * inside ended with a certificate from the store's local CA, and the requests inside served by the
 * same app as any other. Clients: undici's ProxyAgent and curl, unchanged; raw sockets for what
 * a client would not send.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { fetch, ProxyAgent } from 'undici';
import { WebSocket } from 'ws';
import { requestTarget } from '../../src/api/proxy/request-target.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { ACME, testDirectory } from '../helpers/fixtures.js';
import { caFile } from '../helpers/proxy.js';
import { assertEnvelope } from '../helpers/raw-http.js';

const execFileAsync = promisify(execFile);
const curlMissing = await execFileAsync('curl', ['--version']).then(
  () => false,
  () => 'curl is not installed on this machine',
);

/** Opens a raw CONNECT and answers the proxy's reply head and the socket, still open when it was a 200. */
async function openConnect(serverUrl: string, target: string): Promise<{ head: string; body: string; socket: Socket }> {
  const { hostname, port } = new URL(serverUrl);
  const socket = netConnect({ host: hostname, port: Number(port) });
  await once(socket, 'connect');
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  let received = '';
  while (!received.includes('\r\n\r\n')) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    received += chunk.toString('latin1');
  }
  const end = received.indexOf('\r\n\r\n');
  let body = received.slice(end + 4);
  const length = /content-length: (\d+)/i.exec(received.slice(0, end));
  while (length && Buffer.byteLength(body) < Number(length[1])) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    body += chunk.toString('utf8');
  }
  return { head: received.slice(0, end), body, socket };
}

/** TLS over an open tunnel, trusting `caPem` only. */
async function tlsOver(socket: Socket, servername: string, caPem: string): Promise<TLSSocket> {
  const tls = tlsConnect({ socket, servername, ca: caPem });
  await once(tls, 'secureConnect');
  return tls;
}

describe('CONNECT tunnels', () => {
  let server: RunningServer;
  let ca: { path: string; pem: string };
  let agent: ProxyAgent;
  before(async () => {
    server = await startServer({ port: 0, store: 'memory' });
    const seeded = await fetch(`${server.url}/_dingread/v1/fixtures`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(testDirectory()) });
    assert.equal(seeded.status, 200);
    ca = await caFile(server.url);
    agent = new ProxyAgent({ uri: server.url, requestTls: { ca: ca.pem } });
  });
  after(async () => {
    await agent.close();
    await server.close();
  });

  const requests = async (): Promise<Array<Record<string, unknown>>> =>
    ((await (await fetch(`${server.url}/_dingread/v1/requests`)).json()) as { items: Array<Record<string, unknown>> }).items;
  /** A JSON POST through the proxy. */
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, { dispatcher: agent, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const tokenRequest = () => post('https://api.dingtalk.com/v1.0/oauth2/accessToken', { appKey: ACME.appKey, appSecret: ACME.appSecret });

  it("serve undici's ProxyAgent on both of DingTalk's hosts, with the same token on each", async () => {
    const token = await tokenRequest();
    assert.equal(token.status, 200);
    const { accessToken } = (await token.json()) as { accessToken: string };
    const legacy = await fetch(`https://oapi.dingtalk.com/gettoken?appkey=${ACME.appKey}&appsecret=${ACME.appSecret}`, { dispatcher: agent });
    assert.deepEqual(await legacy.json(), { errcode: 0, access_token: accessToken, errmsg: 'ok', expires_in: 7200 });
    const sent = await post(
      'https://api.dingtalk.com/v1.0/robot/groupMessages/send',
      { robotCode: ACME.robot, openConversationId: ACME.smallGroup, msgKey: 'sampleText', msgParam: '{"content":"tunnelled"}' },
      { 'x-acs-dingtalk-access-token': accessToken },
    );
    assert.equal(sent.status, 200);
    assert.match(String(sent.headers.get('x-acs-request-id')), /^[0-9A-F-]{36}$/);
    const [send, gettoken] = await requests();
    assert.deepEqual([send?.['host'], send?.['via'], send?.['path'], send?.['status']], ['api.dingtalk.com', 'tunnel', '/v1.0/robot/groupMessages/send', 200]);
    assert.deepEqual([gettoken?.['host'], gettoken?.['via'], gettoken?.['path']], ['oapi.dingtalk.com', 'tunnel', '/gettoken']);
  });

  it('inject faults into tunnelled calls and keep the control plane off their hosts', async () => {
    const fault = await fetch(`${server.url}/_dingread/v1/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: { path: '/v1.0/oauth2/accessToken' }, error: { status: 503, code: 'system.error', message: 'injected' }, count: 1 }),
    });
    assert.equal(fault.status, 200);
    const answer = await tokenRequest();
    assert.equal(answer.status, 503);
    assert.equal(((await answer.json()) as { message: string }).message, 'injected');
    const control = await fetch('https://api.dingtalk.com/_dingread/v1/clock', { dispatcher: agent });
    assert.deepEqual([control.status, await control.json()], [200, { errcode: 404, errmsg: '请求的URI地址不存在' }]);
  });

  it('serve curl --proxy --cacert', { skip: curlMissing }, async () => {
    const { stdout } = await execFileAsync('curl', [
      '-sS',
      '--proxy',
      server.url,
      '--cacert',
      ca.path,
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify({ appKey: ACME.appKey, appSecret: ACME.appSecret }),
      'https://api.dingtalk.com/v1.0/oauth2/accessToken',
    ]);
    assert.equal((JSON.parse(stdout) as { expireIn: number }).expireIn, 7200);
    // Refused hosts fail in curl as on the wire.
    const refused = await execFileAsync('curl', ['-sS', '--proxy', server.url, '--cacert', ca.path, 'https://example.com/']).then(
      () => undefined,
      (error: { stderr: string }) => error.stderr,
    );
    assert.match(String(refused), /403/);
  });

  it('refuse other hosts and ports, and malformed targets, with an answer in the envelope', async () => {
    for (const [target, status, code] of [
      ['example.com:443', 403, 'proxy.tunnelRefused'],
      ['api.dingtalk.com.evil.example:443', 403, 'proxy.tunnelRefused'],
      ['api.dingtalk.com:80', 403, 'proxy.tunnelRefused'],
      ['api.dingtalk.com:8443', 403, 'proxy.tunnelRefused'],
      ['127.0.0.1:22', 403, 'proxy.tunnelRefused'],
      ['api.dingtalk.com', 400, 'invalidParameter.param.invalid'],
    ] as const) {
      const { head, body, socket } = await openConnect(server.url, target);
      socket.destroy();
      const requestid = /x-acs-request-id: (\S+)/i.exec(head)?.[1];
      assertEnvelope({ status: Number(head.split(' ')[1]), headers: { 'content-type': 'application/json', 'x-acs-request-id': requestid }, text: body }, { status, code });
      if (code === 'proxy.tunnelRefused') assert.ok(JSON.parse(body).message.includes(target.toLowerCase()), body);
    }
  });

  it('take a TLS hello sent right behind the CONNECT, before the 200', async () => {
    // Most clients wait for the 200; one that does not puts its hello in the CONNECT's packet.
    const { hostname, port } = new URL(server.url);
    const socket = netConnect({ host: hostname, port: Number(port) });
    await once(socket, 'connect');
    let first = true;
    let head = '';
    const pipe = new Duplex({
      write(chunk: Buffer, _encoding, callback) {
        const prefix = first ? Buffer.from('CONNECT api.dingtalk.com:443 HTTP/1.1\r\nHost: api.dingtalk.com:443\r\n\r\n') : Buffer.alloc(0);
        first = false;
        socket.write(Buffer.concat([prefix, chunk]), callback);
      },
      read() {},
    });
    socket.on('data', (chunk: Buffer) => {
      // The proxy's 200 is for this wrapper, not for TLS.
      if (!head.includes('\r\n\r\n')) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length > 0) pipe.push(rest);
        return;
      }
      pipe.push(chunk);
    });
    const tls = tlsConnect({ socket: pipe, servername: 'api.dingtalk.com', ca: ca.pem });
    await once(tls, 'secureConnect');
    tls.write('GET /gettoken HTTP/1.1\r\nHost: api.dingtalk.com\r\nConnection: close\r\n\r\n');
    const [answer] = (await once(tls, 'data')) as [Buffer];
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(answer.toString('utf8'), /"errcode":40035/);
    socket.destroy();
  });

  it('close a tunnel whose client does not trust the CA, and keep serving', async () => {
    const { head, socket } = await openConnect(server.url, 'api.dingtalk.com:443');
    assert.match(head, /^HTTP\/1\.1 200 /);
    const tls = tlsConnect({ socket, servername: 'api.dingtalk.com' });
    const [error] = (await once(tls, 'error')) as [Error & { code?: string }];
    assert.match(String(error.code), /CERT|SELF_SIGNED|UNABLE/);
    const health = await fetch(`${server.url}/_dingread/health`);
    assert.equal(health.status, 200);
  });

  it('hand a WebSocket upgrade inside a tunnel to the server: Stream mode’s endpoint takes it, known as the tunnel host', async () => {
    // The gateway call and the WebSocket both through tunnels, as a client whose WebSocket honours the proxy would go.
    const opened = await post('https://api.dingtalk.com/v1.0/gateway/connections/open', {
      clientId: ACME.appKey,
      clientSecret: ACME.appSecret,
      subscriptions: [{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }],
    });
    const { endpoint, ticket } = (await opened.json()) as { endpoint: string; ticket: string };
    assert.equal(endpoint, `ws://127.0.0.1:${server.port}/connect`, "this server's own address, not the tunnel host");
    const seen: Array<{ url: string | undefined; host: string | undefined; via: string }> = [];
    // Only looks: the Stream endpoint answers the upgrade.
    const look = (request: IncomingMessage): void => {
      const target = requestTarget(request);
      seen.push({ url: request.url, host: target.hostname, via: target.via });
    };
    server.app.server.on('upgrade', look);
    try {
      const { socket } = await openConnect(server.url, 'api.dingtalk.com:443');
      const tls = await tlsOver(socket, 'api.dingtalk.com', ca.pem);
      const ws = new WebSocket(`wss://api.dingtalk.com/connect?ticket=${ticket}`, { createConnection: () => tls });
      await once(ws, 'open');
      const listed = (await (await fetch(`${server.url}/_dingread/v1/stream/connections`)).json()) as { items: Array<{ clientId: string }> };
      assert.deepEqual(
        listed.items.map((connection) => connection.clientId),
        [ACME.appKey],
      );
      ws.close();
      await once(ws, 'close');
      assert.deepEqual(seen, [{ url: `/connect?ticket=${ticket}`, host: 'api.dingtalk.com', via: 'tunnel' }]);
    } finally {
      server.app.server.off('upgrade', look);
    }
  });
});

describe('closing a server with tunnels open', () => {
  it('closes kept-alive tunnels and ones still in their handshake', async () => {
    const server = await startServer({ port: 0, store: 'memory' });
    const ca = await caFile(server.url);
    const agent = new ProxyAgent({ uri: server.url, requestTls: { ca: ca.pem } });
    // One tunnel idle after an answer (undici keeps it alive), one that never starts its TLS.
    const answer = await fetch('https://api.dingtalk.com/v1.0/oauth2/accessToken', { dispatcher: agent, method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(answer.status, 400);
    await answer.text();
    const { socket } = await openConnect(server.url, 'oapi.dingtalk.com:443');
    const closed = once(socket, 'close');
    // Resolves only once every connection is gone: a tunnel left open would hang the test here.
    await server.close();
    await closed;
    await agent.close();
  });
});

/**
 * What an operator relies on, through the public surface: readiness apart from liveness,
 * Prometheus metrics under the control plane's access rules, a per-client control-plane limit,
 * request logs with ids and without secrets, slow clients cut off, and a draining server that
 * refuses late requests in the envelope.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Clock } from '../../src/core/clock.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { ACME } from '../helpers/fixtures.js';
import { assertEnvelope, rawRequest } from '../helpers/raw-http.js';
import { testDirectory } from '../helpers/fixtures.js';
import { ManualStopwatch } from '../helpers/manual-time.js';
import { call, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

const ADMIN = 'ops-admin-token';
const admin = { authorization: `Bearer ${ADMIN}` };

describe('readiness and metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ store: 'sqlite', adminToken: ADMIN });
  });
  after(() => server.close());

  it('/_dingread/ready checks the store; /_dingread/health stays liveness only', async () => {
    const ready = await call(server.url, 'GET', '/_dingread/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', store: 'sqlite' });
    const health = await call(server.url, 'GET', '/_dingread/health');
    assert.equal(health.status, 200);
  });

  it('exposes request counts and latency by route and code, store latency and event-loop lag', async () => {
    const token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    await call(server.url, 'POST', '/v1.0/robot/groupMessages/send', {
      token,
      body: { robotCode: ACME.robot, openConversationId: ACME.smallGroup, msgKey: 'sampleText', msgParam: '{"content":"m"}' },
    });
    await call(server.url, 'GET', '/v1.0/robot/oToMessages/readStatus?robotCode=x', { token: 'nope' });
    const response = await rawRequest(server.url, { method: 'GET', path: '/_dingread/metrics', headers: admin });
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = response.text;
    assert.match(text, /^dingread_http_requests_total\{method="POST",route="\/v1\.0\/robot\/groupMessages\/send",code="200"\} 1$/m);
    assert.match(text, /^dingread_http_requests_total\{method="GET",route="\/v1\.0\/robot\/oToMessages\/readStatus",code="400"\} 1$/m);
    assert.match(text, /^dingread_http_request_duration_seconds_bucket\{method="POST",route="\/v1\.0\/robot\/groupMessages\/send",le="\+Inf"\} 1$/m);
    assert.match(text, /^dingread_store_operation_duration_seconds_count\{operation="insertMessage"\} [1-9]\d*$/m);
    assert.match(text, /^dingread_event_loop_lag_seconds\{quantile="0\.99"\} [0-9.e-]+$/m);
    assert.match(text, /^dingread_process_resident_memory_bytes \d+$/m);
    // Raw URLs never become labels: an unknown path counts under one series.
    await call(server.url, 'GET', '/no/such/path/12345');
    const after = (await rawRequest(server.url, { method: 'GET', path: '/_dingread/metrics', headers: admin })).text;
    assert.doesNotMatch(after, /12345/);
    assert.match(after, /route="unmatched",code="404"/);
  });

  it('counts every answered request at each scrape, across the batches requests are counted in', async () => {
    const labels = 'method="POST",route="/v1.0/robot/privateChatMessages/query"';
    const valueOf = (text: string, series: string): number => {
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };
    // An empty body: the call is refused (400) before any token or store is looked at.
    const requests = `dingread_http_requests_total{${labels},code="400"}`;
    const timed = `dingread_http_request_duration_seconds_count{${labels}}`;
    const scrape = async (): Promise<string> => (await rawRequest(server.url, { method: 'GET', path: '/_dingread/metrics', headers: admin })).text;
    const asked = async (times: number): Promise<void> => {
      for (let i = 0; i < times; i++) assert.equal((await call(server.url, 'POST', '/v1.0/robot/privateChatMessages/query', { token: 'nope', body: {} })).status, 400);
    };
    const first = await scrape();
    // 70: more than two batches of 32, so that wherever the batches stand (the scrapes are counted
    // too), some answers still wait to be counted when the next scrape comes.
    await asked(70);
    const second = await scrape();
    assert.equal(valueOf(second, requests), valueOf(first, requests) + 70);
    assert.equal(valueOf(second, timed), valueOf(first, timed) + 70);
    await asked(5);
    assert.equal(valueOf(await scrape(), requests), valueOf(first, requests) + 75);
  });

  it('metrics follow the control plane\'s access rules', async () => {
    assertEnvelope(await rawRequest(server.url, { method: 'GET', path: '/_dingread/metrics' }), { status: 401, code: 'adminToken.missing' });
    assertEnvelope(await rawRequest(server.url, { method: 'GET', path: '/_dingread/metrics', headers: { authorization: 'Bearer wrong' } }), {
      status: 401,
      code: 'adminToken.invalid',
    });
  });

  it('answers 503 store.unavailable from /ready when the store is gone, while health still answers', async () => {
    const other = await startTestServer({ store: 'sqlite' });
    await other.ctx.store.close();
    try {
      const response = await rawRequest(other.url, { method: 'GET', path: '/_dingread/ready' });
      assert.equal(response.status, 503);
      const body = JSON.parse(response.text);
      assert.equal(body.code, 'store.unavailable');
      assert.equal(response.headers['x-acs-request-id'], body.requestid);
      assert.equal((await rawRequest(other.url, { method: 'GET', path: '/_dingread/health' })).status, 200);
    } finally {
      await other.app.close();
    }
  });
});

describe('the control plane limit per client', () => {
  let server: RunningServer;
  // The limit counts elapsed real time; the test steps it rather than sleeping through a window.
  const stopwatch = new ManualStopwatch();
  before(async () => {
    server = await startServer({ port: 0, store: 'memory', controlQpsLimit: 5, retention: false, clock: new Clock(Date.now, stopwatch.now) });
  });
  after(() => server.close());

  it('answers 403 Forbidden.AccessDenied.QpsLimitForApi past the limit, and only on the control plane', async () => {
    const statuses: number[] = [];
    let refused;
    for (let i = 0; i < 8; i++) {
      const response = await rawRequest(server.url, { method: 'GET', path: '/_dingread/v1/clock' });
      statuses.push(response.status);
      if (response.status === 403) refused = response;
    }
    assert.equal(statuses.filter((s) => s === 200).length, 5, String(statuses));
    assert.ok(refused);
    assertEnvelope(refused, { status: 403, code: 'Forbidden.AccessDenied.QpsLimitForApi' });
    // Health, readiness and DingTalk's API are not counted.
    assert.equal((await rawRequest(server.url, { method: 'GET', path: '/_dingread/health' })).status, 200);
    assert.equal((await rawRequest(server.url, { method: 'GET', path: '/_dingread/ready' })).status, 200);
    // The window is one second of real time: still closed just before its end, open at it.
    stopwatch.advance(999);
    assert.equal((await rawRequest(server.url, { method: 'GET', path: '/_dingread/v1/clock' })).status, 403);
    stopwatch.advance(1);
    assert.equal((await rawRequest(server.url, { method: 'GET', path: '/_dingread/v1/clock' })).status, 200);
  });
});

describe('request logs', () => {
  it('carry the request id and none of the secrets a request held', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const server = await startServer({ port: 0, store: 'memory', adminToken: ADMIN, logger: { level: 'info', stream }, retention: false });
    try {
      await call(server.url, 'POST', '/_dingread/v1/fixtures', { body: testDirectory(), headers: admin });
      const token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
      const answer = await call(server.url, 'GET', `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=k&access_token=${token}`, {
        token,
        headers: { cookie: `dingread_admin=${ADMIN}` },
      });
      // A failing call is logged too (the bad secret included, were it not masked).
      await call(server.url, 'POST', '/v1.0/oauth2/accessToken', { body: { appKey: ACME.appKey, appSecret: 'wrong-secret-xyz' } });
      const text = lines.join('\n');
      for (const secret of [ACME.appSecret, 'wrong-secret-xyz', token, ADMIN]) assert.ok(!text.includes(secret), `the log holds ${secret}`);
      const requestId = answer.headers.get('x-acs-request-id');
      assert.ok(requestId);
      const mine = lines.map((line) => JSON.parse(line)).filter((entry) => entry.reqId === requestId);
      assert.ok(mine.some((entry) => entry.req?.url?.includes('access_token=***')), JSON.stringify(mine));
      assert.ok(mine.some((entry) => entry.res?.statusCode === answer.status));
    } finally {
      await server.close();
    }
  });
});

/**
 * A raw socket that sends `chunks` one every `everyMs`; resolves with what the server sent once
 * it closed the connection. `giveUpMs` only guards against a hang: a server that never closes.
 */
function trickle(url: string, chunks: string[], everyMs: number, giveUpMs: number, onOpen?: () => void): Promise<{ received: string; sentAll: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    let received = '';
    let index = 0;
    const timer = setInterval(() => {
      if (index < chunks.length && socket.writable) socket.write(chunks[index++] as string);
    }, everyMs);
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('connect', () => onOpen?.());
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ received, sentAll: index >= chunks.length });
    });
  });
}

describe('slow clients', () => {
  let server: RunningServer;
  // Node's HTTP server enforces these on real time; what is asserted is that it does close such
  // connections (a hang would trip trickle's guard), never how fast.
  const timeouts = { headersMs: 1_500, requestMs: 3_000, idleMs: 10_000, keepAliveMs: 1_000, checkIntervalMs: 250 };
  before(async () => {
    server = await startServer({ port: 0, store: 'memory', timeouts, retention: false });
  });
  after(() => server.close());

  it('closes a connection whose headers come one byte at a time, and keeps serving others meanwhile', async () => {
    const head = `GET /_dingread/health HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const slow = trickle(server.url, [...head], 100, 60_000, open);
    await opened;
    // While the slow client holds its connection, others are answered.
    for (let i = 0; i < 3; i++) assert.equal((await rawRequest(server.url, { method: 'GET', path: '/_dingread/health' })).status, 200);
    const { received, sentAll } = await slow;
    assert.equal(sentAll, false, 'closed before the slow client finished its headers');
    assert.ok(received === '' || received.startsWith('HTTP/1.1 408'), received);
  });

  it('closes a connection whose body never finishes, within the request timeout', async () => {
    const head = 'POST /_dingread/v1/reads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n';
    const { received } = await trickle(server.url, [head, ...'{"reads":['.split(''), ...' '.repeat(400)], 200, 60_000);
    assert.ok(received === '' || /^HTTP\/1\.1 (408|400)/.test(received), received);
    assert.equal((await rawRequest(server.url, { method: 'GET', path: '/_dingread/health' })).status, 200);
  });

  it('closes a kept-alive connection that stays idle past the keep-alive timeout', async () => {
    const { received } = await trickle(server.url, ['GET /_dingread/health HTTP/1.1\r\nHost: x\r\n\r\n'], 10, 60_000);
    assert.match(received, /^HTTP\/1\.1 200/);
  });
});

describe('idle connections', () => {
  let server: RunningServer;
  // Headers, request and keep-alive timeouts far beyond trickle's guard (a minute), so that only
  // the idle timeout can close these connections before it; the guard only stops a hang. The idle
  // timeout is long enough that a stall of the machine does not close a connection before its
  // request is read.
  const timeouts = { headersMs: 180_000, requestMs: 180_000, idleMs: 1_500, keepAliveMs: 180_000, checkIntervalMs: 100 };
  before(async () => {
    server = await startServer({ port: 0, store: 'memory', timeouts, retention: false });
  });
  after(() => server.close());

  it('closes a connection that sends nothing at all', async () => {
    const { received } = await trickle(server.url, [], 10, 60_000);
    assert.equal(received, '');
  });

  it('closes a kept-alive connection quiet for the idle timeout, before its longer keep-alive timeout', async () => {
    const { received } = await trickle(server.url, ['GET /_dingread/health HTTP/1.1\r\nHost: x\r\n\r\n'], 10, 60_000);
    assert.match(received, /^HTTP\/1\.1 200/);
  });

  it('closes a connection whose request stalls part-way, with nothing more sent', async () => {
    const { received, sentAll } = await trickle(server.url, ['POST /_dingread/v1/reads HTTP/1.1\r\nHost: x\r\n'], 10, 60_000);
    assert.equal(sentAll, true);
    assert.ok(received === '' || /^HTTP\/1\.1 408/.test(received), received);
  });
});

/** Whether a new TCP connection to the port is refused. */
function refusesConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}

describe('draining', () => {
  it('finishes a request in flight with Connection: close, and answers one that arrives after close() began with 503 server.shuttingDown', async () => {
    const server = await startServer({ port: 0, store: 'memory', retention: false });
    await call(server.url, 'POST', '/_dingread/v1/fixtures', { body: testDirectory() });
    // Long enough to hold the request while the test sees draining begin; it never bounds a result.
    await call(server.url, 'POST', '/_dingread/v1/faults', { body: { match: { path: '/v1.0/oauth2/accessToken' }, latencyMs: 3_000, count: 1 } });
    const body = JSON.stringify({ appKey: ACME.appKey, appSecret: ACME.appSecret });
    const request = `POST /v1.0/oauth2/accessToken HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const { hostname, port } = new URL(server.url);
    const exchange = (write: (socket: net.Socket) => void): Promise<string> =>
      new Promise<string>((resolve) => {
        const socket = net.connect({ host: hostname, port: Number(port) }, () => write(socket));
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(text));
      });
    // In flight: held by the fault. Late: only part of its head is sent before close() begins,
    // the rest once the server has stopped taking connections (so draining has begun).
    let lateSocket!: net.Socket;
    const inFlight = exchange((socket) => socket.write(request));
    const late = exchange((socket) => {
      lateSocket = socket;
      socket.write(request.slice(0, 20));
    });
    // A fault with a count leaves the list as it fires: the request is then held by its delay.
    await until('the slowed request to be in flight', async () => (await call(server.url, 'GET', '/_dingread/v1/faults')).body.items.length === 0);
    const closing = server.close();
    await until('the server stops taking connections', () => refusesConnections(hostname, Number(port)));
    lateSocket.write(request.slice(20));
    await closing;
    const first = await inFlight;
    assert.match(first, /^HTTP\/1\.1 200/);
    assert.match(first, /connection: close/i);
    assert.match(first, /"accessToken":"[0-9a-f]{32}"/);
    const refused = await late;
    assert.match(refused, /^HTTP\/1\.1 503/);
    assert.match(refused, /connection: close/i);
    const envelope = JSON.parse(refused.split('\r\n\r\n')[1] as string);
    assert.equal(envelope.code, 'server.shuttingDown');
    assert.match(refused, new RegExp(`x-acs-request-id: ${envelope.requestid}`, 'i'));
  });
});

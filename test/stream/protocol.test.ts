/**
 * Stream mode's protocol from the server's side, with a client that does what the SDKs do not:
 * pings, acknowledgements of every kind, redelivery and giving up on the server clock,
 * connections that close with deliveries in hand, and bad clients (malformed frames, binary,
 * oversized, slow, a storm of reconnects). A bad client is closed with a reason; nothing crashes
 * and nothing delivered to an app is lost while it has a connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACME, testDirectory } from '../helpers/fixtures.js';
import { forEachStore, startTestServer, type TestServer } from '../helpers/server.js';
import {
  connectStream,
  connectTo,
  nthCallback,
  refusedHandshake,
  ticketFor,
  type RawStreamClient,
} from '../helpers/stream-client.js';
import { until } from '../helpers/wait.js';

const START = Date.UTC(2025, 0, 6, 9, 0);

async function say(server: TestServer, userId: string, text: string): Promise<{ msgId: string; deliveries: Array<{ status: string }> }> {
  return server.admin('POST', `/robots/${ACME.robot}/chats/${userId}/messages`, { text });
}

async function unacknowledged(server: TestServer): Promise<any[]> {
  const { items } = await server.admin<{ items: any[] }>('GET', '/stream/connections');
  return items.flatMap((connection) => connection.unacknowledged);
}

const msgIdOf = (frame: { data: string }): string => (JSON.parse(frame.data) as { msgId: string }).msgId;

forEachStore('Stream deliveries', (store) => {
  let server: TestServer;
  const clients: RawStreamClient[] = [];
  before(async () => {
    server = await startTestServer({ store });
  });
  after(async () => {
    for (const client of clients) await client.close();
    await server.close();
  });

  async function connect(): Promise<RawStreamClient> {
    const client = await connectStream(server.url, ACME.appKey, ACME.appSecret);
    clients.push(client);
    return client;
  }

  /** A fresh start: no connection, no delivery left from the test before, the clock stopped. */
  async function reset(): Promise<void> {
    for (const client of clients.splice(0)) await client.close();
    await server.admin('POST', '/reset');
    await server.admin('POST', '/fixtures', testDirectory());
    await server.admin('POST', '/clock', { nowMs: START });
  }

  it('ignores an acknowledgement of an unknown messageId; a code other than 200 leaves the callback to come again', async () => {
    await reset();
    const client = await connect();
    await say(server, 'u0001', 'one');
    const first = await nthCallback(client, 1);
    client.ack('no-such-message-id');
    client.ack(first.headers['messageId'] as string, 500);
    // Both frames were read before this answer: the connection is open and the callback pending.
    await until('the pending callback', async () => (await unacknowledged(server)).length === 1);
    assert.equal(client.isClosed(), false);
    await server.admin('POST', '/clock', { advanceMs: 60_000 });
    const again = await nthCallback(client, 2, 'the redelivery');
    assert.equal(again.headers['messageId'], first.headers['messageId']);
    client.ack(again.headers['messageId'] as string);
    await until('the acknowledgement', async () => (await unacknowledged(server)).length === 0);
  });

  it('pushes an unacknowledged callback three times in all, a redelivery delay apart, then gives it up', async () => {
    await reset();
    const client = await connect();
    const said = await say(server, 'u0002', 'are you there?');
    await nthCallback(client, 1);
    await server.admin('POST', '/clock', { advanceMs: 60_000 });
    await nthCallback(client, 2);
    await server.admin('POST', '/clock', { advanceMs: 60_000 });
    await nthCallback(client, 3);
    assert.deepEqual(client.callbacks().map(msgIdOf), [said.msgId, said.msgId, said.msgId]);
    assert.equal((await unacknowledged(server))[0].attempts, 3);
    await server.admin('POST', '/clock', { advanceMs: 60_000 });
    await until('the callback to be given up', async () => (await unacknowledged(server)).length === 0);
    const next = await say(server, 'u0002', 'next');
    assert.equal(msgIdOf(await nthCallback(client, 4)), next.msgId, 'no fourth push of the first message');
  });

  it('hands what a connection left unacknowledged to another connection of the app as it closes', async () => {
    for (const leave of ['close', 'terminate'] as const) {
      await reset();
      const [a, b] = [await connect(), await connect()] as [RawStreamClient, RawStreamClient];
      const said = await say(server, 'u0003', `handover by ${leave}`);
      await until('the push', () => a.callbacks().length + b.callbacks().length === 1);
      const [holder, other] = a.callbacks().length === 1 ? [a, b] : [b, a];
      if (leave === 'close') await holder.close();
      else holder.ws.terminate();
      // No clock move: the other connection gets it at once, not a redelivery delay later.
      assert.equal(msgIdOf(await nthCallback(other, 1)), said.msgId);
      assert.equal(holder.callbacks().length, 1);
    }
  });

  it('keeps a delivery whose connection closed for a connection that comes back, then gives it up', async () => {
    await reset();
    const gone = await connect();
    const said = await say(server, 'u0004', 'hold this');
    await nthCallback(gone, 1);
    await gone.close();
    const back = await connect();
    assert.equal(msgIdOf(await nthCallback(back, 1)), said.msgId, 'the returning client gets it');
    await back.close();
    // Nobody comes back this time: after the pushes' whole window it is given up, not kept.
    await until('the delivery left without a connection', async () => (await server.ctx.store.unacknowledgedDeliveries()).length === 1);
    await server.admin('POST', '/clock', { advanceMs: 3 * 60_000 });
    await until('the delivery to be given up', async () => (await server.ctx.store.unacknowledgedDeliveries()).length === 0);
  });
});

describe('Stream connections under bad clients', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ stream: { maxFrameBytes: 4096, maxBufferedBytes: 64 * 1024, maxConnectionsPerClient: 8 } });
  });
  after(() => server.close());

  async function registry(): Promise<any[]> {
    return (await server.admin<{ items: any[] }>('GET', '/stream/connections')).items;
  }

  it('closes a connection that sends a malformed frame, binary data or an oversized frame, with a reason', async () => {
    const cases: Array<[(client: RawStreamClient) => void, number, RegExp]> = [
      [(client) => client.send('not json'), 1007, /malformed frame: not JSON/],
      [(client) => client.send('[1,2]'), 1007, /not a JSON object/],
      [(client) => client.send('{"code":200,"headers":{}}'), 1007, /headers\.messageId/],
      [(client) => client.send('{"code":"200","headers":{"messageId":"x"}}'), 1007, /code is a number/],
      [(client) => client.ws.send(Buffer.from([1, 2, 3])), 1003, /binary/],
      [(client) => client.send(`{"pad":"${'x'.repeat(5000)}"}`), 1009, /./],
    ];
    for (const [misbehave, code, reason] of cases) {
      const client = await connectStream(server.url, ACME.appKey, ACME.appSecret);
      misbehave(client);
      const closed = await client.closed;
      assert.equal(closed.code, code, String(reason));
      if (code !== 1009) assert.match(closed.reason, reason);
    }
    await until('the closed connections to leave the registry', async () => (await registry()).length === 0);
    assert.equal((await fetch(`${server.url}/_dingread/health`)).status, 200);
  });

  it('closes a slow consumer that lets frames pile up, and the message still reaches the app', async () => {
    const slow = await connectStream(server.url, ACME.appKey, ACME.appSecret);
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = '中'.repeat(5000);
    // Each frame is some 15 KB; the socket buffers of both ends hold a few MB before the server's
    // queue grows. Once the server has cut the slow client off, nobody is connected any more.
    let status = 'delivered';
    for (let sent = 0; status === 'delivered' && sent < 3000; sent++) {
      status = (await server.admin<any>('POST', `/robots/${ACME.robot}/chats/u0001/messages`, { text: big })).deliveries[0].status;
    }
    assert.equal(status, 'noConnection');
    await until('the slow consumer to leave the registry', async () => (await registry()).length === 0);
    slow.ws.terminate();
    const healthy = await connectStream(server.url, ACME.appKey, ACME.appSecret);
    // What the slow one left unacknowledged comes to the next connection.
    await nthCallback(healthy, 1);
    await healthy.close();
  });

  it('survives a storm of reconnects, and refuses connections over the per-app limit', async () => {
    // Nothing left over from the slow consumer: the survivor's first callback is the new message.
    await server.admin('POST', '/reset');
    await server.admin('POST', '/fixtures', testDirectory());
    for (let round = 0; round < 3; round++) {
      const storm = await Promise.all(Array.from({ length: 8 }, () => connectStream(server.url, ACME.appKey, ACME.appSecret)));
      const over = await ticketFor(server.url, ACME.appKey, ACME.appSecret);
      const refused = await refusedHandshake(`${over.endpoint}?ticket=${over.ticket}`);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'Forbidden.AccessDenied.TooManyConnections');
      for (const client of storm) client.ws.terminate();
      await until(`round ${round}: the registry to empty`, async () => (await registry()).length === 0);
    }
    // Tickets asked for and never used, and handshakes abandoned halfway, leave nothing behind either.
    await Promise.all(Array.from({ length: 20 }, () => ticketFor(server.url, ACME.appKey, ACME.appSecret)));
    const survivor = await connectStream(server.url, ACME.appKey, ACME.appSecret);
    const said = await server.admin<any>('POST', `/robots/${ACME.robot}/chats/u0002/messages`, { text: 'after the storm' });
    assert.equal(msgIdOf(await nthCallback(survivor, 1)), said.msgId);
    assert.equal((await registry()).length, 1);
    await survivor.close();
  });
});

describe('Stream pings', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ stream: { pingIntervalMs: 40 } });
  });
  after(() => server.close());

  it('sends DingTalk’s SYSTEM ping; a client that answers pings stays, one that answers nothing is closed', async () => {
    const answering = await connectStream(server.url, ACME.appKey, ACME.appSecret);
    answering.ws.on('message', (text) => {
      const frame = JSON.parse(String(text));
      // What the SDK does: echo the ping's headers and data with code 200.
      if (frame.type === 'SYSTEM' && frame.headers.topic === 'ping') {
        answering.send(JSON.stringify({ code: 200, headers: frame.headers, message: 'OK', data: frame.data }));
      }
    });
    const silent = await connectStream(server.url, ACME.appKey, ACME.appSecret, { ws: { autoPong: false } });
    const closed = await silent.closed;
    assert.equal(closed.code, 1001);
    assert.match(closed.reason, /no answer to ping/);
    const ping = silent.frames.find((frame) => frame.type === 'SYSTEM');
    assert.ok(ping, 'a ping came before the close');
    assert.equal(ping.specVersion, '1.0');
    assert.equal(ping.headers['topic'], 'ping');
    assert.equal(ping.headers['contentType'], 'application/json');
    assert.equal(typeof ping.headers['messageId'], 'string');
    assert.equal(typeof JSON.parse(ping.data).opaque, 'string');
    await until('five pings answered', () => answering.frames.filter((frame) => frame.type === 'SYSTEM').length >= 5);
    assert.equal(answering.isClosed(), false);
    await answering.close();
  });

  it('sends DingTalk’s disconnect frame before closing a connection it ends', async () => {
    const client = await connectStream(server.url, ACME.appKey, ACME.appSecret);
    const [connection] = (await server.admin<{ items: any[] }>('GET', '/stream/connections')).items;
    await server.admin('DELETE', `/stream/connections/${connection.connectionId}`);
    const closed = await client.closed;
    assert.equal(closed.code, 1000);
    const disconnect = client.frames.find((frame) => frame.headers['topic'] === 'disconnect');
    assert.ok(disconnect);
    assert.equal(disconnect.type, 'SYSTEM');
    assert.deepEqual(JSON.parse(disconnect.data), { reason: 'connection is expired' });
    const unknown = await fetch(`${server.url}/_dingread/v1/stream/connections/${connection.connectionId}`, { method: 'DELETE' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'object.notFound');
  });

  it('disconnects its clients when it shuts down, and when the store is reset', async () => {
    const own = await startTestServer();
    const client = await connectStream(own.url, ACME.appKey, ACME.appSecret);
    await own.admin('POST', '/reset');
    const reset = await client.closed;
    assert.equal(reset.code, 1000);
    assert.match(reset.reason, /reset/);
    await own.admin('POST', '/fixtures', (await import('../helpers/fixtures.js')).testDirectory());
    const second = await connectStream(own.url, ACME.appKey, ACME.appSecret);
    await own.close();
    const shutdown = await second.closed;
    assert.equal(shutdown.code, 1001);
    assert.ok(second.frames.some((frame) => frame.headers['topic'] === 'disconnect'));
  });
});

describe('connectTo', () => {
  it('is refused for a ticket it already used (helpers check)', async () => {
    const server = await startTestServer();
    try {
      const { endpoint, ticket } = await ticketFor(server.url, ACME.appKey, ACME.appSecret);
      const client = await connectTo(endpoint, ticket);
      await assert.rejects(connectTo(endpoint, ticket), /401/);
      await client.close();
    } finally {
      await server.close();
    }
  });
});

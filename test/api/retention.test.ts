/**
 * Retention through a real server on every backend: old messages and their reads go, newer ones
 * stay untouched, and a retention shorter than the query window is refused at start.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DAY_MS, purgeExpired } from '../../src/core/retention.js';
import { startServer, StartupError } from '../../src/server.js';
import { ACME } from '../helpers/fixtures.js';
import { forEachStore, startTestServer, type TestServer } from '../helpers/server.js';
import { messagePath, sender } from '../control/messaging.js';
import { read } from './sdk-conformance.js';

forEachStore('retention', (store) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ store, retention: { retentionMs: 2 * DAY_MS, batchSize: 2 } });
  });
  after(() => server.close());

  it('purges messages older than the retention, in batches, and keeps the rest with their reads', async () => {
    server.clock.set(Date.UTC(2030, 0, 1));
    const send = await sender(server);
    const old = [];
    for (let i = 0; i < 5; i++) old.push(await send.group(ACME.smallGroup, `old ${i}`));
    for (const key of old) await read(server, key, ['u0001']);
    server.clock.advance(DAY_MS);
    const recent = await (await sender(server)).group(ACME.smallGroup, 'recent'); // a fresh token: a day went by
    await read(server, recent, ['u0001']);
    await server.admin('POST', `/conversations/${encodeURIComponent(ACME.smallGroup)}/read`, { userId: 'u0002' });
    const before = await server.admin('GET', messagePath(recent));

    server.clock.advance(DAY_MS + 1); // the old ones are now 2 days and 1 ms old, the recent one 1 day
    assert.equal(await server.retention?.runNow(), 5);
    for (const key of old) {
      await assert.rejects(server.admin('GET', messagePath(key)), /404/);
    }
    assert.deepEqual(await server.admin('GET', messagePath(recent)), before);
    assert.equal(await server.retention?.runNow(), 0, 'nothing more to do');
    server.clock.advance(DAY_MS);
    assert.equal(await purgeExpired(server.ctx, { retentionMs: 2 * DAY_MS, batchSize: 1 }), 1);
    await assert.rejects(server.admin('GET', messagePath(recent)), /404/);
  });
});

it('refuses a retention shorter than the 24-hour query window', async () => {
  await assert.rejects(startServer({ port: 0, store: 'memory', retention: { retentionMs: DAY_MS - 1 } }), StartupError);
  await assert.rejects(startServer({ port: 0, store: 'memory', retention: { batchSize: 0 } }), StartupError);
});

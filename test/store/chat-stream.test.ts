/**
 * The chats' and Stream mode's store contracts on every backend (chat-stream-conformance.ts), and
 * the bus each store hands out: in process for SQLite and memory, LISTEN/NOTIFY for PostgreSQL,
 * where two stores on one schema are two nodes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BusMessageTooLargeError, MAX_BUS_MESSAGE_BYTES, type Bus } from '../../src/core/bus.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { dropSchema, dropTestSchemas, freshPostgresStore, inSchema, newSchema, POSTGRES_URL, postgresSkipReason } from '../helpers/postgres.js';
import { until } from '../helpers/wait.js';
import { chatStreamConformance } from './chat-stream-conformance.js';

const root = mkdtempSync(join(tmpdir(), 'dingread-chat-stream-'));
let files = 0;
after(async () => {
  rmSync(root, { recursive: true, force: true });
  await dropTestSchemas();
});

chatStreamConformance('memory', async () => new SqliteStore({ path: ':memory:' }));
chatStreamConformance('sqlite file', async () => new SqliteStore({ path: join(root, `db${++files}`, 'dingread.db') }));
if (postgresSkipReason) {
  describe('Chat and Stream store conformance [postgres]', { skip: postgresSkipReason }, () => {
    it('the suite');
  });
} else {
  chatStreamConformance('postgres', freshPostgresStore);
}

/** Every message heard on a topic, as they come. */
async function listen(bus: Bus, topic: string): Promise<{ heard: string[]; stop: () => void }> {
  const heard: string[] = [];
  const stop = await bus.subscribe(topic, (message) => heard.push(message));
  return { heard, stop };
}

describe('the in-process bus', () => {
  it('carries a message to the topic’s listeners on a later turn, and knows only its own node', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const a = await listen(store.bus, 'x');
    const b = await listen(store.bus, 'x');
    const other = await listen(store.bus, 'y');
    await store.bus.publish('x', 'hello');
    assert.deepEqual(a.heard, [], 'never inline: the publisher finishes first');
    await until('both listeners', () => a.heard.length === 1 && b.heard.length === 1);
    b.stop();
    await store.bus.publish('x', 'again');
    await until('the listener still subscribed', () => a.heard.length === 2);
    assert.deepEqual([a.heard, b.heard, other.heard], [['hello', 'again'], ['hello'], []]);
    await assert.rejects(store.bus.publish('x', 'é'.repeat(MAX_BUS_MESSAGE_BYTES)), BusMessageTooLargeError);
    assert.deepEqual([...(await store.bus.liveNodes([store.bus.nodeId, 'elsewhere']))], [store.bus.nodeId]);
    await store.close();
    assert.deepEqual([...(await store.bus.liveNodes([store.bus.nodeId]))], [], 'a closed store’s node is gone');
  });
});

describe('the PostgreSQL bus', { skip: postgresSkipReason }, () => {
  it('carries messages between two nodes on one schema, and not to another schema', async () => {
    const schema = newSchema();
    const [one, two] = await Promise.all([PostgresStore.open({ url: POSTGRES_URL, schema }), PostgresStore.open({ url: POSTGRES_URL, schema })]);
    const stranger = await freshPostgresStore();
    try {
      const heardByOne = await listen(one.bus, 'stream');
      const heardByTwo = await listen(two.bus, 'stream');
      const heardElsewhere = await listen(stranger.bus, 'stream');
      const otherTopic = await listen(two.bus, 'events');
      await one.bus.publish('stream', 'from one');
      await two.bus.publish('stream', 'from two: 你好\nwith a line break');
      await until('both messages on both nodes', () => heardByOne.heard.length === 2 && heardByTwo.heard.length === 2);
      assert.deepEqual(heardByTwo.heard, ['from one', 'from two: 你好\nwith a line break']);
      assert.deepEqual(heardByOne.heard, heardByTwo.heard);
      assert.deepEqual(otherTopic.heard, []);
      assert.deepEqual(heardElsewhere.heard, []);
      await assert.rejects(one.bus.publish('stream', 'x'.repeat(MAX_BUS_MESSAGE_BYTES + 1)), BusMessageTooLargeError);
    } finally {
      await Promise.all([one.close(), two.close(), stranger.close()]);
      await dropSchema(schema);
    }
  });

  it('says which nodes are alive: a node listening is, a closed or killed one is not', async () => {
    const schema = newSchema();
    const [one, two] = await Promise.all([PostgresStore.open({ url: POSTGRES_URL, schema }), PostgresStore.open({ url: POSTGRES_URL, schema })]);
    try {
      assert.deepEqual([...(await one.bus.liveNodes([two.bus.nodeId]))], [], 'a node that never listened shows no sign of life');
      await listen(two.bus, 'stream');
      assert.deepEqual([...(await one.bus.liveNodes([one.bus.nodeId, two.bus.nodeId, 'nobody']))].sort(), [one.bus.nodeId, two.bus.nodeId].sort());
      await two.close();
      await until('the closed node to be gone', async () => !(await one.bus.liveNodes([two.bus.nodeId])).has(two.bus.nodeId));
    } finally {
      await one.close();
      await two.close();
      await dropSchema(schema);
    }
  });

  it('listens again after its connection is lost, and says so', async () => {
    const store = await freshPostgresStore();
    try {
      const { heard } = await listen(store.bus, 'stream');
      let reconnected = 0;
      store.bus.onReconnect(() => reconnected++);
      const name = `dingread-node/${store.bus.nodeId}`;
      await inSchema('public', (client) => client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]));
      await until('the bus to reconnect', () => reconnected === 1);
      await store.bus.publish('stream', 'after');
      await until('a message after the reconnect', () => heard.includes('after'));
    } finally {
      await store.close();
    }
  });
});

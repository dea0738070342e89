/**
 * The bus each store hands out (src/core/bus.ts): in process for SQLite and memory, LISTEN/NOTIFY
 * for PostgreSQL, where two stores on one schema are two nodes. Stream mode uses it today; any
 * feature that signals between nodes relies on what is checked here.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BusMessageTooLargeError, MAX_BUS_MESSAGE_BYTES, type Bus, type LinkState } from '../../src/core/bus.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { dropSchema, dropTestSchemas, freshPostgresStore, inSchema, newSchema, POSTGRES_URL, postgresSkipReason } from '../helpers/postgres.js';
import { until } from '../helpers/wait.js';

after(() => dropTestSchemas());

/** Every message heard on a topic, as they come. */
async function listen(bus: Bus, topic: string): Promise<{ heard: string[]; stop: () => void }> {
  const heard: string[] = [];
  const stop = await bus.subscribe(topic, (message) => heard.push(message));
  return { heard, stop };
}

describe('the in-process bus', () => {
  it('carries a message to the topic’s listeners on a later turn, in order, and knows only its own node', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const a = await listen(store.bus, 'x');
    const b = await listen(store.bus, 'x');
    const other = await listen(store.bus, 'y');
    await store.bus.publish('x', 'hello');
    assert.deepEqual(a.heard, [], 'never inline: the publisher finishes first');
    await until('both listeners', () => a.heard.length === 1 && b.heard.length === 1);
    b.stop();
    await store.bus.publish('x', 'again');
    await store.bus.publish('x', 'and again');
    await until('the listener still subscribed', () => a.heard.length === 3);
    assert.deepEqual([a.heard, b.heard, other.heard], [['hello', 'again', 'and again'], ['hello'], []]);
    await assert.rejects(store.bus.publish('x', 'é'.repeat(MAX_BUS_MESSAGE_BYTES)), BusMessageTooLargeError);
    assert.deepEqual([...(await store.bus.liveNodes([store.bus.nodeId, 'elsewhere']))], [store.bus.nodeId]);
    await store.close();
    assert.deepEqual([...(await store.bus.liveNodes([store.bus.nodeId]))], [], 'a closed store’s node is gone');
  });

  it('keeps a message from the other listeners of a listener that throws', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    try {
      await store.bus.subscribe('x', () => {
        throw new Error('a broken listener');
      });
      const { heard } = await listen(store.bus, 'x');
      await store.bus.publish('x', 'still heard');
      await until('the other listener', () => heard.length === 1);
    } finally {
      await store.close();
    }
  });
});

describe('the PostgreSQL bus', { skip: postgresSkipReason }, () => {
  it('carries messages between two nodes on one schema, in order, to every node, and not to another schema', async () => {
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
      assert.deepEqual(heardByOne.heard, heardByTwo.heard, 'the publisher hears itself too');
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

  it('says when its link is lost and when it is back, and listens again', async () => {
    const store = await freshPostgresStore();
    try {
      const { heard } = await listen(store.bus, 'stream');
      const changes: LinkState[] = [];
      store.bus.onLinkChange((link) => changes.push(link));
      const name = `dingread-node/${store.bus.nodeId}`;
      await inSchema('public', (client) => client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]));
      await until('the bus to listen again', () => changes.length === 2);
      assert.deepEqual(changes, ['lost', 'restored']);
      await store.bus.publish('stream', 'after');
      await until('a message after the link is back', () => heard.includes('after'));
    } finally {
      await store.close();
    }
  });
});

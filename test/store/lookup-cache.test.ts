/**
 * The lookup cache (src/store/sql/lookup-cache.ts): its own rules, then, through a SQLite store,
 * that every kind of write makes the next lookup see it, each time with the entry warmed first,
 * so a write that forgot to drop what it changed would be caught serving the old record.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageRecord, OrgPlan, RobotPlan, Store } from '../../src/core/store.js';
import { BusInvalidation, LookupCache } from '../../src/store/sql/lookup-cache.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { readerIdsOf, recipientsOf } from '../helpers/store-records.js';

describe('LookupCache', () => {
  const loader = <T extends object>(value: T | undefined) => {
    const calls = { n: 0 };
    return { calls, load: async () => (calls.n++, value === undefined ? undefined : { ...value }) };
  };

  it('remembers records that exist, never a "not found"', async () => {
    const cache = new LookupCache();
    const found = loader({ id: 1 });
    assert.deepEqual(await cache.lookup('robot', 'k', found.load), { id: 1 });
    assert.deepEqual(await cache.lookup('robot', 'k', found.load), { id: 1 });
    assert.equal(found.calls.n, 1);
    const missing = loader<{ id: number }>(undefined);
    assert.equal(await cache.lookup('robot', 'gone', missing.load), undefined);
    assert.equal(await cache.lookup('robot', 'gone', missing.load), undefined);
    assert.equal(missing.calls.n, 2);
  });

  it('hands out frozen records, arrays inside included, and answers (arrays) as they are', async () => {
    const cache = new LookupCache();
    const record = (await cache.lookup('robot', 'k', async () => ({ scopes: ['a'] }))) as { scopes: string[] };
    assert.throws(() => {
      (record as { scopes: string[] }).scopes = [];
    }, TypeError);
    assert.throws(() => record.scopes.push('b'), TypeError);
    // Frozen arrays take V8's slow paths for slice and JSON.stringify: a page stays a plain array.
    const page = await cache.lookup('recipients', 'page', async () => ['u1', 'u2']);
    assert.equal(Object.isFrozen(page), false);
  });

  it('keeps at most its limit, forgetting the oldest first', async () => {
    const cache = new LookupCache(2, 2);
    const a = loader({ v: 'a' });
    await cache.lookup('message', 'a', a.load);
    await cache.lookup('message', 'b', async () => ({ v: 'b' }));
    await cache.lookup('message', 'c', async () => ({ v: 'c' }));
    await cache.lookup('message', 'a', a.load);
    assert.equal(a.calls.n, 2, 'a was the oldest and went');
  });

  it('drops each level with the levels below it, every kind of entry of a level', async () => {
    const cache = new LookupCache();
    const shelves = ['token', 'robot', 'conversation', 'message', 'recipients'] as const;
    const loads = Object.fromEntries(shelves.map((shelf) => [shelf, loader({ shelf })])) as Record<(typeof shelves)[number], ReturnType<typeof loader>>;
    const page = loader({ readerIds: ['u1'] });
    const touch = async () => {
      for (const shelf of shelves) await cache.lookup(shelf, 'k', loads[shelf].load);
      await cache.lookupPage('k', '', 200, page.load);
      return [...shelves.map((shelf) => loads[shelf].calls.n), page.calls.n];
    };
    assert.deepEqual(await touch(), [1, 1, 1, 1, 1, 1]);
    cache.invalidate('none');
    assert.deepEqual(await touch(), [1, 1, 1, 1, 1, 1]);
    cache.invalidate('answers');
    assert.deepEqual(await touch(), [1, 1, 1, 1, 2, 2]);
    cache.invalidate('messages');
    assert.deepEqual(await touch(), [1, 1, 1, 2, 3, 3]);
    cache.invalidate('all');
    assert.deepEqual(await touch(), [2, 2, 2, 3, 4, 4]);
  });

  it('keeps each kind of record apart: the same id names different records', async () => {
    const cache = new LookupCache();
    await cache.lookup('robot', 'same', async () => ({ kind: 'robot' }));
    await cache.lookup('conversation', 'same', async () => ({ kind: 'conversation' }));
    assert.deepEqual(cache.peek('robot', 'same'), { kind: 'robot' });
    assert.deepEqual(cache.peek('conversation', 'same'), { kind: 'conversation' });
    assert.equal(cache.peek('token', 'same'), undefined);
  });

  it('finds a page by its message, where it starts and its size, each one apart', async () => {
    const cache = new LookupCache();
    const first = await cache.lookupPage('m', '', 2, async () => ({ readerIds: ['a', 'b'] }));
    await cache.lookupPage('m', 'b', 2, async () => ({ readerIds: ['c'] }));
    await cache.lookupPage('m', '', 3, async () => ({ readerIds: ['a', 'b', 'c'] }));
    assert.equal(cache.peekPage('m', '', 2), first, 'the same object the lookup gave');
    assert.deepEqual(cache.peekPage('m', 'b', 2), { readerIds: ['c'] });
    assert.deepEqual(cache.peekPage('m', '', 3), { readerIds: ['a', 'b', 'c'] });
    assert.equal(cache.peekPage('m', 'a', 2), undefined);
    assert.equal(cache.peekPage('other', '', 2), undefined);
    assert.equal(await cache.lookupPage('gone', '', 2, async () => undefined), undefined);
    assert.equal(cache.peekPage('gone', '', 2), undefined, 'no "not found" is kept');
  });

  it('keeps at most its limit of pages, the oldest message\'s going first, and a message\'s latest pages', async () => {
    const cache = new LookupCache(10, 3);
    await cache.lookupPage('old', '', 1, async () => ({ p: 'old' }));
    await cache.lookupPage('m', '', 1, async () => ({ p: 1 }));
    await cache.lookupPage('m', 'a', 1, async () => ({ p: 2 }));
    await cache.lookupPage('m', 'b', 1, async () => ({ p: 3 }));
    assert.equal(cache.peekPage('old', '', 1), undefined, 'the oldest message went whole');
    assert.deepEqual(cache.peekPage('m', '', 1), { p: 1 });
    await cache.lookupPage('m', 'c', 1, async () => ({ p: 4 }));
    assert.equal(cache.peekPage('m', '', 1), undefined, "over the limit within one message: its oldest page went");
    assert.deepEqual(cache.peekPage('m', 'a', 1), { p: 2 });
    assert.deepEqual(cache.peekPage('m', 'c', 1), { p: 4 });
    const walk = new LookupCache(100, 100);
    for (let i = 0; i < 20; i++) await walk.lookupPage('long', `u${i}`, 1, async () => ({ i }));
    assert.equal(walk.peekPage('long', 'u0', 1), undefined, 'a message keeps its latest pages only');
    assert.deepEqual(walk.peekPage('long', 'u19', 1), { i: 19 });
  });

  it('does not keep what a lookup read while a write was landing', async () => {
    const cache = new LookupCache();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = cache.lookup('robot', 'k', async () => {
      await gate;
      return { version: 'old' };
    });
    cache.invalidate('all');
    release();
    assert.deepEqual(await slow, { version: 'old' });
    assert.deepEqual(await cache.lookup('robot', 'k', async () => ({ version: 'new' })), { version: 'new' });
  });
  it('peeks at what it holds without loading, and holds no answers when told not to', async () => {
    const cache = new LookupCache(10, 10, false);
    assert.equal(cache.peek('robot', 'k'), undefined);
    const record = await cache.lookup('robot', 'k', async () => ({ id: 1 }));
    assert.equal(cache.peek('robot', 'k'), record, 'the same object a lookup gives');
    await cache.lookup('recipients', 'page', async () => ({ readerIds: ['u1'] }));
    assert.equal(cache.peek('recipients', 'page'), undefined, 'answers are not kept by this cache');
    cache.invalidate('all');
    assert.equal(cache.peek('robot', 'k'), undefined);
    await cache.lookup('robot', 'k', async () => ({ id: 2 }));
    cache.keep(false);
    assert.equal(cache.peek('robot', 'k'), undefined, 'nothing while not keeping');
  });
});

describe('a SQLite store with the lookup cache sees every write', () => {
  const robot = (status: RobotPlan['status']): RobotPlan => ({
    robotCode: 'botC',
    name: 'Bot C',
    status,
    templateStatus: 'active',
    ownerAppKey: null,
  });
  const plan = (status: RobotPlan['status'], members: string[]): OrgPlan[] => [
    {
      corpId: 'corpC',
      name: 'Org C',
      apps: [{ appKey: 'appC', secretHash: 'hash-c', scopes: ['qyapi_robot_sendmsg'] }],
      users: ['u1', 'u2', 'u3'].map((userId) => ({ userId, name: userId })),
      robots: [robot(status)],
      conversations: [
        { openConversationId: 'cidC==', type: 'group', title: 'C', coolAppCode: null, members, robots: ['botC'] },
      ],
    },
  ];

  async function world(): Promise<{ store: Store; send: (key: string, sentAt?: number) => Promise<MessageRecord> }> {
    const store = new SqliteStore({ path: ':memory:' });
    await store.applyFixture(plan('active', ['u1', 'u2']));
    const org = await store.findOrg('corpC');
    const app = await store.findApp('appC');
    const bot = await store.findRobot('botC');
    const group = await store.findConversation('cidC==');
    assert.ok(org && app && bot && group);
    const send = (processQueryKey: string, sentAt = 1000): Promise<MessageRecord> =>
      store.insertMessage({
          processQueryKey,
          kind: 'group',
          orgId: org.id,
          appId: app.id,
          robotId: bot.id,
          conversationId: group.id,
          msgKey: 'sampleText',
          msgParam: '{}',
          sentAt,
          deliveredAt: sentAt,
        });
    return { store, send };
  }

  it('a directory change: robot status, members, robots of a conversation', async () => {
    const { store } = await world();
    assert.equal((await store.findRobot('botC'))?.status, 'active');
    assert.equal((await store.findConversation('cidC=='))?.memberCount, 2);
    await store.applyFixture(plan('stopped', ['u1', 'u2', 'u3']));
    assert.equal((await store.findRobot('botC'))?.status, 'stopped');
    assert.equal((await store.findConversation('cidC=='))?.memberCount, 3);
    await store.close();
  });

  it('a renewed token: the same token with a later expiry', async () => {
    const { store } = await world();
    const app = await store.findApp('appC');
    assert.ok(app);
    await store.saveAppToken(app.id, 1, 'tok', 5_000);
    assert.equal((await store.findToken('tok'))?.expiresAt, 5_000);
    await store.saveAppToken(app.id, 1, 'tok', 9_000);
    assert.equal((await store.findToken('tok'))?.expiresAt, 9_000);
    await store.saveAppToken(app.id, 2, 'tok2', 12_000);
    assert.equal((await store.findToken('tok2'))?.expiresAt, 12_000);
    assert.equal((await store.findToken('tok'))?.expiresAt, 9_000, 'the previous token lives out its lifetime');
    await store.close();
  });

  it('reads and chat opens change the answers', async () => {
    const { store, send } = await world();
    await send('m1');
    const message = await store.findMessage('m1');
    assert.ok(message);
    assert.deepEqual(await readerIdsOf(store, message, '', 10), []);
    assert.deepEqual((await recipientsOf(store, message)).map((r) => r.readAt), [null, null]);
    await store.recordReads([{ processQueryKey: 'm1', userId: 'u2', readAt: 2000 }]);
    assert.deepEqual(await readerIdsOf(store, message, '', 10), ['u2']);
    assert.deepEqual((await recipientsOf(store, message)).map((r) => r.readAt), [null, 2000]);
    const org = await store.findOrg('corpC');
    assert.ok(org);
    assert.equal(await store.openChat(org.id, { kind: 'conversation', conversationId: message.conversationId as number }, 'u1', 3000), 1);
    assert.deepEqual(await readerIdsOf(store, message, '', 10), ['u1', 'u2']);
    assert.deepEqual((await recipientsOf(store, message)).map((r) => r.readAt), [3000, 2000]);
    await store.close();
  });

  it('a recall, a purge and a reset change the message', async () => {
    const { store, send } = await world();
    const m1 = await send('m1', 1000);
    await send('m2', 9000);
    assert.equal((await store.findMessage('m1'))?.recalledAt, null);
    await store.recallMessage(m1, 1500);
    assert.equal((await store.findMessage('m1'))?.recalledAt, 1500);
    assert.ok(await store.findMessage('m2'));
    assert.equal(await store.purgeMessagesBefore(5000, 10), 1);
    assert.equal(await store.findMessage('m1'), undefined);
    assert.ok(await store.findMessage('m2'));
    assert.ok(await store.findRobot('botC'));
    await store.reset();
    assert.equal(await store.findMessage('m2'), undefined);
    assert.equal(await store.findRobot('botC'), undefined);
    await store.close();
  });

  it('remembers what the lookups answered, as the same objects, and nothing a write dropped', async () => {
    const { store, send } = await world();
    const { remembered } = store;
    // world() looked the robot and the group up.
    assert.equal(remembered.robot('botC'), await store.findRobot('botC'));
    assert.equal(remembered.conversation('cidC=='), await store.findConversation('cidC=='));
    assert.equal(await store.findRobot('nobody'), undefined);
    assert.equal(remembered.robot('nobody'), undefined, 'never a "not found"');
    const app = await store.findApp('appC');
    assert.ok(app);
    await store.saveAppToken(app.id, 1, 'tok', 5_000);
    assert.equal(remembered.token('tok'), undefined, 'not before a lookup');
    const token = await store.findToken('tok');
    assert.equal(remembered.token('tok'), token);
    await store.saveAppToken(app.id, 1, 'tok', 9_000);
    assert.equal(remembered.token('tok'), undefined, 'a token write drops it');
    assert.equal(remembered.robot('botC'), undefined, 'and the rest of the directory');

    await send('m1');
    const page = await store.readerPage('m1', '', 10);
    const recipients = await store.recipientReads('m1');
    assert.equal(remembered.readerPage('m1', '', 10), page);
    assert.equal(remembered.readerPage('m1', '', 11), undefined, 'another page size is another answer');
    assert.equal(remembered.recipientReads('m1'), recipients);
    await store.recordReads([{ processQueryKey: 'm1', userId: 'u2', readAt: 2000 }]);
    assert.equal(remembered.readerPage('m1', '', 10), undefined, 'a read drops the answers');
    assert.equal(remembered.recipientReads('m1'), undefined);
    assert.deepEqual((await store.readerPage('m1', '', 10))?.readerIds, ['u2']);
    assert.deepEqual(remembered.readerPage('m1', '', 10)?.readerIds, ['u2']);
    await store.close();
  });

  it('can be turned off', async () => {
    const store = new SqliteStore({ path: ':memory:', lookupCache: false });
    await store.applyFixture(plan('active', ['u1']));
    const first = await store.findRobot('botC');
    const second = await store.findRobot('botC');
    assert.notEqual(first, second, 'each lookup reads the database afresh');
    assert.equal(Object.isFrozen(first), false);
    assert.equal(store.remembered.robot('botC'), undefined, 'nothing is remembered');
    await store.close();
  });
});

describe('BusInvalidation', () => {
  /** A bus whose publishes wait until the test lets them go, and whose deliveries the test makes. */
  function heldBus() {
    const sent: string[] = [];
    const releases: Array<() => void> = [];
    let deliver: (message: string) => void = () => undefined;
    const bus = {
      nodeId: 'self',
      publish: (_topic: string, message: string) => new Promise<void>((resolve) => (sent.push(message), releases.push(resolve))),
      subscribe: async (_topic: string, listener: (message: string) => void) => ((deliver = listener), () => undefined),
      liveNodes: async () => new Set<string>(),
      onLinkChange: () => () => undefined,
      close: async () => undefined,
    };
    return { bus, sent, release: () => releases.shift()?.(), hear: (message: string) => deliver(message) };
  }

  it("merges a burst of writes into few signals, drops what other nodes' signals say, and ignores its own", async () => {
    const cache = new LookupCache(10, 10, false);
    const { bus, sent, release, hear } = heldBus();
    const sharing = new BusInvalidation(cache, bus);
    await new Promise((resolve) => setImmediate(resolve));
    sharing.written('answers');
    sharing.written('answers');
    sharing.written('all');
    sharing.written('messages');
    assert.deepEqual(sent, ['self answers'], 'one signal on its way; the rest wait for it');
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(sent, ['self answers', 'self all'], 'then one signal for the most the waiting writes changed');
    release();
    const robot = loaderOf({ name: 'old' });
    await cache.lookup('robot', 'robot', robot.load);
    hear('self all');
    await cache.lookup('robot', 'robot', robot.load);
    assert.equal(robot.calls.n, 1, "its own signal: it dropped its writes' entries already");
    hear('other messages');
    await cache.lookup('robot', 'robot', robot.load);
    assert.equal(robot.calls.n, 1, 'a recall elsewhere leaves the directory');
    hear('other all');
    await cache.lookup('robot', 'robot', robot.load);
    assert.equal(robot.calls.n, 2);
    // Answers are not kept when other nodes write.
    const answer = loaderOf({ page: [] });
    await cache.lookup('recipients', 'page', answer.load);
    await cache.lookup('recipients', 'page', answer.load);
    await cache.lookupPage('page', '', 1, answer.load);
    assert.equal(cache.peekPage('page', '', 1), undefined);
    assert.equal(answer.calls.n, 3);
  });
});

function loaderOf<T extends object>(value: T) {
  const calls = { n: 0 };
  return { calls, load: async () => (calls.n++, { ...value }) };
}

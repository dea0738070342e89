/**
 * What each read-status query asks of the store, over real HTTP on SQLite without the lookup cache
 * (so every call reaches the database, as on PostgreSQL): the token, the robot and the conversation,
 * then one call that reads the message and its answer together, in one statement. The message row is read once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/core/store.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { UnitMode, Work } from '../../src/store/sql/unit.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ACME, testDirectory } from '../helpers/fixtures.js';
import { call, tokenFor } from '../helpers/server.js';

/** A SQLite store that writes down every statement its units run. */
class RecordingStore extends SqliteStore {
  sql: string[] = [];

  protected override unit<T>(mode: UnitMode, make: () => Work<T>): Promise<T> {
    return super.unit(mode, () => this.recorded(make()));
  }

  private *recorded<T>(work: Work<T>): Work<T> {
    let next = work.next();
    while (!next.done) {
      const step = next.value;
      if ('sql' in step) this.sql.push(step.sql.replace(/\s+/g, ' ').trim());
      next = work.next(yield step);
    }
    return next.value;
  }
}

describe('store calls per query', () => {
  const store = new RecordingStore({ path: ':memory:', lookupCache: false });
  let calls: string[] = [];
  const counted = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        calls.push(property);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as Store;
  let server: RunningServer;
  let token: string;
  const keys: Record<'group' | 'privateChat' | 'oto', string> = { group: '', privateChat: '', oto: '' };

  before(async () => {
    server = await startServer({ port: 0, store: counted, retention: false });
    assert.equal((await call(server.url, 'POST', '/_dingread/v1/fixtures', { body: testDirectory() })).status, 200);
    token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    const send = async (path: string, body: object) => {
      const answer = await call(server.url, 'POST', path, { token, body: { robotCode: ACME.robot, msgKey: 'sampleText', msgParam: '{"content":"x"}', ...body } });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.processQueryKey as string;
    };
    keys.group = await send('/v1.0/robot/groupMessages/send', { openConversationId: ACME.bigGroup });
    keys.privateChat = await send('/v1.0/robot/privateChatMessages/send', { openConversationId: ACME.pair, coolAppCode: ACME.coolAppCode });
    keys.oto = await send('/v1.0/robot/oToMessages/batchSend', { userIds: ['u0001', 'u0002'] });
  });
  after(() => server.close());

  /** The store calls and the statements on `messages` one request made. */
  async function measure(request: () => Promise<{ status: number; body: any }>) {
    calls = [];
    store.sql = [];
    const answer = await request();
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return { calls, messageReads: store.sql.filter((sql) => /\bFROM messages\b/.test(sql)).length, statements: store.sql.length };
  }

  it('a group page: the directory lookups, then the message and its page in one call', async () => {
    const body = { robotCode: ACME.robot, openConversationId: ACME.bigGroup, processQueryKey: keys.group, maxResults: 1 };
    const first = await measure(() => call(server.url, 'POST', '/v1.0/robot/groupMessages/query', { token, body }));
    assert.deepEqual(first.calls, ['findToken', 'findRobot', 'findConversation', 'readerPage']);
    assert.equal(first.messageReads, 1, 'the message row is read once');
    assert.equal(first.statements, 5, 'the conversation with its robots is two; the page is one');
  });

  it('the next page too: the cursor opens before the message is read', async () => {
    await server.ctx.store.recordReads(['u0001', 'u0002'].map((userId) => ({ processQueryKey: keys.group, userId, readAt: 1 })));
    const body = { robotCode: ACME.robot, openConversationId: ACME.bigGroup, processQueryKey: keys.group, maxResults: 1 };
    const page1 = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', { token, body });
    assert.deepEqual(page1.body.readUserIds, ['u0001']);
    const page2 = await measure(() =>
      call(server.url, 'POST', '/v1.0/robot/groupMessages/query', { token, body: { ...body, nextToken: page1.body.nextToken } }),
    );
    assert.deepEqual(page2.calls, ['findToken', 'findRobot', 'findConversation', 'readerPage']);
    assert.equal(page2.messageReads, 1);
  });

  it('a private chat page: the same', async () => {
    const body = { robotCode: ACME.robot, openConversationId: ACME.pair, processQueryKey: keys.privateChat };
    const measured = await measure(() => call(server.url, 'POST', '/v1.0/robot/privateChatMessages/query', { token, body }));
    assert.deepEqual(measured.calls, ['findToken', 'findRobot', 'findConversation', 'readerPage']);
    assert.equal(measured.messageReads, 1);
    assert.equal(measured.statements, 5);
  });

  it('readStatus: the token and the robot, then the message and its recipients in one call', async () => {
    const query = new URLSearchParams({ robotCode: ACME.robot, processQueryKey: keys.oto });
    const measured = await measure(() => call(server.url, 'GET', `/v1.0/robot/oToMessages/readStatus?${query}`, { token }));
    assert.deepEqual(measured.calls, ['findToken', 'findRobot', 'recipientReads']);
    assert.equal(measured.messageReads, 1);
    assert.equal(measured.statements, 3, 'the message and its recipients in one statement');
  });
});

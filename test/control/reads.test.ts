/** Read events through the control plane: `POST /reads` and opening chats. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { MAX_READS_PER_CALL } from '../../src/core/reads.js';
import { ACME, ACME_USERS, GLOBEX, SMALL_GROUP_MEMBERS, testDirectory } from '../helpers/fixtures.js';
import { call, forEachStore, startTestServer, type TestServer } from '../helpers/server.js';
import { messagePath, sender, type Sender } from './messaging.js';

interface Detail {
  readCount: number;
  recipients: Array<{ userId: string; name: string; readAt: number | null }>;
}

const T0 = 1_750_000_000_000;

forEachStore('control plane: reads', (store) => {
  let server: TestServer;
  let send: Sender;
  const detail = (key: string) => server.admin<Detail>('GET', messagePath(key));
  const readTimes = async (key: string) =>
    Object.fromEntries((await detail(key)).recipients.map((r) => [r.userId, r.readAt]));
  const v1 = (method: string, path: string, body?: unknown) =>
    call(server.url, method, `/_dingread/v1${path}`, body === undefined ? {} : { body });

  before(async () => {
    server = await startTestServer({ store });
  });
  after(() => server.close());
  beforeEach(async () => {
    await server.admin('POST', '/reset');
    await server.admin('POST', '/fixtures', testDirectory());
    server.clock.set(T0);
    send = await sender(server);
  });

  it('POST /reads applies reads of recipients and ignores the rest with index and reason', async () => {
    const key = await send.group(ACME.smallGroup);
    const recalled = await send.group(ACME.smallGroup);
    const oto = await send.oto(['u0300']);
    await send.recallGroup(ACME.smallGroup, recalled);
    const answer = await v1('POST', '/reads', {
      reads: [
        { processQueryKey: key, userId: 'u0001', readAt: T0 + 5 },
        { processQueryKey: 'no/such+key=', userId: 'u0001' },
        { processQueryKey: recalled, userId: 'u0001' },
        { processQueryKey: key, userId: 'u0300' },
        { processQueryKey: key, userId: 'g001' },
        { processQueryKey: oto, userId: 'u0300' },
        { processQueryKey: key, userId: 'u0002' },
      ],
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      accepted: 3,
      ignored: [
        { index: 1, reason: 'message.notFound' },
        { index: 2, reason: 'message.recalled' },
        { index: 3, reason: 'user.notRecipient' },
        { index: 4, reason: 'user.notRecipient' },
      ],
    });
    // readAt defaults to the server's clock.
    assert.deepEqual(await readTimes(key), { u0001: T0 + 5, u0002: T0, u0003: null, u0004: null, u0005: null });
    assert.equal((await detail(key)).readCount, 2);
    assert.deepEqual(await readTimes(oto), { u0300: T0 });
  });

  it('a repeated read keeps its first time', async () => {
    const key = await send.group(ACME.smallGroup);
    await server.admin('POST', '/reads', { reads: [{ processQueryKey: key, userId: 'u0003', readAt: T0 + 100 }] });
    const again = await server.admin('POST', '/reads', {
      reads: [
        { processQueryKey: key, userId: 'u0003', readAt: T0 + 50 },
        { processQueryKey: key, userId: 'u0003', readAt: T0 + 900 },
      ],
    });
    assert.deepEqual(again, { accepted: 2, ignored: [] });
    assert.equal((await readTimes(key))['u0003'], T0 + 100);
    assert.equal((await detail(key)).readCount, 1);
  });

  it(`takes ${MAX_READS_PER_CALL} reads in one call, and refuses one more`, async () => {
    const key = await send.group(ACME.bigGroup);
    const reads = Array.from({ length: MAX_READS_PER_CALL }, (_, i) => ({
      processQueryKey: key,
      userId: ACME_USERS[i % ACME_USERS.length] as string,
      readAt: T0 + i,
    }));
    const answer = await v1('POST', '/reads', { reads });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { accepted: MAX_READS_PER_CALL, ignored: [] });
    const read = await detail(key);
    assert.equal(read.readCount, ACME_USERS.length);
    assert.equal(read.recipients[0]?.readAt, T0, 'the first of the repeated reads counts');

    const other = await send.group(ACME.bigGroup);
    const tooMany = await v1('POST', '/reads', {
      reads: [...reads.map((r) => ({ ...r, processQueryKey: other })), { processQueryKey: other, userId: 'u0001' }],
    });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.code, 'invalidParameter.param.invalid');
    assert.equal((await detail(other)).readCount, 0, 'a refused batch writes nothing');
  });

  it('refuses malformed read batches', async () => {
    const key = await send.group(ACME.smallGroup);
    for (const body of [
      {},
      { reads: 'x' },
      { reads: [{ processQueryKey: key }] },
      { reads: [{ processQueryKey: key, userId: 'u0001', readAt: -1 }] },
      { reads: [{ processQueryKey: key, userId: 'u0001', readAt: '5' }] },
      { reads: [{ processQueryKey: key, userId: 'u0001', extra: true }] },
      { reads: [{ processQueryKey: '', userId: 'u0001' }] },
    ]) {
      const answer = await v1('POST', '/reads', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.code, 'invalidParameter.param.invalid');
    }
    assert.equal((await detail(key)).readCount, 0);
  });

  it('opening a conversation marks what was delivered before, once', async () => {
    const first = await send.group(ACME.smallGroup);
    const second = await send.group(ACME.smallGroup);
    await server.admin('POST', '/reads', { reads: [{ processQueryKey: first, userId: 'u0002', readAt: T0 - 10 }] });
    const path = `/conversations/${encodeURIComponent(ACME.smallGroup)}/read`;
    assert.ok(path.includes('%3D%3D'), 'the id travels URL-encoded');
    assert.deepEqual((await v1('POST', path, { userId: 'u0002', readAt: T0 + 7 })).body, { marked: 1 });
    assert.deepEqual((await v1('POST', path, { userId: 'u0002' })).body, { marked: 0 });
    assert.deepEqual((await v1('POST', path, { userId: 'u0001' })).body, { marked: 2 });
    assert.deepEqual((await v1('POST', path, { userId: 'u0300' })).body, { marked: 0 }, 'a user of the org who is not a member');
    assert.deepEqual(await readTimes(first), { u0001: T0, u0002: T0 - 10, u0003: null, u0004: null, u0005: null });
    assert.deepEqual(await readTimes(second), { u0001: T0, u0002: T0 + 7, u0003: null, u0004: null, u0005: null });
    const third = await send.group(ACME.smallGroup);
    assert.deepEqual(await readTimes(third), { u0001: null, u0002: null, u0003: null, u0004: null, u0005: null });
    // A private chat opens the same way.
    const pairKey = await send.privateChat(ACME.pair, ACME.coolAppCode);
    assert.deepEqual((await v1('POST', `/conversations/${encodeURIComponent(ACME.pair)}/read`, { userId: 'u0002' })).body, { marked: 1 });
    assert.deepEqual(await readTimes(pairKey), { u0001: null, u0002: T0 });
  });

  it('an open after a recall does not read the recalled message', async () => {
    const recalled = await send.group(ACME.smallGroup);
    const kept = await send.group(ACME.smallGroup);
    await send.recallGroup(ACME.smallGroup, recalled);
    const path = `/conversations/${encodeURIComponent(ACME.smallGroup)}/read`;
    assert.deepEqual((await v1('POST', path, { userId: 'u0004' })).body, { marked: 1 });
    assert.equal((await detail(recalled)).readCount, 0);
    assert.equal((await detail(kept)).readCount, 1);
  });

  it("opening a robot chat marks that robot's one-on-one messages to the user", async () => {
    const o1 = await send.oto(['u0001', 'u0002']);
    const o2 = await send.oto(['u0001']);
    const group = await send.group(ACME.smallGroup);
    const path = `/robots/${encodeURIComponent(ACME.robot)}/chats/u0001/read`;
    const answer = await v1('POST', path, { readAt: T0 + 3 });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { marked: 2 });
    assert.deepEqual(await readTimes(o1), { u0001: T0 + 3, u0002: null });
    assert.deepEqual(await readTimes(o2), { u0001: T0 + 3 });
    assert.equal((await detail(group)).readCount, 0, 'a group message is not part of the robot chat');
    // No body at all is fine: readAt is optional.
    const bare = await call(server.url, 'POST', `/_dingread/v1/robots/${ACME.robot}/chats/u0002/read`);
    assert.equal(bare.status, 200);
    assert.deepEqual(bare.body, { marked: 1 });
    assert.deepEqual((await v1('POST', path, {})).body, { marked: 0 });
  });

  it('opening an unknown conversation, robot or user is 404 in the envelope', async () => {
    const notFound = async (path: string, body: unknown) => {
      const answer = await v1('POST', path, body);
      assert.equal(answer.status, 404, `${path}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.code, 'object.notFound');
      assert.deepEqual(Object.keys(answer.body).sort(), ['code', 'message', 'requestid']);
    };
    await notFound(`/conversations/${encodeURIComponent('cidNowhere==')}/read`, { userId: 'u0001' });
    await notFound(`/conversations/${encodeURIComponent(ACME.smallGroup)}/read`, { userId: 'nobody' });
    await notFound(`/conversations/${encodeURIComponent(ACME.smallGroup)}/read`, { userId: 'g001' });
    await notFound('/robots/dingnorobot/chats/u0001/read', {});
    await notFound(`/robots/${ACME.robot}/chats/nobody/read`, {});
    await notFound(`/robots/${GLOBEX.robot}/chats/u0002/read`, {});
    // The unencoded '=' works too: it is a plain path character.
    assert.equal((await v1('POST', `/conversations/${ACME.smallGroup}/read`, { userId: 'u0001' })).status, 200);
    // Bodies are checked.
    const missing = await v1('POST', `/conversations/${encodeURIComponent(ACME.smallGroup)}/read`, {});
    assert.equal(missing.status, 400);
    const extra = await v1('POST', `/robots/${ACME.robot}/chats/u0001/read`, { userId: 'u0001' });
    assert.equal(extra.status, 400);
  });

  it('the same userId in two orgs opens only its own org', async () => {
    // u0001 is a user of Acme and of Globex.
    const acmeKey = await send.group(ACME.smallGroup);
    const globex = await sender(server, GLOBEX.appKey, GLOBEX.appSecret);
    const globexKey = await globex.group(GLOBEX.group, 'hi', GLOBEX.robot);
    assert.deepEqual((await v1('POST', `/conversations/${encodeURIComponent(GLOBEX.group)}/read`, { userId: 'u0001' })).body, {
      marked: 1,
    });
    assert.equal((await detail(acmeKey)).readCount, 0);
    assert.equal((await detail(globexKey)).readCount, 1);
    assert.deepEqual(
      (await detail(globexKey)).recipients.map((r) => r.userId),
      ['g001', 'g002', 'u0001'],
    );
    assert.equal((await detail(acmeKey)).recipients.length, SMALL_GROUP_MEMBERS.length);
  });
});

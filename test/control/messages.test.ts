/** Message inspection (`GET /messages/{key}`, `GET /messages`) and the clock, over real HTTP. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ACME, GLOBEX, SMALL_GROUP_MEMBERS, testDirectory } from '../helpers/fixtures.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { messagePath, sender, type Sender } from './messaging.js';

const T0 = 1_760_000_000_000;

interface Summary {
  processQueryKey: string;
  kind: string;
  corpId: string;
  robotCode: string;
  openConversationId?: string;
  sentAt: number;
  sendStatus: string;
  recalledAt?: number;
  recipientCount: number;
  readCount: number;
}

describe('control plane: messages', () => {
  let server: TestServer;
  let send: Sender;
  const v1 = (method: string, path: string, body?: unknown) =>
    call(server.url, method, `/_dingread/v1${path}`, body === undefined ? {} : { body });

  before(async () => {
    server = await startTestServer({ store: 'sqlite' });
  });
  after(() => server.close());
  beforeEach(async () => {
    await server.admin('POST', '/reset');
    await server.admin('POST', '/fixtures', testDirectory());
    server.clock.set(T0);
    send = await sender(server);
  });

  describe('GET /messages/{processQueryKey}', () => {
    it('answers the exact shape of a group message, with its recipients and their reads', async () => {
      const key = await send.group(ACME.smallGroup, 'hello team');
      assert.match(key, /\+/, 'keys hold a +, so the URL must encode it');
      await server.admin('POST', '/reads', { reads: [{ processQueryKey: key, userId: 'u0002', readAt: T0 + 9 }] });
      const { status, body } = await v1('GET', messagePath(key));
      assert.equal(status, 200);
      assert.deepEqual(body, {
        processQueryKey: key,
        kind: 'group',
        corpId: ACME.corpId,
        robotCode: ACME.robot,
        openConversationId: ACME.smallGroup,
        msgKey: 'sampleText',
        msgParam: JSON.stringify({ content: 'hello team' }),
        sentAt: T0,
        deliveredAt: T0,
        queryableUntil: T0 + 86_400_000,
        sendStatus: 'SUCCESS',
        recipientCount: SMALL_GROUP_MEMBERS.length,
        readCount: 1,
        recipients: SMALL_GROUP_MEMBERS.map((userId) => ({
          userId,
          name: `User ${userId}`,
          readAt: userId === 'u0002' ? T0 + 9 : null,
        })),
      });
    });

    it('an oto message has no openConversationId and lists recipients in send order', async () => {
      const key = await send.oto(['u0009', 'u0003', 'nobody', 'u0007']);
      const { body } = await v1('GET', messagePath(key));
      assert.equal(body.kind, 'oto');
      assert.ok(!('openConversationId' in body));
      assert.ok(!('recalledAt' in body));
      assert.equal(body.recipientCount, 3);
      assert.deepEqual(
        body.recipients.map((r: { userId: string }) => r.userId),
        ['u0009', 'u0003', 'u0007'],
      );
    });

    it('a private chat message, and a recalled one with recalledAt', async () => {
      const key = await send.privateChat(ACME.pair, ACME.coolAppCode);
      const { body } = await v1('GET', messagePath(key));
      assert.equal(body.kind, 'privateChat');
      assert.equal(body.openConversationId, ACME.pair);
      assert.equal(body.recipientCount, 2);
      assert.deepEqual(
        body.recipients.map((r: { userId: string }) => r.userId),
        ['u0001', 'u0002'],
      );

      server.clock.advance(60_000);
      const group = await send.group(ACME.smallGroup);
      server.clock.advance(1000);
      await send.recallGroup(ACME.smallGroup, group);
      const recalled = (await v1('GET', messagePath(group))).body;
      assert.equal(recalled.sendStatus, 'RECALLED');
      assert.equal(recalled.recalledAt, T0 + 61_000);
      assert.equal(recalled.sentAt, T0 + 60_000);
      assert.deepEqual(Object.keys(recalled).sort(), [
        'corpId',
        'deliveredAt',
        'kind',
        'msgKey',
        'msgParam',
        'openConversationId',
        'processQueryKey',
        'queryableUntil',
        'readCount',
        'recalledAt',
        'recipientCount',
        'recipients',
        'robotCode',
        'sendStatus',
        'sentAt',
      ]);
    });

    it('keys with + / = work URL-encoded; an unknown key is 404 in the envelope', async () => {
      const key = await send.group(ACME.smallGroup);
      assert.equal((await v1('GET', `/messages/${encodeURIComponent(key)}`)).body.processQueryKey, key);
      for (const unknown of ['abc+def/ghi==', 'x', key.replace(/\+/g, ' ')]) {
        const answer = await v1('GET', messagePath(unknown));
        assert.equal(answer.status, 404, unknown);
        assert.equal(answer.body.code, 'object.notFound');
        assert.deepEqual(Object.keys(answer.body).sort(), ['code', 'message', 'requestid']);
      }
      // In a path (unlike a query string) a + is a plain character: left unencoded it still works.
      const plus = await v1('GET', `/messages/${key.replace(/\//g, '%2F').replace(/=/g, '%3D')}`);
      assert.equal(plus.status, 200);
      assert.equal(plus.body.processQueryKey, key);
    });
  });

  describe('GET /messages', () => {
    let keys: { g1: string; oto: string; pair: string; g2: string; globex: string; lone: string };
    beforeEach(async () => {
      const g1 = await send.group(ACME.smallGroup);
      const oto = await send.oto(['u0001']);
      const pair = await send.privateChat(ACME.pair, ACME.coolAppCode);
      const lone = await send.oto(['u0002'], ACME.loneRobot);
      const globex = await (await sender(server, GLOBEX.appKey, GLOBEX.appSecret)).group(GLOBEX.group, 'g', GLOBEX.robot);
      const g2 = await send.group(ACME.smallGroup);
      keys = { g1, oto, pair, g2, globex, lone };
    });

    const list = async (query: string) => {
      const answer = await v1('GET', `/messages${query}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body as { items: Summary[]; nextCursor?: string; total?: number };
    };
    const keysOf = (page: { items: Summary[] }) => page.items.map((item) => item.processQueryKey);

    it('lists newest first, as summaries without recipients', async () => {
      const page = await list('');
      assert.deepEqual(keysOf(page), [keys.g2, keys.globex, keys.lone, keys.pair, keys.oto, keys.g1]);
      assert.equal(page.nextCursor, undefined);
      const first = page.items[0] as Summary & { recipients?: unknown };
      assert.ok(!('recipients' in first));
      assert.deepEqual(Object.keys(first).sort(), [
        'corpId',
        'deliveredAt',
        'kind',
        'msgKey',
        'msgParam',
        'openConversationId',
        'processQueryKey',
        'queryableUntil',
        'readCount',
        'recipientCount',
        'robotCode',
        'sendStatus',
        'sentAt',
      ]);
    });

    it('filters by corpId, openConversationId and robotCode, together or alone', async () => {
      const q = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`;
      assert.deepEqual(keysOf(await list(q({ corpId: ACME.corpId }))), [keys.g2, keys.lone, keys.pair, keys.oto, keys.g1]);
      assert.deepEqual(keysOf(await list(q({ corpId: GLOBEX.corpId }))), [keys.globex]);
      assert.deepEqual(keysOf(await list(q({ openConversationId: ACME.smallGroup }))), [keys.g2, keys.g1]);
      assert.deepEqual(keysOf(await list(q({ robotCode: ACME.loneRobot }))), [keys.lone]);
      assert.deepEqual(keysOf(await list(q({ corpId: ACME.corpId, robotCode: ACME.robot }))), [keys.g2, keys.pair, keys.oto, keys.g1]);
      assert.deepEqual(keysOf(await list(q({ corpId: GLOBEX.corpId, openConversationId: ACME.smallGroup }))), []);
      assert.deepEqual(await list(q({ corpId: 'dingnobody' })), { items: [] });
      assert.deepEqual(await list(q({ robotCode: 'nobot' })), { items: [] });
      assert.deepEqual(await list(q({ openConversationId: 'cidNone==' })), { items: [] });
    });

    it('filters by send status, query window and text, with a total on every page', async () => {
      const q = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`;
      await send.recallGroup(ACME.smallGroup, keys.g1);
      server.clock.advance(86_400_000);
      const late = await (await sender(server)).group(ACME.smallGroup, 'Late news: the Build is green');
      assert.deepEqual(keysOf(await list(q({ sendStatus: 'RECALLED' }))), [keys.g1]);
      assert.deepEqual(keysOf(await list(q({ sendStatus: 'SUCCESS', corpId: ACME.corpId }))), [late, keys.g2, keys.lone, keys.pair, keys.oto]);
      assert.deepEqual(keysOf(await list(q({ window: 'open' }))), [late]);
      assert.deepEqual(keysOf(await list(q({ window: 'closed', robotCode: ACME.loneRobot }))), [keys.lone]);
      assert.deepEqual(keysOf(await list(q({ text: 'build IS' }))), [late]);
      assert.deepEqual(keysOf(await list(q({ text: 'pair' }))), [keys.pair]);
      assert.deepEqual(await list(q({ sendStatus: 'PROCESSING', total: 'true' })), { items: [], total: 0 });
      const first = await list(q({ corpId: ACME.corpId, total: 'true', limit: '2' }));
      assert.equal(first.total, 6);
      assert.equal(first.items.length, 2);
      const rest = await list(q({ corpId: ACME.corpId, total: 'true', limit: '5', cursor: first.nextCursor as string }));
      assert.equal(rest.total, 6, 'the total counts every page, not what is left');
      assert.equal(rest.items.length, 4);
      assert.equal((await list(q({ total: 'true', text: 'green' }))).total, 1);
      assert.deepEqual(await list(q({ corpId: 'dingnobody', total: 'true' })), { items: [], total: 0 });
      for (const bad of [{ sendStatus: 'DONE' }, { window: 'ajar' }, { text: 'x'.repeat(201) }, { total: 'yes' }]) {
        const answer = await v1('GET', `/messages${q(bad)}`);
        assert.equal(answer.status, 400, JSON.stringify(bad));
        assert.equal(answer.body.code, 'invalidParameter.param.invalid');
      }
    });

    it('pages with limit and cursor, every message once', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.ok(page.items.length <= 2);
        seen.push(...keysOf(page));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      assert.equal(pages, 3);
      assert.deepEqual(seen, [keys.g2, keys.globex, keys.lone, keys.pair, keys.oto, keys.g1]);
      // The cursor keeps working with the same filter.
      const firstAcme = await list(`?corpId=${ACME.corpId}&limit=4`);
      assert.ok(firstAcme.nextCursor);
      const rest = await list(`?corpId=${ACME.corpId}&limit=4&cursor=${encodeURIComponent(firstAcme.nextCursor)}`);
      assert.deepEqual(keysOf(rest), [keys.g1]);
      assert.equal(rest.nextCursor, undefined);
      // Exactly limit messages left: no cursor to an empty page.
      const six = await list('?limit=6');
      assert.equal(six.items.length, 6);
      assert.equal(six.nextCursor, undefined);
    });

    it('summaries carry read counts and recall state', async () => {
      await server.admin('POST', '/reads', { reads: [{ processQueryKey: keys.g1, userId: 'u0004' }] });
      await send.recallGroup(ACME.smallGroup, keys.g2);
      const page = await list(`?openConversationId=${encodeURIComponent(ACME.smallGroup)}`);
      const [g2, g1] = page.items;
      assert.equal(g1?.readCount, 1);
      assert.equal(g1?.sendStatus, 'SUCCESS');
      assert.equal(g2?.sendStatus, 'RECALLED');
      assert.equal(g2?.recalledAt, T0);
    });

    it('refuses a bad limit or cursor with 400', async () => {
      for (const query of ['?limit=0', '?limit=501', '?limit=abc', '?limit=-1', '?limit=2.5', '?cursor=bm9wZQ', '?cursor=%%%', '?nope=1', `?cursor=${'A'.repeat(65)}`]) {
        const answer = await v1('GET', `/messages${query}`);
        assert.equal(answer.status, 400, `${query}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.code, 'invalidParameter.param.invalid');
      }
      assert.equal((await list('?limit=500')).items.length, 6);
    });
  });

  describe('clock', () => {
    it('runs on system time until set, then stands still', async () => {
      server.clock.useSystem();
      const system = await server.admin<{ nowMs: number; mode: string }>('GET', '/clock');
      assert.equal(system.mode, 'system');
      assert.ok(Math.abs(system.nowMs - Date.now()) < 5000);

      const set = await server.admin('POST', '/clock', { nowMs: T0 });
      assert.deepEqual(set, { nowMs: T0, mode: 'manual' });
      await new Promise((resolve) => setTimeout(resolve, 25));
      assert.deepEqual(await server.admin('GET', '/clock'), { nowMs: T0, mode: 'manual' });
      assert.deepEqual(await server.admin('POST', '/clock', { advanceMs: 86_400_000 }), { nowMs: T0 + 86_400_000, mode: 'manual' });
      assert.deepEqual(await server.admin('POST', '/clock', { advanceMs: -400_000 }), { nowMs: T0 + 86_000_000, mode: 'manual' });
      send = await sender(server); // the token from before has expired by now
      // Sends and default read times take the server's time.
      const key = await send.group(ACME.smallGroup);
      await server.admin('POST', '/reads', { reads: [{ processQueryKey: key, userId: 'u0001' }] });
      const detail = (await v1('GET', messagePath(key))).body;
      assert.equal(detail.sentAt, T0 + 86_000_000);
      assert.equal(detail.recipients[0].readAt, T0 + 86_000_000);

      const back = await server.admin<{ nowMs: number; mode: string }>('POST', '/clock', { mode: 'system' });
      assert.equal(back.mode, 'system');
      assert.ok(Math.abs(back.nowMs - Date.now()) < 5000);
    });

    it('advancing a running clock stops it', async () => {
      server.clock.useSystem();
      const moved = await server.admin<{ nowMs: number; mode: string }>('POST', '/clock', { advanceMs: 3_600_000 });
      assert.equal(moved.mode, 'manual');
      assert.ok(Math.abs(moved.nowMs - (Date.now() + 3_600_000)) < 5000);
      await new Promise((resolve) => setTimeout(resolve, 25));
      assert.equal((await server.admin<{ nowMs: number }>('GET', '/clock')).nowMs, moved.nowMs);
    });

    it('refuses bodies that are not one of the three forms', async () => {
      for (const body of [{}, { advanceMs: '5' }, { nowMs: -1 }, { mode: 'manual' }, { nowMs: 1, advanceMs: 1 }, { advanceMs: 1.5 }]) {
        const answer = await v1('POST', '/clock', body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.code, 'invalidParameter.param.invalid');
      }
      assert.deepEqual(await server.admin('GET', '/clock'), { nowMs: T0, mode: 'manual' });
      // Moving the clock out of the range a Date can hold is refused too, and moves nothing.
      for (const body of [{ advanceMs: -(T0 + 1) }, { advanceMs: 8.64e15 }]) {
        const answer = await v1('POST', '/clock', body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.match(answer.body.message, /the clock must stay between 0 and/);
      }
      assert.deepEqual(await server.admin('GET', '/clock'), { nowMs: T0, mode: 'manual' });
    });
  });
});

describe('control plane: delivery delay', () => {
  it('a message is PROCESSING until delivered, by the server clock', async () => {
    const server = await startTestServer({ core: { deliveryDelayMs: 5000 } });
    try {
      server.clock.set(T0);
      const key = await (await sender(server)).group(ACME.smallGroup);
      const status = async () => (await server.admin<Summary>('GET', messagePath(key))).sendStatus;
      assert.equal(await status(), 'PROCESSING');
      await server.admin('POST', '/clock', { advanceMs: 4999 });
      assert.equal(await status(), 'PROCESSING');
      await server.admin('POST', '/clock', { advanceMs: 1 });
      assert.equal(await status(), 'SUCCESS');
    } finally {
      await server.close();
    }
  });
});

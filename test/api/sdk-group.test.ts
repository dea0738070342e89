/**
 * Group messages through the official SDK: orgGroupSend, orgGroupQuery (with its nextToken
 * pagination) and orgGroupRecall, and recipients fixed at send time.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ACME, ACME_USERS, SMALL_GROUP_MEMBERS } from '../helpers/fixtures.js';
import { call, forEachStore } from '../helpers/server.js';
import { defined, expectError, read, startHarness, text, type Harness } from './sdk-conformance.js';

const BIG = { robotCode: ACME.robot, openConversationId: ACME.bigGroup } as const;
const SMALL = { robotCode: ACME.robot, openConversationId: ACME.smallGroup } as const;

/** A fixed shuffle, so that reads are recorded out of userId order. */
function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const ascending = (ids: readonly string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function assertStrictlyAscending(ids: readonly string[]): void {
  for (let i = 1; i < ids.length; i++) {
    assert.ok((ids[i - 1] as string) < (ids[i] as string), `not ascending at ${i}: ${ids[i - 1]} then ${ids[i]}`);
  }
}

forEachStore('SDK group messages', (store) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(store);
  });
  after(() => h.close());

  it('orgGroupSend delivers to the members; orgGroupQuery lists readers in userId order', async () => {
    const sent = await h.acme.sendGroup({ ...SMALL, ...text('team') });
    const key = defined(sent.processQueryKey);
    assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(Object.keys(sent).filter((k) => (sent as Record<string, unknown>)[k] !== undefined), ['processQueryKey']);
    const message = await h.server.admin<{ kind: string; recipients: Array<{ userId: string }> }>(
      'GET',
      `/messages/${encodeURIComponent(key)}`,
    );
    assert.equal(message.kind, 'group');
    assert.deepEqual(
      message.recipients.map((r) => r.userId),
      SMALL_GROUP_MEMBERS,
    );

    const empty = await h.acme.queryGroup({ ...SMALL, processQueryKey: key });
    assert.equal(empty.sendStatus, 'SUCCESS');
    assert.deepEqual(empty.readUserIds, []);
    assert.equal(empty.hasMore, false);
    assert.equal(empty.nextToken, undefined);

    const outcome = await read(h.server, key, ['u0004', 'u0002', 'u0300']);
    assert.equal(outcome.accepted, 2);
    assert.deepEqual(outcome.ignored, [{ index: 2, reason: 'user.notRecipient' }]);
    const opened = await h.server.admin<{ marked: number }>(
      'POST',
      `/conversations/${encodeURIComponent(ACME.smallGroup)}/read`,
      { userId: 'u0001' },
    );
    assert.equal(opened.marked, 1);
    const page = await h.acme.queryGroup({ ...SMALL, processQueryKey: key });
    assert.deepEqual(page.readUserIds, ['u0001', 'u0002', 'u0004']);
    assert.equal(page.hasMore, false);
    assert.equal(page.nextToken, undefined);
  });

  it('orgGroupRecall recalls its keys, fails others one by one, then queries say RECALLED', async () => {
    const key = await h.acme.groupKey();
    const keep = await h.acme.groupKey();
    const otherGroup = await h.acme.groupKey(ACME.bigGroup);
    const otoKey = await h.acme.otoKey(['u0001']);
    const unknown = 'Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy+w==';
    await read(h.server, key, ['u0003']);

    const result = await h.acme.recallGroup({ ...SMALL, processQueryKeys: [key, otherGroup, otoKey, unknown] });
    assert.deepEqual(result.successResult, [key]);
    assert.deepEqual(result.failedResult, {
      [otherGroup]: 'invalid.processQueryKey',
      [otoKey]: 'invalid.processQueryKey',
      [unknown]: 'invalid.processQueryKey',
    });

    const recalled = await h.acme.queryGroup({ ...SMALL, processQueryKey: key });
    assert.equal(recalled.sendStatus, 'RECALLED');
    assert.deepEqual(recalled.readUserIds, ['u0003']);
    assert.deepEqual(await read(h.server, key, ['u0004']), { accepted: 0, ignored: [{ index: 0, reason: 'message.recalled' }] });
    const opened = await h.server.admin<{ marked: number }>(
      'POST',
      `/conversations/${encodeURIComponent(ACME.smallGroup)}/read`,
      { userId: 'u0005' },
    );
    const afterOpen = await h.acme.queryGroup({ ...SMALL, processQueryKey: key });
    assert.deepEqual(afterOpen.readUserIds, ['u0003'], 'opening the chat does not read a recalled message');
    // Waiting for u0005: the first test's message and `keep`; the recalled one does not count.
    assert.equal(opened.marked, 2);
    assert.deepEqual((await h.acme.queryGroup({ ...SMALL, processQueryKey: keep })).readUserIds, ['u0005']);
    assert.equal((await h.acme.queryGroup({ ...BIG, processQueryKey: otherGroup })).sendStatus, 'SUCCESS');
  });

  it('orgGroupSend through the robot\'s token field alone is invalidParameter.invalid', async () => {
    await expectError(
      () => h.acme.sendGroup({ openConversationId: ACME.smallGroup, token: 'legacy-template-token', ...text('x') }),
      'invalidParameter.invalid',
    );
  });
});

forEachStore('SDK group pagination', (store) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(store);
  });
  after(() => h.close());

  /** Walks every page, checking the page contract on the way. */
  async function walk(key: string, maxResults?: number, between?: (page: number) => Promise<void>) {
    const pages: string[][] = [];
    let nextToken: string | undefined;
    for (let guard = 0; guard < 1000; guard++) {
      const page = await h.acme.queryGroup({
        ...BIG,
        processQueryKey: key,
        ...(maxResults === undefined ? {} : { maxResults }),
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      assert.equal(page.sendStatus, 'SUCCESS');
      const ids = defined(page.readUserIds);
      pages.push(ids);
      if (!page.hasMore) {
        assert.equal(page.nextToken, undefined, 'no nextToken on the last page');
        return pages;
      }
      assert.equal(ids.length, maxResults ?? 200, 'a page with more after it is full');
      nextToken = defined(page.nextToken, 'nextToken while hasMore');
      if (between) await between(pages.length);
    }
    throw new Error('the walk did not end');
  }

  it('walks 300 readers of 450 as 200 + 100, in ascending userId order', async () => {
    const key = await h.acme.groupKey(ACME.bigGroup);
    const readers = ACME_USERS.filter((_, i) => i % 3 !== 2);
    assert.equal(readers.length, 300);
    const outcome = await read(h.server, key, shuffled(readers));
    assert.deepEqual(outcome, { accepted: 300, ignored: [] });

    const first = await h.acme.queryGroup({ ...BIG, processQueryKey: key, maxResults: 200 });
    assert.equal(first.hasMore, true);
    assert.equal(first.readUserIds?.length, 200);
    const nextToken = defined(first.nextToken);
    const second = await h.acme.queryGroup({ ...BIG, processQueryKey: key, maxResults: 200, nextToken });
    assert.equal(second.hasMore, false);
    assert.equal(second.readUserIds?.length, 100);
    assert.equal(second.nextToken, undefined);
    const union = [...defined(first.readUserIds), ...defined(second.readUserIds)];
    assert.deepEqual(union, ascending(readers));
    assertStrictlyAscending(union);

    // On the wire the last page has no nextToken key at all, and the first page's is a string.
    const raw = await call(h.server.url, 'POST', '/v1.0/robot/groupMessages/query', {
      token: defined(h.acme.token),
      body: { ...BIG, processQueryKey: key, maxResults: 200, nextToken },
    });
    assert.equal(raw.status, 200);
    assert.deepEqual(Object.keys(raw.body).sort(), ['hasMore', 'readUserIds', 'sendStatus']);

    // Without maxResults the page size is 200 too; the same walk with the helper agrees.
    assert.deepEqual(
      (await walk(key)).map((p) => p.length),
      [200, 100],
    );
    // An exact multiple of the page size ends with hasMore false, not with an empty page.
    assert.deepEqual(
      (await walk(key, 100)).map((p) => p.length),
      [100, 100, 100],
    );
    const small = await walk(key, 7);
    assert.deepEqual(small.flat(), ascending(readers));
    assert.equal(small.length, Math.ceil(300 / 7));
  });

  it('reads arriving mid-walk never repeat a user nor drop one who had read before the walk', async () => {
    const key = await h.acme.groupKey(ACME.bigGroup);
    const before = ACME_USERS.filter((_, i) => i % 2 === 0);
    const late = shuffled(ACME_USERS.filter((_, i) => i % 2 === 1), 11);
    await read(h.server, key, shuffled(before, 3));
    const added = new Set<string>();
    const pages = await walk(key, 50, async (page) => {
      // New readers everywhere: behind the cursor, ahead of it, and right next to it.
      const batch = late.splice(0, 12);
      await read(h.server, key, batch);
      batch.forEach((u) => added.add(u));
      // A user opening the group counts as a read too.
      const opener = late.pop();
      if (opener) {
        const opened = await h.server.admin<{ marked: number }>(
          'POST',
          `/conversations/${encodeURIComponent(ACME.bigGroup)}/read`,
          { userId: opener },
        );
        assert.ok(opened.marked >= 1, `page ${page}: ${opener} had this message unread`);
        added.add(opener);
      }
      // And repeated reads of people already read change nothing.
      await read(h.server, key, before.slice(0, 5));
    });
    const seen = pages.flat();
    assert.equal(new Set(seen).size, seen.length, 'no user twice');
    assertStrictlyAscending(seen);
    const seenSet = new Set(seen);
    for (const user of before) assert.ok(seenSet.has(user), `${user} read before the walk and was dropped`);
    for (const user of seen) assert.ok(before.includes(user) || added.has(user), `${user} never read`);
    assert.ok(seen.length > before.length, 'some of the mid-walk readers ahead of the cursor show up');
  });

  it('answers invalidParameter.cursor.invalid to a changed, foreign or made-up nextToken', async () => {
    const key = await h.acme.groupKey(ACME.bigGroup);
    const other = await h.acme.groupKey(ACME.bigGroup);
    await read(h.server, key, ACME_USERS.slice(0, 10));
    await read(h.server, other, ACME_USERS.slice(0, 10));
    const token = defined((await h.acme.queryGroup({ ...BIG, processQueryKey: key, maxResults: 3 })).nextToken);
    const foreign = defined((await h.acme.queryGroup({ ...BIG, processQueryKey: other, maxResults: 3 })).nextToken);
    const query = (nextToken: string) => () => h.acme.queryGroup({ ...BIG, processQueryKey: key, maxResults: 3, nextToken });

    // The genuine token works: the next three.
    assert.deepEqual((await h.acme.queryGroup({ ...BIG, processQueryKey: key, maxResults: 3, nextToken: token })).readUserIds, ACME_USERS.slice(3, 6));
    // Every single-character change is refused.
    for (let i = 0; i < token.length; i++) {
      const replacement = token[i] === 'A' ? 'B' : 'A';
      const changed = token.slice(0, i) + replacement + token.slice(i + 1);
      await expectError(query(changed), 'invalidParameter.cursor.invalid');
    }
    // A token of another message, valid there, is refused here.
    await expectError(query(foreign), 'invalidParameter.cursor.invalid');
    assert.equal((await h.acme.queryGroup({ ...BIG, processQueryKey: other, maxResults: 3, nextToken: foreign })).readUserIds?.length, 3);
    for (const garbage of ['garbage', '50', 'u0003', '====', token.slice(0, -4), `${token}AAAA`, 'x'.repeat(2048)]) {
      await expectError(query(garbage), 'invalidParameter.cursor.invalid');
    }
    // Nor does it page a private-chat message.
    const pairKey = await h.acme.privateKey();
    await read(h.server, pairKey, ['u0001', 'u0002']);
    await expectError(
      () =>
        h.acme.queryPrivate({
          robotCode: ACME.robot,
          openConversationId: ACME.pair,
          processQueryKey: pairKey,
          maxResults: 1,
          nextToken: token,
        }),
      'invalidParameter.cursor.invalid',
    );
  });

  it('answers invalidParameter.pageSize.invalid outside 1..200', async () => {
    const key = await h.acme.groupKey(ACME.bigGroup);
    for (const maxResults of [0, -1, 201, 100_000]) {
      await expectError(() => h.acme.queryGroup({ ...BIG, processQueryKey: key, maxResults }), 'invalidParameter.pageSize.invalid');
    }
    for (const maxResults of [1, 200]) {
      assert.equal((await h.acme.queryGroup({ ...BIG, processQueryKey: key, maxResults })).hasMore, false);
    }
  });
});

forEachStore('SDK group recipients are fixed at send time', (store) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(store);
  });
  after(() => h.close());

  const setMembers = (members: string[]) =>
    h.server.admin('POST', '/fixtures', {
      orgs: [{ corpId: ACME.corpId, conversations: [{ openConversationId: ACME.smallGroup, type: 'group', members }] }],
    });
  const recipientsOf = async (key: string) =>
    (
      await h.server.admin<{ recipientCount: number; recipients: Array<{ userId: string }> }>(
        'GET',
        `/messages/${encodeURIComponent(key)}`,
      )
    ).recipients.map((r) => r.userId);

  it('a member who joins later cannot read an earlier message; one who left still can', async () => {
    const before = await h.acme.groupKey();
    // u0005 leaves, u0006 joins.
    await setMembers(['u0001', 'u0002', 'u0003', 'u0004', 'u0006']);
    const afterChange = await h.acme.groupKey();
    assert.deepEqual(await recipientsOf(before), SMALL_GROUP_MEMBERS);
    assert.deepEqual(await recipientsOf(afterChange), ['u0001', 'u0002', 'u0003', 'u0004', 'u0006']);

    assert.deepEqual(await read(h.server, before, ['u0006', 'u0005']), {
      accepted: 1,
      ignored: [{ index: 0, reason: 'user.notRecipient' }],
    });
    assert.deepEqual(await read(h.server, afterChange, ['u0005', 'u0006']), {
      accepted: 1,
      ignored: [{ index: 0, reason: 'user.notRecipient' }],
    });
    assert.deepEqual((await h.acme.queryGroup({ ...SMALL, processQueryKey: before })).readUserIds, ['u0005']);
    assert.deepEqual((await h.acme.queryGroup({ ...SMALL, processQueryKey: afterChange })).readUserIds, ['u0006']);

    // Opening the group: the newcomer's open does not reach the earlier message.
    const third = await h.acme.groupKey();
    const opened = await h.server.admin<{ marked: number }>(
      'POST',
      `/conversations/${encodeURIComponent(ACME.smallGroup)}/read`,
      { userId: 'u0006' },
    );
    assert.equal(opened.marked, 1, 'only the message sent after u0006 joined');
    assert.deepEqual((await h.acme.queryGroup({ ...SMALL, processQueryKey: before })).readUserIds, ['u0005']);
    assert.deepEqual((await h.acme.queryGroup({ ...SMALL, processQueryKey: third })).readUserIds, ['u0006']);
  });

  it('leaving and joining again: only messages sent while a member can be read', async () => {
    await setMembers(['u0001', 'u0002', 'u0003']);
    const inFirst = await h.acme.groupKey();
    await setMembers(['u0001', 'u0002']);
    const whileAway = await h.acme.groupKey();
    await setMembers(['u0001', 'u0002', 'u0003']);
    const back = await h.acme.groupKey();
    assert.deepEqual(await read(h.server, inFirst, ['u0003']), { accepted: 1, ignored: [] });
    assert.deepEqual(await read(h.server, whileAway, ['u0003']), {
      accepted: 0,
      ignored: [{ index: 0, reason: 'user.notRecipient' }],
    });
    assert.deepEqual(await read(h.server, back, ['u0003']), { accepted: 1, ignored: [] });
    assert.deepEqual((await h.acme.queryGroup({ ...SMALL, processQueryKey: whileAway })).readUserIds, []);
    assert.deepEqual(await recipientsOf(whileAway), ['u0001', 'u0002']);
  });
});

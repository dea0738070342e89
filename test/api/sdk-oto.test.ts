/**
 * One-on-one robot messages through the official SDK: batchSendOTO, batchOTOQuery (readStatus)
 * and batchRecallOTO.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ACME } from '../helpers/fixtures.js';
import { call, forEachStore } from '../helpers/server.js';
import { defined, read, startHarness, text, type Harness } from './sdk-conformance.js';

interface Inspected {
  kind: string;
  robotCode: string;
  sendStatus: string;
  recipientCount: number;
  readCount: number;
  recalledAt?: number;
  recipients: Array<{ userId: string; name: string; readAt: number | null }>;
}

const inspect = (h: Harness, key: string) => h.server.admin<Inspected>('GET', `/messages/${encodeURIComponent(key)}`);

forEachStore('SDK oto messages', (store) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(store);
  });
  after(() => h.close());

  it('batchSendOTO reports unknown userIds, drops repeats and flow-controls no one', async () => {
    const body = await h.acme.sendOto({
      robotCode: ACME.robot,
      userIds: ['u0003', 'nobody', 'u0001', 'u0003', 'ghost', 'nobody', 'g001'],
      ...text('hello'),
    });
    const key = defined(body.processQueryKey);
    // g001 is a user of Globex, not of Acme.
    assert.deepEqual(body.invalidStaffIdList, ['nobody', 'ghost', 'g001']);
    assert.deepEqual(body.flowControlledStaffIdList, []);
    assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
    assert.ok(key.includes('+'), 'every key holds a + so that unencoded clients fail');
    const message = await inspect(h, key);
    assert.equal(message.kind, 'oto');
    assert.equal(message.robotCode, ACME.robot);
    assert.equal(message.recipientCount, 2);
    assert.deepEqual(
      message.recipients.map((r) => r.userId),
      ['u0003', 'u0001'],
    );
  });

  it('batchSendOTO with only valid users answers empty lists, and each send has a new key', async () => {
    const first = await h.acme.sendOto({ robotCode: ACME.robot, userIds: ['u0001'], ...text('a') });
    const second = await h.acme.sendOto({ robotCode: ACME.robot, userIds: ['u0001'], ...text('a') });
    assert.deepEqual(first.invalidStaffIdList, []);
    assert.deepEqual(first.flowControlledStaffIdList, []);
    assert.notEqual(first.processQueryKey, second.processQueryKey);
  });

  it('batchSendOTO takes exactly 20 users', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `u${String(i + 101).padStart(4, '0')}`);
    const body = await h.acme.sendOto({ robotCode: ACME.robot, userIds: users, ...text('twenty') });
    assert.deepEqual(body.invalidStaffIdList, []);
    const page = await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: body.processQueryKey });
    assert.deepEqual(
      page.messageReadInfoList?.map((info) => info.userId),
      users,
    );
  });

  it('batchOTOQuery lists every recipient in send order with name, status and readTimestamp on READ only', async () => {
    const userIds = ['u0009', 'u0002', 'u0400', 'u0005'];
    const key = await h.acme.otoKey(userIds);
    const before = await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: key });
    assert.equal(before.sendStatus, 'SUCCESS');
    assert.deepEqual(
      before.messageReadInfoList?.map((i) => [i.userId, i.name, i.readStatus, i.readTimestamp]),
      userIds.map((u) => [u, `User ${u}`, 'UNREAD', undefined]),
    );

    const at = 1_732_000_000_000;
    const outcome = await read(h.server, key, ['u0400', 'u0002'], at);
    assert.deepEqual(outcome, { accepted: 2, ignored: [] });
    // A repeated read keeps the first time.
    await read(h.server, key, ['u0400'], at + 5000);
    const after = await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: key });
    assert.equal(after.sendStatus, 'SUCCESS');
    assert.deepEqual(
      after.messageReadInfoList?.map((i) => [i.userId, i.readStatus, i.readTimestamp]),
      [
        ['u0009', 'UNREAD', undefined],
        ['u0002', 'READ', at],
        ['u0400', 'READ', at],
        ['u0005', 'UNREAD', undefined],
      ],
    );

    // On the wire, UNREAD entries carry no readTimestamp key at all.
    const raw = await call(
      h.server.url,
      'GET',
      `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=${encodeURIComponent(key)}`,
      { token: defined(h.acme.token) },
    );
    assert.equal(raw.status, 200);
    assert.deepEqual(Object.keys(raw.body).sort(), ['messageReadInfoList', 'sendStatus']);
    assert.deepEqual(raw.body.messageReadInfoList[0], { name: 'User u0009', userId: 'u0009', readStatus: 'UNREAD' });
    assert.deepEqual(raw.body.messageReadInfoList[1], {
      name: 'User u0002',
      userId: 'u0002',
      readStatus: 'READ',
      readTimestamp: at,
    });
  });

  it('a read by someone who was not sent the message is ignored', async () => {
    const key = await h.acme.otoKey(['u0011']);
    const outcome = await read(h.server, key, ['u0012', 'u0011', 'nobody']);
    assert.equal(outcome.accepted, 1);
    assert.deepEqual(outcome.ignored, [
      { index: 0, reason: 'user.notRecipient' },
      { index: 2, reason: 'user.notRecipient' },
    ]);
    const page = await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: key });
    assert.deepEqual(
      page.messageReadInfoList?.map((i) => [i.userId, i.readStatus]),
      [['u0011', 'READ']],
    );
  });

  it('opening the chat with the robot marks its earlier messages read, and only that robot\'s', async () => {
    const first = await h.acme.otoKey(['u0020', 'u0021']);
    const second = await h.acme.otoKey(['u0020']);
    const otherRobot = await h.acmeOther.otoKey(['u0020'], ACME.ownedRobot);
    const openedAt = 1_732_000_123_000;
    const opened = await h.server.admin<{ marked: number }>('POST', `/robots/${ACME.robot}/chats/u0020/read`, {
      readAt: openedAt,
    });
    assert.equal(opened.marked, 2);
    const later = await h.acme.otoKey(['u0020']);

    const status = async (key: string, robotCode: string = ACME.robot, api = h.acme) =>
      (await api.queryOto({ robotCode, processQueryKey: key })).messageReadInfoList?.map((i) => [
        i.userId,
        i.readStatus,
        i.readTimestamp,
      ]);
    assert.deepEqual(await status(first), [
      ['u0020', 'READ', openedAt],
      ['u0021', 'UNREAD', undefined],
    ]);
    assert.deepEqual(await status(second), [['u0020', 'READ', openedAt]]);
    assert.deepEqual(await status(later), [['u0020', 'UNREAD', undefined]], 'sent after the chat was opened');
    assert.deepEqual(await status(otherRobot, ACME.ownedRobot, h.acmeOther), [['u0020', 'UNREAD', undefined]]);
    // Opening again marks only what is new.
    const again = await h.server.admin<{ marked: number }>('POST', `/robots/${ACME.robot}/chats/u0020/read`, {});
    assert.equal(again.marked, 1);
    assert.deepEqual((await status(later))?.[0]?.slice(0, 2), ['u0020', 'READ']);
  });

  it('an explicit read before opening the chat keeps its own, earlier time', async () => {
    const key = await h.acme.otoKey(['u0030']);
    await read(h.server, key, ['u0030'], 1_000_000);
    const opened = await h.server.admin<{ marked: number }>('POST', `/robots/${ACME.robot}/chats/u0030/read`, {
      readAt: 2_000_000,
    });
    assert.equal(opened.marked, 0);
    const page = await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: key });
    assert.equal(page.messageReadInfoList?.[0]?.readTimestamp, 1_000_000);
  });

  it('batchRecallOTO recalls its own keys and fails unknown, other-robot and other-kind keys one by one', async () => {
    const mine = await h.acme.otoKey(['u0040', 'u0041']);
    const mineToo = await h.acme.otoKey(['u0042']);
    const otherRobot = await h.acmeOther.otoKey(['u0040'], ACME.ownedRobot);
    const groupKey = await h.acme.groupKey();
    await read(h.server, mine, ['u0040'], 5_000);
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+=';

    const result = await h.acme.recallOto({
      robotCode: ACME.robot,
      processQueryKeys: [mine, unknown, otherRobot, mine, groupKey, mineToo],
    });
    assert.deepEqual(result.successResult, [mine, mineToo]);
    assert.deepEqual(result.failedResult, {
      [unknown]: 'invalid.processQueryKey',
      [otherRobot]: 'invalid.processQueryKey',
      [groupKey]: 'invalid.processQueryKey',
    });

    const after = await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: mine });
    assert.equal(after.sendStatus, 'RECALLED');
    assert.deepEqual(
      after.messageReadInfoList?.map((i) => [i.userId, i.readStatus]),
      [
        ['u0040', 'READ'],
        ['u0041', 'UNREAD'],
      ],
    );
    // Later reads, and later opens of the chat, are ignored.
    assert.deepEqual(await read(h.server, mine, ['u0041']), { accepted: 0, ignored: [{ index: 0, reason: 'message.recalled' }] });
    const opened = await h.server.admin<{ marked: number }>('POST', `/robots/${ACME.robot}/chats/u0042/read`, {});
    assert.equal(opened.marked, 0);
    const stillUnread = await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: mineToo });
    assert.deepEqual(
      stillUnread.messageReadInfoList?.map((i) => [i.userId, i.readStatus]),
      [['u0042', 'UNREAD']],
    );
    assert.equal((await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: mine })).messageReadInfoList?.[1]?.readStatus, 'UNREAD');

    // The failed ones are untouched: the other robot's message still reads SUCCESS.
    const other = await h.acmeOther.queryOto({ robotCode: ACME.ownedRobot, processQueryKey: otherRobot });
    assert.equal(other.sendStatus, 'SUCCESS');
    // Recalling again is harmless and keeps the first recall time.
    const firstRecall = (await inspect(h, mine)).recalledAt;
    assert.equal(typeof firstRecall, 'number');
    const again = await h.acme.recallOto({ robotCode: ACME.robot, processQueryKeys: [mine] });
    assert.deepEqual(again.successResult, [mine]);
    assert.deepEqual(again.failedResult, {});
    assert.equal((await inspect(h, mine)).recalledAt, firstRecall);
  });

  it('a stopped robot can still recall, and its one-on-one messages stay queryable', async () => {
    const key = await h.acme.otoKey(['u0050']);
    await h.server.admin('POST', '/fixtures', {
      orgs: [{ corpId: ACME.corpId, robots: [{ robotCode: ACME.robot, name: ACME.robot, status: 'stopped' }] }],
    });
    try {
      const page = await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: key });
      assert.equal(page.sendStatus, 'SUCCESS');
      const recalled = await h.acme.recallOto({ robotCode: ACME.robot, processQueryKeys: [key] });
      assert.deepEqual(recalled.successResult, [key]);
      assert.equal((await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: key })).sendStatus, 'RECALLED');
    } finally {
      await h.server.admin('POST', '/fixtures', {
        orgs: [{ corpId: ACME.corpId, robots: [{ robotCode: ACME.robot, name: ACME.robot, status: 'active' }] }],
      });
    }
  });
});

forEachStore('SDK oto readStatus without readTimestamp (server option)', (store) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(store, { core: { readTimestamp: false } });
  });
  after(() => h.close());

  it('omits readTimestamp from READ entries, mirroring DingTalk exactly', async () => {
    const key = await h.acme.otoKey(['u0001', 'u0002']);
    await read(h.server, key, ['u0001'], 1_732_000_000_000);
    const page = await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: key });
    assert.deepEqual(
      page.messageReadInfoList?.map((i) => [i.userId, i.readStatus, i.readTimestamp]),
      [
        ['u0001', 'READ', undefined],
        ['u0002', 'UNREAD', undefined],
      ],
    );
  });
});

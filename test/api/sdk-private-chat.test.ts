/**
 * Person-to-person chat messages through the official SDK: privateChatSend (through the chat's
 * cool app), privateChatQuery and batchRecallPrivateChat.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ACME } from '../helpers/fixtures.js';
import { forEachStore } from '../helpers/server.js';
import { defined, expectError, read, startHarness, text, type Harness } from './sdk-conformance.js';

const PAIR = { robotCode: ACME.robot, openConversationId: ACME.pair } as const;

forEachStore('SDK private chat messages', (store) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(store);
  });
  after(() => h.close());

  it('privateChatSend posts through the cool app to both people; privateChatQuery lists who read', async () => {
    const sent = await h.acme.sendPrivate({ ...PAIR, coolAppCode: ACME.coolAppCode, ...text('psst') });
    const key = defined(sent.processQueryKey);
    assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
    const message = await h.server.admin<{ kind: string; openConversationId: string; recipients: Array<{ userId: string }> }>(
      'GET',
      `/messages/${encodeURIComponent(key)}`,
    );
    assert.equal(message.kind, 'privateChat');
    assert.equal(message.openConversationId, ACME.pair);
    assert.deepEqual(
      message.recipients.map((r) => r.userId),
      ['u0001', 'u0002'],
    );

    const none = await h.acme.queryPrivate({ ...PAIR, processQueryKey: key });
    assert.deepEqual([none.sendStatus, none.readUserIds, none.hasMore, none.nextToken], ['SUCCESS', [], false, undefined]);

    assert.deepEqual(await read(h.server, key, ['u0003', 'u0002']), {
      accepted: 1,
      ignored: [{ index: 0, reason: 'user.notRecipient' }],
    });
    const one = await h.acme.queryPrivate({ ...PAIR, processQueryKey: key });
    assert.deepEqual(one.readUserIds, ['u0002']);

    const opened = await h.server.admin<{ marked: number }>('POST', `/conversations/${encodeURIComponent(ACME.pair)}/read`, {
      userId: 'u0001',
    });
    assert.equal(opened.marked, 1);
    const both = await h.acme.queryPrivate({ ...PAIR, processQueryKey: key });
    assert.deepEqual(both.readUserIds, ['u0001', 'u0002']);
    assert.equal(both.hasMore, false);
  });

  it('privateChatQuery pages with maxResults and nextToken', async () => {
    const key = await h.acme.privateKey();
    await read(h.server, key, ['u0002', 'u0001']);
    const first = await h.acme.queryPrivate({ ...PAIR, processQueryKey: key, maxResults: 1 });
    assert.deepEqual([first.readUserIds, first.hasMore], [['u0001'], true]);
    const second = await h.acme.queryPrivate({
      ...PAIR,
      processQueryKey: key,
      maxResults: 1,
      nextToken: defined(first.nextToken),
    });
    assert.deepEqual([second.readUserIds, second.hasMore, second.nextToken], [['u0002'], false, undefined]);
    const tampered = `${defined(first.nextToken).slice(0, -3)}${first.nextToken?.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    await expectError(
      () => h.acme.queryPrivate({ ...PAIR, processQueryKey: key, maxResults: 1, nextToken: tampered }),
      'invalidParameter.cursor.invalid',
    );
    await expectError(
      () => h.acme.queryPrivate({ ...PAIR, processQueryKey: key, maxResults: 201 }),
      'invalidParameter.pageSize.invalid',
    );
  });

  it('batchRecallPrivateChat recalls its keys, fails others, then the query says RECALLED', async () => {
    const key = await h.acme.privateKey();
    const keep = await h.acme.privateKey();
    const groupKey = await h.acme.groupKey();
    const otoKey = await h.acme.otoKey(['u0001']);
    await read(h.server, key, ['u0001']);
    const result = await h.acme.recallPrivate({ ...PAIR, processQueryKeys: [key, groupKey, otoKey, key] });
    assert.deepEqual(result.successResult, [key]);
    assert.deepEqual(result.failedResult, { [groupKey]: 'invalid.processQueryKey', [otoKey]: 'invalid.processQueryKey' });
    const recalled = await h.acme.queryPrivate({ ...PAIR, processQueryKey: key });
    assert.equal(recalled.sendStatus, 'RECALLED');
    assert.deepEqual(recalled.readUserIds, ['u0001']);
    assert.deepEqual(await read(h.server, key, ['u0002']), { accepted: 0, ignored: [{ index: 0, reason: 'message.recalled' }] });
    assert.deepEqual((await h.acme.queryPrivate({ ...PAIR, processQueryKey: key })).readUserIds, ['u0001']);
    assert.equal((await h.acme.queryPrivate({ ...PAIR, processQueryKey: keep })).sendStatus, 'SUCCESS');
    assert.equal((await h.acme.queryGroup({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: groupKey })).sendStatus, 'SUCCESS');
  });

  it('a private chat cannot be used as a group, nor a group as a private chat', async () => {
    await expectError(() => h.acme.sendGroup({ ...PAIR, ...text('x') }), 'invalid.openConversationId');
    await expectError(
      () => h.acme.sendPrivate({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, coolAppCode: ACME.coolAppCode, ...text('x') }),
      'invalid.openConversationId',
    );
    const key = await h.acme.privateKey();
    await expectError(() => h.acme.queryGroup({ ...PAIR, processQueryKey: key }), 'invalid.openConversationId');
    await expectError(
      () => h.acme.recallGroup({ ...PAIR, processQueryKeys: [key] }),
      'invalid.openConversationId',
    );
  });
});

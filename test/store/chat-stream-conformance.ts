/**
 * The contracts of the chats and of Stream mode (src/core/store/chats.ts, src/core/store/stream.ts),
 * checked through the Store alone so that every backend runs the same suite: part of the store
 * conformance suite (conformance.ts calls it for each backend it is given).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type {
  ChatThread,
  ConnectionRecord,
  ConversationPlan as ConversationPlanLike,
  NewDelivery,
  NewMessage,
  NewSessionWebhook,
  NewUserMessage,
  Store,
} from '../../src/core/store.js';
import { groupMessageRecord, type GroupMessageIds } from '../helpers/store-records.js';
import type { StoreFactory } from './conformance.js';

const TOPIC = '/v1.0/im/bot/messages/get';
const SUBSCRIPTIONS = [{ type: 'CALLBACK', topic: TOPIC }];

interface World extends GroupMessageIds {
  robotCode: string;
  group: ChatThread;
  robotChat(userId: string): ChatThread;
}

async function seed(store: Store): Promise<World> {
  await store.applyFixture([
    {
      corpId: 'corp',
      name: 'Corp',
      apps: [
        { appKey: 'app', secretHash: 'h', scopes: ['qyapi_robot_sendmsg'] },
        { appKey: 'app2', secretHash: 'h', scopes: [] },
      ],
      users: ['u1', 'u2', 'u3'].map((userId) => ({ userId, name: userId.toUpperCase() })),
      robots: [{ robotCode: 'bot', name: 'Bot', status: 'active', templateStatus: 'active', ownerAppKey: null }],
      conversations: [
        { openConversationId: 'cidGroup==', type: 'group', title: 'G', coolAppCode: null, members: ['u1', 'u2'], robots: ['bot'] },
      ],
    },
  ]);
  const org = (await store.findOrg('corp')) as { id: number };
  const app = (await store.findApp('app')) as { id: number };
  const robot = (await store.findRobot('bot')) as { id: number };
  const conversation = (await store.findConversation('cidGroup==')) as { id: number };
  return {
    org,
    app,
    robot,
    conversation,
    robotCode: 'bot',
    group: { kind: 'conversation', conversationId: conversation.id },
    robotChat: (userId) => ({ kind: 'robot', robotId: robot.id, userId }),
  };
}

function connection(connectionId: string, nodeId = 'node-a', clientId = 'app'): ConnectionRecord {
  return { connectionId, nodeId, clientId, subscriptions: SUBSCRIPTIONS, ua: 'ua', localIp: '10.0.0.1', remoteAddress: '127.0.0.1', connectedAt: 5 };
}

function delivery(messageId: string, createdAt = 100, clientId = 'app'): NewDelivery {
  return { messageId, clientId, topic: TOPIC, robotCode: 'bot', msgId: `msg-${messageId}`, data: '{"a":1}', createdAt, dueAt: createdAt + 60_000 };
}

function userMessage(w: World, thread: ChatThread, msgId: string, at: number, extra: Partial<NewUserMessage> = {}): NewUserMessage {
  return { orgId: w.org.id, thread, userId: 'u1', msgId, text: `text ${msgId}`, atRobots: [], createdAt: at, now: at, sessions: [], deliveries: [], ...extra };
}

function session(w: World, tokenHash: string, expiresAt: number, conversationId: number | null, userId = 'u1'): NewSessionWebhook {
  return { tokenHash, orgId: w.org.id, robotId: w.robot.id, appId: w.app.id, conversationId, userId, expiresAt };
}

function otoRecord(w: World, processQueryKey: string, userIds: string[], sentAt: number): NewMessage {
  return { ...groupMessageRecord(w, processQueryKey, sentAt), kind: 'oto', conversationId: null, recipients: userIds };
}

export function chatStreamConformance(name: string, makeStore: StoreFactory): void {
  describe(`Chat and Stream store conformance [${name}]`, () => {
    let store: Store;
    let w: World;
    beforeEach(async () => {
      store = await makeStore();
      w = await seed(store);
    });
    afterEach(() => store.close());

    describe('tickets', () => {
      it('are taken once, and expired ones go as new ones are saved', async () => {
        const ticket = { clientId: 'app', subscriptions: SUBSCRIPTIONS, ua: 'ua', localIp: 'ip', expiresAt: 1_000 };
        await store.saveStreamTicket({ ...ticket, ticketHash: 't1' }, 0);
        await store.saveStreamTicket({ ...ticket, ticketHash: 't2', expiresAt: 500 }, 0);
        const [first, second] = await Promise.all([store.takeStreamTicket('t1'), store.takeStreamTicket('t1')]);
        assert.deepEqual([first, second].filter(Boolean), [ticket], 'one of two takers gets it');
        assert.equal(await store.takeStreamTicket('unknown'), undefined);
        // Saving at time 600 drops t2 (expired at 500).
        await store.saveStreamTicket({ ...ticket, ticketHash: 't3' }, 600);
        assert.equal(await store.takeStreamTicket('t2'), undefined);
        assert.equal((await store.takeStreamTicket('t3'))?.clientId, 'app');
      });
    });

    describe('connections', () => {
      it('are registered by client and node, listed oldest first, removed one by one or by node', async () => {
        await store.addStreamConnection({ ...connection('c2'), connectedAt: 9 });
        await store.addStreamConnection(connection('c1'));
        await store.addStreamConnection(connection('c3', 'node-b', 'app2'));
        await store.addStreamConnection(connection('c1')); // a repeat changes nothing
        assert.deepEqual((await store.streamConnections()).map((c) => c.connectionId), ['c1', 'c3', 'c2'], 'by time, then by id');
        assert.deepEqual(await store.streamConnections(['app2']), [connection('c3', 'node-b', 'app2')]);
        assert.deepEqual(await store.streamConnections([]), []);
        assert.equal(await store.removeNodeConnections(['node-a'], 0), 2);
        assert.deepEqual((await store.streamConnections()).map((c) => c.connectionId), ['c3']);
        await store.removeStreamConnection('c3', 0);
        assert.deepEqual(await store.streamConnections(), []);
      });

      it('name the internal apps of an org as the clients of a robot no app owns', async () => {
        assert.deepEqual(await store.orgClientIds(w.org.id), ['app', 'app2']);
      });
    });

    describe('deliveries', () => {
      async function stored(...messageIds: string[]) {
        const { deliveries } = await store.postUserMessage(
          userMessage(w, w.robotChat('u1'), `m-${messageIds.join('-')}`, 100, { deliveries: messageIds.map((id) => delivery(id)) }),
        );
        return deliveries;
      }

      it('are stored with the user message, not pushed yet, due a redelivery delay later', async () => {
        const [d] = await stored('f1');
        assert.ok(d);
        assert.deepEqual({ ...d, id: 0 }, { ...delivery('f1'), id: 0, attempts: 0, connectionId: null });
        assert.deepEqual(await store.unacknowledgedDeliveries(), [d]);
      });

      it('change hands once: a push counted against a stale count fails', async () => {
        const [d] = await stored('f2');
        assert.ok(d);
        await store.addStreamConnection(connection('c1'));
        await store.addStreamConnection(connection('c2'));
        const claims = await Promise.all([
          store.claimDelivery(d.id, 0, 'c1', 200),
          store.claimDelivery(d.id, 0, 'c2', 200),
        ]);
        const won = claims.filter(Boolean);
        assert.equal(won.length, 1, 'of two pushes of the same count, one is recorded');
        assert.equal(won[0]?.attempts, 1);
        assert.equal(won[0]?.dueAt, 200);
        assert.equal(await store.claimDelivery(d.id, 0, 'c1', 300), undefined);
        const holder = won[0]?.connectionId as string;
        assert.deepEqual((await store.unacknowledgedDeliveries([holder])).map((x) => x.id), [d.id]);
        // A failed push: due at once, on no connection.
        await store.releaseDelivery(d.id, holder, 150);
        const [released] = await store.unacknowledgedDeliveries();
        assert.equal(released?.connectionId, null);
        assert.equal(released?.dueAt, 150);
        assert.equal(released?.attempts, 1);
      });

      it('are acknowledged once, by their own client only', async () => {
        const [d] = await stored('f3');
        assert.ok(d);
        assert.equal(await store.acknowledgeDelivery('app2', 'f3'), undefined, 'another client cannot acknowledge it');
        assert.equal((await store.acknowledgeDelivery('app', 'f3'))?.id, d.id);
        assert.equal(await store.acknowledgeDelivery('app', 'f3'), undefined);
        assert.deepEqual(await store.unacknowledgedDeliveries(), []);
      });

      it('fall due by time, by client, and by when they were made; a connection that goes releases its own', async () => {
        const [a, b] = await stored('f4', 'f5');
        assert.ok(a && b);
        await store.addStreamConnection(connection('c1'));
        await store.claimDelivery(a.id, 0, 'c1', 1_000);
        await store.claimDelivery(b.id, 0, 'c1', 2_000);
        assert.deepEqual((await store.dueDeliveries({ now: 999, limit: 10 })).map((x) => x.id), []);
        assert.deepEqual((await store.dueDeliveries({ now: 1_000, limit: 10 })).map((x) => x.id), [a.id]);
        assert.deepEqual((await store.dueDeliveries({ now: 5_000, limit: 1 })).map((x) => x.id), [a.id]);
        assert.deepEqual((await store.dueDeliveries({ now: 5_000, limit: 10, clientIds: ['app2'] })).map((x) => x.id), []);
        assert.deepEqual((await store.dueDeliveries({ now: 5_000, limit: 10, clientIds: [] })).map((x) => x.id), []);
        assert.deepEqual((await store.dueDeliveries({ now: 5_000, limit: 10, createdBefore: 100 })).map((x) => x.id), []);
        assert.deepEqual((await store.dueDeliveries({ now: 5_000, limit: 10, createdBefore: 101 })).map((x) => x.id), [a.id, b.id]);
        assert.equal(await store.removeStreamConnection('c1', 50), 2);
        assert.deepEqual((await store.dueDeliveries({ now: 50, limit: 10 })).map((x) => x.id), [a.id, b.id]);
      });

      it('are given up once, at the count seen', async () => {
        const [d] = await stored('f6');
        assert.ok(d);
        assert.equal(await store.abandonDelivery(d.id, 1), false);
        assert.equal(await store.abandonDelivery(d.id, 0), true);
        assert.equal(await store.abandonDelivery(d.id, null), false);
        const [e] = await stored('f7');
        assert.equal(await store.abandonDelivery((e as { id: number }).id, null), true);
      });

      it('of a node that is gone fall due at once', async () => {
        const [d] = await stored('f8');
        assert.ok(d);
        await store.addStreamConnection(connection('cb', 'node-b'));
        await store.claimDelivery(d.id, 0, 'cb', 90_000);
        await store.removeNodeConnections(['node-b'], 70);
        const [due] = await store.dueDeliveries({ now: 70, limit: 10 });
        assert.equal(due?.id, d.id);
        assert.equal(due?.connectionId, null);
      });
    });

    describe('user messages', () => {
      it('open the chat in the same unit: the user has read every earlier robot message there', async () => {
        const before = await store.insertMessage(groupMessageRecord(w, 'g1', 10));
        const { marked } = await store.postUserMessage(userMessage(w, w.group, 'm1', 20));
        assert.equal(marked, 1);
        assert.deepEqual((await store.readerPage(before.processQueryKey, '', 10))?.readerIds, ['u1']);
        const later = await store.insertMessage(groupMessageRecord(w, 'g2', 30));
        assert.deepEqual((await store.readerPage(later.processQueryKey, '', 10))?.readerIds, [], 'a message sent after it is not read');
        const again = await store.postUserMessage(userMessage(w, w.group, 'm2', 40));
        assert.equal(again.marked, 1);
      });

      it('open the robot chat of their user only', async () => {
        const oto = await store.insertMessage(otoRecord(w, 'o1', ['u1', 'u2'], 10));
        await store.postUserMessage(userMessage(w, w.robotChat('u2'), 'm3', 20, { userId: 'u2' }));
        assert.deepEqual(
          (await store.recipientReads(oto.processQueryKey))?.recipients.map((r) => [r.userId, r.readAt]),
          [
            ['u1', null],
            ['u2', 20],
          ],
        );
      });

      it('know who is a member of a conversation now', async () => {
        assert.equal(await store.isConversationMember(w.conversation.id, 'u1'), true);
        assert.equal(await store.isConversationMember(w.conversation.id, 'u3'), false);
        assert.equal(await store.findCorpId(w.org.id), 'corp');
        assert.equal(await store.findCorpId(w.org.id + 1000), undefined);
      });
    });

    describe('session webhooks', () => {
      it('are found by their hash with their chat, expired or not; expired ones go with later messages', async () => {
        await store.postUserMessage(
          userMessage(w, w.group, 'm4', 100, { sessions: [session(w, 's-group', 1_000, w.conversation.id), session(w, 's-old', 150, null, 'u2')] }),
        );
        assert.deepEqual(await store.findSessionWebhook('s-group'), {
          orgId: w.org.id,
          corpId: 'corp',
          robotId: w.robot.id,
          robotCode: 'bot',
          appId: w.app.id,
          conversationId: w.conversation.id,
          openConversationId: 'cidGroup==',
          userId: 'u1',
          expiresAt: 1_000,
        });
        assert.equal((await store.findSessionWebhook('s-old'))?.openConversationId, null);
        assert.equal(await store.findSessionWebhook('nope'), undefined);
        await store.postUserMessage(userMessage(w, w.group, 'm5', 200));
        assert.equal(await store.findSessionWebhook('s-old'), undefined, 'expired at 150, dropped at 200');
        assert.ok(await store.findSessionWebhook('s-group'));
      });

      it('take replies: robot messages noted as session-webhook replies in their chat', async () => {
        await store.postUserMessage(userMessage(w, w.robotChat('u1'), 'm6', 100, { sessions: [session(w, 's1', 10_000, null)] }));
        const found = await store.findSessionWebhook('s1');
        assert.ok(found);
        const reply = await store.postReply({
          session: found,
          message: otoRecord(w, 'r1', ['u1'], 110),
          msgtype: 'text',
          at: { atUserIds: ['u1'] },
        });
        assert.equal(reply.processQueryKey, 'r1');
        assert.deepEqual((await store.recipientReads(reply.processQueryKey))?.recipients, [{ userId: 'u1', name: 'U1', readAt: null }]);
        const items = await store.chatTimeline(w.robotChat('u1'), 10);
        assert.deepEqual(
          items.map((item) =>
            item.kind === 'user' ? ['user', item.msgId] : item.kind === 'robot' ? ['robot', item.message.processQueryKey, item.via, item.at] : ['webhook', item.msgId],
          ),
          [
            ['user', 'm6'],
            ['robot', 'r1', 'sessionWebhook', { atUserIds: ['u1'] }],
          ],
        );
      });
    });

    describe('webhook robots', () => {
      const LIMIT = { perWindow: 2, windowMs: 60_000, blockMs: 600_000 };
      const plan = (webhookRobots: ConversationPlanLike['webhookRobots']) => [
        {
          corpId: 'corp',
          name: 'Corp',
          apps: [],
          users: [],
          robots: [],
          conversations: [
            { openConversationId: 'cidGroup==', type: 'group' as const, title: 'G', coolAppCode: null, members: undefined, robots: undefined, webhookRobots },
          ],
        },
      ];
      const robot = (name: string, tokenHash: string | undefined, secret: string | null = null) => ({ name, tokenHash, secret, keywords: ['alert'], ipRanges: ['127.0.0.1/32'] });

      it('are found by token hash, exported without token or secret, and replaced by name', async () => {
        await store.applyFixture(plan([robot('Alerts', 'hash-a', 'SECa'), robot('CI', 'hash-b')]));
        const found = await store.findWebhookRobot('hash-a');
        assert.equal(found?.name, 'Alerts');
        assert.equal(found?.secret, 'SECa');
        assert.equal(found?.openConversationId, 'cidGroup==');
        assert.equal(found?.corpId, 'corp');
        assert.deepEqual(found?.keywords, ['alert']);
        assert.deepEqual(found?.ipRanges, ['127.0.0.1/32']);
        assert.equal(found?.throttledUntil, 0);
        assert.equal(await store.findWebhookRobot('nope'), undefined);
        assert.deepEqual(await store.webhookRobotNames(w.conversation.id), ['Alerts', 'CI']);
        const dumped = (await store.dumpDirectory()).orgs[0]?.conversations[0]?.webhookRobots;
        assert.deepEqual(dumped, [
          { name: 'Alerts', keywords: ['alert'], ipRanges: ['127.0.0.1/32'] },
          { name: 'CI', keywords: ['alert'], ipRanges: ['127.0.0.1/32'] },
        ]);
        // Without a token hash, Alerts keeps token and secret; CI is gone; a list left out keeps them all.
        await store.applyFixture(plan([{ ...robot('Alerts', undefined), keywords: ['new'] }]));
        const kept = await store.findWebhookRobot('hash-a');
        assert.equal(kept?.secret, 'SECa');
        assert.deepEqual(kept?.keywords, ['new']);
        assert.equal(await store.findWebhookRobot('hash-b'), undefined);
        await store.applyFixture(plan(undefined));
        assert.deepEqual(await store.webhookRobotNames(w.conversation.id), ['Alerts']);
      });

      it('post into the group’s timeline, at most perWindow in a window, then blocked', async () => {
        await store.applyFixture(plan([robot('Alerts', 'hash-a')]));
        const found = (await store.findWebhookRobot('hash-a'))!;
        const post = (msgId: string, createdAt: number) =>
          store.postWebhookMessage({ robot: found, msgId, msgtype: 'text', content: '{"content":"alert"}', at: { isAtAll: true }, createdAt, limit: LIMIT });
        assert.equal((await post('w1', 1_000)).posted, true);
        await store.postUserMessage(userMessage(w, w.group, 'm1', 1_500));
        assert.equal((await post('w2', 2_000)).posted, true);
        assert.deepEqual(await post('w3', 3_000), { posted: false, reason: 'throttled' });
        assert.equal((await store.findWebhookRobot('hash-a'))?.throttledUntil, 603_000);
        // The window has passed, but the block has not.
        assert.deepEqual(await post('w4', 100_000), { posted: false, reason: 'throttled' });
        assert.equal((await post('w5', 603_001)).posted, true);
        const items = await store.chatTimeline(w.group, 10);
        assert.deepEqual(
          items.map((item) => (item.kind === 'webhook' ? `${item.robotName}:${item.msgId}:${item.content}:${JSON.stringify(item.at)}` : item.kind)),
          ['Alerts:w1:{"content":"alert"}:{"isAtAll":true}', 'user', 'Alerts:w2:{"content":"alert"}:{"isAtAll":true}', 'Alerts:w5:{"content":"alert"}:{"isAtAll":true}'],
        );
        // A robot removed since it was found posts nothing.
        await store.applyFixture(plan([]));
        assert.deepEqual(await post('w6', 700_000), { posted: false, reason: 'gone' });
        await store.reset();
        assert.equal(await store.findWebhookRobot('hash-a'), undefined);
      });

      it('count posts stored with a later time than the one being posted (another node’s clock)', async () => {
        await store.applyFixture(plan([robot('Alerts', 'hash-a')]));
        const found = (await store.findWebhookRobot('hash-a'))!;
        const post = (msgId: string, createdAt: number) =>
          store.postWebhookMessage({ robot: found, msgId, msgtype: 'text', content: '{"content":"x"}', at: null, createdAt, limit: LIMIT });
        assert.equal((await post('w1', 5_000)).posted, true);
        assert.equal((await post('w2', 5_001)).posted, true);
        assert.deepEqual(await post('w3', 4_000), { posted: false, reason: 'throttled' });
        // The clock set back by more than a minute: what was posted "later" is not counted.
        await store.applyFixture(plan([robot('Alerts', 'hash-a'), robot('CI', 'hash-c')]));
        const ci = (await store.findWebhookRobot('hash-c'))!;
        const postCi = (msgId: string, createdAt: number) =>
          store.postWebhookMessage({ robot: ci, msgId, msgtype: 'text', content: '{"content":"x"}', at: null, createdAt, limit: LIMIT });
        assert.equal((await postCi('c1', 200_000)).posted, true);
        assert.equal((await postCi('c2', 200_001)).posted, true);
        assert.equal((await postCi('c3', 200_000 - 61_000)).posted, true);
      });
    });

    describe('timelines', () => {
      it('show users’ and robots’ messages of one chat in one order, the last N, oldest first', async () => {
        await store.insertMessage(groupMessageRecord(w, 'g1', 10));
        await store.postUserMessage(userMessage(w, w.group, 'm1', 20, { atRobots: ['bot'] }));
        await store.insertMessage(groupMessageRecord(w, 'g2', 30));
        await store.postUserMessage(userMessage(w, w.group, 'm2', 40, { userId: 'u2' }));
        // Elsewhere: another chat's messages stay out.
        await store.insertMessage(otoRecord(w, 'o1', ['u1'], 50));
        await store.postUserMessage(userMessage(w, w.robotChat('u1'), 'm3', 60));
        const label = (items: Awaited<ReturnType<Store['chatTimeline']>>) =>
          items.map((item) =>
            item.kind === 'user'
              ? `${item.userId}:${item.msgId}`
              : item.kind === 'robot'
                ? `bot:${item.message.processQueryKey}:${item.via}`
                : `webhook:${item.robotName}:${item.msgId}`,
          );
        const group = await store.chatTimeline(w.group, 10);
        assert.deepEqual(label(group), ['bot:g1:api', 'u1:m1', 'bot:g2:api', 'u2:m2']);
        const first = group[1];
        assert.ok(first?.kind === 'user');
        assert.deepEqual(first.atRobots, ['bot']);
        assert.equal(first.content, 'text m1');
        assert.equal(first.createdAt, 20);
        assert.deepEqual(label(await store.chatTimeline(w.group, 3)), ['u1:m1', 'bot:g2:api', 'u2:m2']);
        assert.deepEqual(label(await store.chatTimeline(w.robotChat('u1'), 10)), ['bot:o1:api', 'u1:m3']);
        assert.deepEqual(label(await store.chatTimeline(w.robotChat('u2'), 10)), []);
      });

      it('lose entries older than the retention, a batch at a time', async () => {
        for (const [i, at] of [5, 6, 7, 50].entries()) await store.postUserMessage(userMessage(w, w.group, `p${i}`, at));
        assert.equal(await store.purgeChatEntriesBefore(10, 2), 2);
        assert.equal(await store.purgeChatEntriesBefore(10, 2), 1);
        assert.equal(await store.purgeChatEntriesBefore(10, 2), 0);
        assert.deepEqual(
          (await store.chatTimeline(w.group, 10)).map((item) => (item.kind === 'user' ? item.msgId : '')),
          ['p3'],
        );
      });
    });

    it('forgets all of it on reset', async () => {
      await store.saveStreamTicket({ ticketHash: 't', clientId: 'app', subscriptions: [], ua: '', localIp: '', expiresAt: 9e12 }, 0);
      await store.addStreamConnection(connection('c1'));
      await store.postUserMessage(userMessage(w, w.group, 'm1', 20, { sessions: [session(w, 's', 9e12, null)], deliveries: [delivery('d')] }));
      await store.reset();
      assert.equal(await store.takeStreamTicket('t'), undefined);
      assert.deepEqual(await store.streamConnections(), []);
      assert.deepEqual(await store.unacknowledgedDeliveries(), []);
      assert.equal(await store.findSessionWebhook('s'), undefined);
      w = await seed(store);
      assert.deepEqual(await store.chatTimeline(w.group, 10), []);
    });
  });
}

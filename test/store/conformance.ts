/**
 * The Store contract (src/core/store.ts), checked through the interface alone, so every backend
 * runs the same suite: `storeConformance('sqlite file', () => …)`. Each test gets a fresh store
 * from the factory and closes it. Nothing here knows which backend it drives. The chats' and
 * Stream mode's aggregates have their cases in chat-stream-conformance.ts, cards theirs in
 * card-conformance.ts, media's in media-conformance.ts, run from here.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fc } from '../helpers/property.js';
import { cardConformance } from './card-conformance.js';
import { chatStreamConformance } from './chat-stream-conformance.js';
import { mediaConformance } from './media-conformance.js';
import { createCoreContext } from '../../src/core/context.js';
import { applyFixture, exportFixture } from '../../src/core/fixtures.js';
import type {
  AppRecord,
  ConversationPlan,
  ConversationRecord,
  MessageKind,
  MessageRecord,
  OrgPlan,
  OrgRecord,
  RobotRecord,
  Store,
  SuitePlan,
} from '../../src/core/store.js';
import { StoreConflictError } from '../../src/core/store.js';
import { newProcessQueryKey } from '../../src/core/ids.js';
import { seededRandom } from '../../src/core/random.js';
import { testDirectory } from '../helpers/fixtures.js';
import { readerIdsOf, recipientsOf } from '../helpers/store-records.js';
import { byCodePoints, programArbitrary, runModel, runProgram } from './program.js';

export type StoreFactory = () => Promise<Store>;

const A_USERS = ['u1', 'u2', 'u3', 'u4', 'u5'];

/** Two orgs: A with a group, a private chat, an empty group and two robots; B with one group. */
function basePlan(): OrgPlan[] {
  return [
    {
      corpId: 'corpA',
      name: 'Org A',
      apps: [{ appKey: 'appA', secretHash: 'hash-a', scopes: ['qyapi_robot_sendmsg'] }],
      users: A_USERS.map((userId) => ({ userId, name: `Name ${userId}` })),
      robots: [
        { robotCode: 'botA', name: 'Bot A', status: 'active', templateStatus: 'active', ownerAppKey: null },
        { robotCode: 'botA2', name: 'Bot A2', status: 'stopped', templateStatus: 'missing', ownerAppKey: 'appA' },
      ],
      conversations: [
        { openConversationId: 'cidGroup==', type: 'group', title: 'Group', coolAppCode: null, members: ['u1', 'u2', 'u3'], robots: ['botA'] },
        { openConversationId: 'cidPair==', type: 'privateChat', title: null, coolAppCode: 'COOL-A', members: ['u1', 'u2'], robots: [] },
        { openConversationId: 'cidEmpty==', type: 'group', title: null, coolAppCode: null, members: [], robots: [] },
      ],
    },
    {
      corpId: 'corpB',
      name: 'Org B',
      apps: [{ appKey: 'appB', secretHash: 'hash-b', scopes: [] }],
      users: [
        { userId: 'b1', name: 'Bee' },
        { userId: 'u1', name: 'B u1' },
      ],
      robots: [{ robotCode: 'botB', name: 'Bot B', status: 'active', templateStatus: 'active', ownerAppKey: null }],
      conversations: [
        { openConversationId: 'cidB==', type: 'group', title: 'B', coolAppCode: null, members: ['u1', 'b1'], robots: ['botB'] },
      ],
    },
  ];
}

/** Suite X: no org's own, with a secret and a ticket. */
function suitePlan(): SuitePlan {
  return { suiteKey: 'suiteX', secretHash: 'hash-x', scopes: ['qyapi_robot_sendmsg'], ticketHash: 'ticket-1' };
}

/** Org A of basePlan with one conversation's plan changed (the rest left as they are). */
function orgAWith(conversation: Partial<ConversationPlan> & { openConversationId: string }): OrgPlan[] {
  const org = basePlan()[0] as OrgPlan;
  return [
    {
      ...org,
      conversations: org.conversations
        .filter((c) => c.openConversationId === conversation.openConversationId)
        .map((c) => ({ ...c, members: undefined, robots: undefined, ...conversation })),
    },
  ];
}

interface World {
  store: Store;
  orgA: OrgRecord;
  orgB: OrgRecord;
  appA: AppRecord;
  appB: AppRecord;
  botA: RobotRecord;
  botA2: RobotRecord;
  botB: RobotRecord;
  group: ConversationRecord;
  pair: ConversationRecord;
  empty: ConversationRecord;
  groupB: ConversationRecord;
}

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} not found`);
  return value;
}

async function seed(store: Store): Promise<World> {
  await store.applyFixture(basePlan());
  return {
    store,
    orgA: defined(await store.findOrg('corpA'), 'corpA'),
    orgB: defined(await store.findOrg('corpB'), 'corpB'),
    appA: defined(await store.findApp('appA'), 'appA'),
    appB: defined(await store.findApp('appB'), 'appB'),
    botA: defined(await store.findRobot('botA'), 'botA'),
    botA2: defined(await store.findRobot('botA2'), 'botA2'),
    botB: defined(await store.findRobot('botB'), 'botB'),
    group: defined(await store.findConversation('cidGroup=='), 'cidGroup=='),
    pair: defined(await store.findConversation('cidPair=='), 'cidPair=='),
    empty: defined(await store.findConversation('cidEmpty=='), 'cidEmpty=='),
    groupB: defined(await store.findConversation('cidB=='), 'cidB=='),
  };
}

let keyCounter = 0;
const keyRandom = seededRandom('store conformance keys');
/**
 * Every other key as the server makes it, naming the message's chat (core/ids.ts), the others
 * made up as a client's could be, naming none: both ways a store finds a message are in every test.
 */
function newKey(robotId: number, conversationId: number | null): string {
  keyCounter++;
  return keyCounter % 2 === 0 ? newProcessQueryKey(keyRandom, robotId, conversationId) : `Key+${keyCounter}/x=`;
}

async function sendChat(
  w: World,
  conversation: ConversationRecord,
  sentAt = 1000,
  robot?: RobotRecord,
  processQueryKey?: string,
): Promise<MessageRecord> {
  const inB = conversation.orgId === w.orgB.id;
  const kind: MessageKind = conversation.type;
  const robotId = (robot ?? (inB ? w.botB : w.botA)).id;
  return w.store.insertMessage({
    processQueryKey: processQueryKey ?? newKey(robotId, conversation.id),
    kind,
    orgId: conversation.orgId,
    appId: inB ? w.appB.id : w.appA.id,
    robotId,
    conversationId: conversation.id,
    msgKey: 'sampleText',
    msgParam: '{"content":"hi"}',
    sentAt,
    deliveredAt: sentAt,
  });
}

/** A group message of orgA's robot with this msgParam, as its sender wrote it, sent and delivered at these times. */
function sendGroupParam(
  w: World,
  msgParam: string,
  sentAt: number,
  deliveredAt = sentAt,
  processQueryKey = newKey(w.botA.id, w.group.id),
): Promise<MessageRecord> {
  return w.store.insertMessage({
    processQueryKey,
    kind: 'group',
    orgId: w.orgA.id,
    appId: w.appA.id,
    robotId: w.botA.id,
    conversationId: w.group.id,
    msgKey: 'sampleText',
    msgParam,
    sentAt,
    deliveredAt,
  });
}

async function sendOto(w: World, robot: RobotRecord, recipients: string[], sentAt = 1000): Promise<MessageRecord> {
  const inB = robot.orgId === w.orgB.id;
  return w.store.insertMessage({
    processQueryKey: newKey(robot.id, null),
    kind: 'oto',
    orgId: robot.orgId,
    appId: inB ? w.appB.id : w.appA.id,
    robotId: robot.id,
    conversationId: null,
    msgKey: 'sampleMarkdown',
    msgParam: '{"title":"t","text":"x"}',
    sentAt,
    deliveredAt: sentAt + 5,
    recipients,
  });
}

/** The message as the store has it now (services always look a message up before asking about it). */
async function fresh(store: Store, message: MessageRecord): Promise<MessageRecord> {
  return defined(await store.findMessage(message.processQueryKey), message.processQueryKey);
}

async function readers(store: Store, message: MessageRecord): Promise<string[]> {
  return readerIdsOf(store, message, '', 1000);
}

async function readTimes(store: Store, message: MessageRecord): Promise<Record<string, number | null>> {
  const rows = await recipientsOf(store, message);
  return Object.fromEntries(rows.map((r) => [r.userId, r.readAt]));
}

function conversationChat(conversation: ConversationRecord) {
  return { kind: 'conversation' as const, conversationId: conversation.id };
}
function robotChat(robot: RobotRecord) {
  return { kind: 'robot' as const, robotId: robot.id };
}

export function storeConformance(name: string, makeStore: StoreFactory): void {
  describe(`Store conformance [${name}]`, () => {
    let store: Store;
    let w: World;
    beforeEach(async () => {
      store = await makeStore();
      w = await seed(store);
    });
    afterEach(async () => {
      await store.close();
    });

    describe('directory', () => {
      it('applyFixture stores what the plan says, and dumpDirectory gives it back in order', async () => {
        const dump = await store.dumpDirectory();
        assert.deepEqual(
          dump.orgs.map((o) => o.org.corpId),
          ['corpA', 'corpB'],
        );
        const a = dump.orgs[0];
        assert.ok(a);
        assert.deepEqual(a.org, w.orgA);
        assert.deepEqual(a.org.name, 'Org A');
        assert.deepEqual(a.apps, [w.appA]);
        assert.equal(w.appA.secretHash, 'hash-a');
        assert.equal(w.appA.corpId, 'corpA');
        assert.equal(w.appA.orgId, w.orgA.id);
        assert.deepEqual(w.appA.scopes, ['qyapi_robot_sendmsg']);
        assert.deepEqual(a.users, A_USERS.map((userId) => ({ userId, name: `Name ${userId}` })));
        assert.deepEqual(a.robots, [w.botA, w.botA2]);
        assert.deepEqual(
          { ...w.botA2, id: 0, orgId: 0 },
          {
            id: 0,
            orgId: 0,
            robotCode: 'botA2',
            name: 'Bot A2',
            status: 'stopped',
            templateStatus: 'missing',
            ownerAppKey: 'appA',
            ownerSuiteKey: null,
          },
        );
        assert.equal(w.botA.ownerAppKey, null);
        assert.deepEqual(
          a.conversations.map((c) => [c.openConversationId, c.type, c.title, c.coolAppCode, c.members, c.memberCount, c.robotCodes]),
          [
            ['cidGroup==', 'group', 'Group', null, ['u1', 'u2', 'u3'], 3, ['botA']],
            ['cidPair==', 'privateChat', null, 'COOL-A', ['u1', 'u2'], 2, []],
            ['cidEmpty==', 'group', null, null, [], 0, []],
          ],
        );
        const { members: _members, webhookRobots, ...groupRecord } = a.conversations[0] as ConversationRecord & {
          members: string[];
          webhookRobots: unknown[];
        };
        assert.deepEqual(groupRecord, w.group);
        assert.deepEqual(webhookRobots, []);
        assert.equal(w.groupB.orgId, w.orgB.id);
        assert.deepEqual(dump.orgs[1]?.users, [
          { userId: 'b1', name: 'Bee' },
          { userId: 'u1', name: 'B u1' },
        ]);
      });

      it('finds nothing it was not given', async () => {
        assert.equal(await store.findOrg('nope'), undefined);
        assert.equal(await store.findApp('nope'), undefined);
        assert.equal(await store.findRobot('nope'), undefined);
        assert.equal(await store.findConversation('nope'), undefined);
        assert.equal(await store.findMessage('nope'), undefined);
        // Hostile ids (U+0000 cannot even be stored by every backend) find nothing either.
        assert.equal(await store.findRobot('bot\u0000A'), undefined);
        assert.equal(await store.findMessage('k\u0000'), undefined);
        assert.deepEqual(await store.findUsers(w.orgA.id, ['u1\u0000']), []);
        const m = await sendChat(w, w.group);
        assert.deepEqual(await store.recordReads([{ processQueryKey: m.processQueryKey, userId: 'u1\u0000', readAt: 1 }]), {
          accepted: 0,
          ignored: [{ index: 0, reason: 'user.notRecipient' }],
        });
      });

      it('findUsers answers per org, once per user, and skips unknown ids', async () => {
        const found = await store.findUsers(w.orgA.id, ['u2', 'nobody', 'u2', 'u1', 'b1']);
        assert.deepEqual(
          found.map((u) => u.userId).sort(),
          ['u1', 'u2'],
        );
        assert.deepEqual(await store.findUsers(w.orgB.id, ['u1']), [{ userId: 'u1', name: 'B u1' }]);
        assert.deepEqual(await store.findUsers(w.orgA.id, []), []);
      });

      it('the same plan applied twice gives the same directory', async () => {
        const before = await store.dumpDirectory();
        await store.applyFixture(basePlan());
        assert.deepEqual(await store.dumpDirectory(), before);
        assert.equal((await store.findConversation('cidGroup=='))?.memberVersion, w.group.memberVersion);
      });

      it('upserts: changed fields change, ids stay, and what the plan leaves out is kept', async () => {
        const plan = basePlan();
        const a = plan[0] as OrgPlan;
        a.name = 'Org A renamed';
        a.apps = [{ appKey: 'appA', secretHash: undefined, scopes: ['x.read'] }];
        a.users = [{ userId: 'u1', name: 'Renamed' }, { userId: 'u9', name: 'New' }];
        a.robots = [{ robotCode: 'botA', name: 'Bot A!', status: 'stopped', templateStatus: 'stopped', ownerAppKey: 'appA' }];
        a.conversations = [
          { openConversationId: 'cidGroup==', type: 'group', title: 'Renamed group', coolAppCode: 'COOL-G', members: undefined, robots: undefined },
          { openConversationId: 'cidEmpty==', type: 'group', title: null, coolAppCode: null, members: undefined, robots: ['botA', 'botA2'] },
        ];
        await store.applyFixture([a]);
        assert.deepEqual(await store.findOrg('corpA'), { id: w.orgA.id, corpId: 'corpA', name: 'Org A renamed' });
        const app = await store.findApp('appA');
        assert.deepEqual(app, { ...w.appA, scopes: ['x.read'] }, 'an undefined secretHash keeps the stored hash');
        assert.deepEqual(await store.findUsers(w.orgA.id, ['u1', 'u2', 'u9']), [
          { userId: 'u1', name: 'Renamed' },
          { userId: 'u2', name: 'Name u2' },
          { userId: 'u9', name: 'New' },
        ]);
        assert.deepEqual(await store.findRobot('botA'), {
          ...w.botA,
          name: 'Bot A!',
          status: 'stopped',
          templateStatus: 'stopped',
          ownerAppKey: 'appA',
        });
        assert.deepEqual(await store.findRobot('botA2'), w.botA2, 'a robot the plan leaves out stays');
        const group = await store.findConversation('cidGroup==');
        assert.deepEqual(group, { ...w.group, title: 'Renamed group', coolAppCode: 'COOL-G' });
        const empty = await store.findConversation('cidEmpty==');
        assert.deepEqual(empty?.robotCodes, ['botA', 'botA2']);
        assert.equal(empty?.id, w.empty.id);

        await store.applyFixture([{ ...a, apps: [{ appKey: 'appA', secretHash: 'hash-new', scopes: ['x.read'] }] }]);
        assert.equal((await store.findApp('appA'))?.secretHash, 'hash-new', 'a new hash replaces the old one');
        assert.deepEqual(await store.findOrg('corpB'), w.orgB, 'another org is untouched');
      });

      it('applyFixture through the core: the test directory twice gives the same dump, secrets kept', async () => {
        await store.reset();
        const ctx = await createCoreContext(store);
        const counts = await applyFixture(ctx, testDirectory());
        assert.deepEqual(counts, { orgs: 2, apps: 4, users: 453, robots: 7, conversations: 5 });
        const first = await store.dumpDirectory();
        const exported = await exportFixture(ctx);
        assert.deepEqual(await applyFixture(ctx, testDirectory()), counts);
        assert.deepEqual(await store.dumpDirectory(), first);
        // An exported document (no secrets) imports back to the same directory, hashes included.
        await applyFixture(ctx, exported);
        assert.deepEqual(await store.dumpDirectory(), first);
        assert.ok(!JSON.stringify(exported).includes('appSecret'));
      });
    });

    describe('membership versions', () => {
      it('messages keep the recipients they had; an identical member list is no new version', async () => {
        const v1 = w.group.memberVersion;
        const m1 = await sendChat(w, w.group);
        assert.equal(m1.recipientCount, 3);

        await store.applyFixture(orgAWith({ openConversationId: 'cidGroup==', members: ['u3', 'u2', 'u4'] }));
        const afterChange = defined(await store.findConversation('cidGroup=='), 'group');
        assert.ok(afterChange.memberVersion > v1, 'a changed member list makes a new version');
        assert.equal(afterChange.memberCount, 3);
        const m2 = await sendChat(w, w.group);

        // The same members in another order, and a plan without members: no new version.
        await store.applyFixture(orgAWith({ openConversationId: 'cidGroup==', members: ['u4', 'u2', 'u3'] }));
        await store.applyFixture(orgAWith({ openConversationId: 'cidGroup==', title: 'still' }));
        const unchanged = defined(await store.findConversation('cidGroup=='), 'group');
        assert.equal(unchanged.memberVersion, afterChange.memberVersion);
        assert.equal(unchanged.memberCount, 3);

        // u1 comes back: a third version.
        await store.applyFixture(orgAWith({ openConversationId: 'cidGroup==', members: ['u1', 'u2', 'u3', 'u4'] }));
        const third = defined(await store.findConversation('cidGroup=='), 'group');
        assert.ok(third.memberVersion > afterChange.memberVersion);
        const m3 = await sendChat(w, w.group);
        assert.equal(m3.recipientCount, 4);

        assert.deepEqual(Object.keys(await readTimes(store, m1)), ['u1', 'u2', 'u3']);
        assert.deepEqual(Object.keys(await readTimes(store, m2)), ['u2', 'u3', 'u4']);
        assert.deepEqual(Object.keys(await readTimes(store, m3)), ['u1', 'u2', 'u3', 'u4']);
        assert.equal((await fresh(store, m1)).recipientCount, 3);

        const outcome = await store.recordReads([
          { processQueryKey: m1.processQueryKey, userId: 'u4', readAt: 1 },
          { processQueryKey: m2.processQueryKey, userId: 'u1', readAt: 2 },
          { processQueryKey: m1.processQueryKey, userId: 'u1', readAt: 3 },
          { processQueryKey: m3.processQueryKey, userId: 'u1', readAt: 4 },
        ]);
        assert.deepEqual(outcome, {
          accepted: 2,
          ignored: [
            { index: 0, reason: 'user.notRecipient' },
            { index: 1, reason: 'user.notRecipient' },
          ],
        });
        // u4 opening the group covers m2 and m3, never m1 (sent before u4 joined).
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u4', 50), 2);
        assert.deepEqual(await readers(store, m1), ['u1']);
        assert.deepEqual(await readers(store, m2), ['u4']);
        assert.deepEqual(await readers(store, m3), ['u1', 'u4']);
        const dump = await store.dumpDirectory();
        assert.deepEqual(dump.orgs[0]?.conversations[0]?.members, ['u1', 'u2', 'u3', 'u4']);
      });

      it('an emptied group sends to nobody', async () => {
        await store.applyFixture(orgAWith({ openConversationId: 'cidGroup==', members: [] }));
        const m = await sendChat(w, w.group);
        assert.equal(m.recipientCount, 0);
        assert.deepEqual(await recipientsOf(store, m), []);
        assert.deepEqual(await store.recordReads([{ processQueryKey: m.processQueryKey, userId: 'u1', readAt: 1 }]), {
          accepted: 0,
          ignored: [{ index: 0, reason: 'user.notRecipient' }],
        });
      });
    });

    describe('messages', () => {
      it('insertMessage: oto, group and private chat, with their recipient counts', async () => {
        const oto = await sendOto(w, w.botA, ['u3', 'u1'], 2000);
        assert.deepEqual(
          { ...oto, id: 0 },
          {
            id: 0,
            processQueryKey: oto.processQueryKey,
            kind: 'oto',
            orgId: w.orgA.id,
            corpId: 'corpA',
            appId: w.appA.id,
            robotId: w.botA.id,
            robotCode: 'botA',
            conversationId: null,
            openConversationId: null,
            msgKey: 'sampleMarkdown',
            msgParam: '{"title":"t","text":"x"}',
            sentAt: 2000,
            deliveredAt: 2005,
            recipientCount: 2,
            recalledAt: null,
          },
        );
        const group = await sendChat(w, w.group, 3000);
        assert.equal(group.kind, 'group');
        assert.equal(group.recipientCount, 3);
        assert.equal(group.conversationId, w.group.id);
        assert.equal(group.openConversationId, 'cidGroup==');
        const pair = await sendChat(w, w.pair, 4000);
        assert.equal(pair.kind, 'privateChat');
        assert.equal(pair.recipientCount, 2);
        assert.equal(pair.openConversationId, 'cidPair==');
        const inB = await sendChat(w, w.groupB);
        assert.equal(inB.corpId, 'corpB');
        assert.equal(inB.robotCode, 'botB');
        assert.ok(oto.id < group.id && group.id < pair.id && pair.id < inB.id, 'ids grow in send order');
        for (const m of [oto, group, pair, inB]) assert.deepEqual(await store.findMessage(m.processQueryKey), m);
      });

      it('a processQueryKey is unique', async () => {
        const m = await sendChat(w, w.group);
        await assert.rejects(sendGroupParam(w, '{}', 1, 1, m.processQueryKey), StoreConflictError);
        assert.deepEqual(await store.findMessage(m.processQueryKey), m, 'the failed insert changed nothing');
      });

      it('recallMessage marks the message and keeps its first time', async () => {
        const m = await sendChat(w, w.group);
        await store.recallMessage(m, 5000);
        assert.equal((await fresh(store, m)).recalledAt, 5000);
        await store.recallMessage(m, 9000);
        assert.equal((await fresh(store, m)).recalledAt, 5000);
        await store.recallMessage({ ...m, id: m.id + 100_000 }, 1); // unknown: nothing happens
      });

      it('listMessages: newest first, filtered, below an id, at most limit', async () => {
        const g1 = await sendChat(w, w.group);
        const o1 = await sendOto(w, w.botA, ['u1']);
        const p1 = await sendChat(w, w.pair);
        const o2 = await sendOto(w, w.botA2, ['u2']);
        const b1 = await sendChat(w, w.groupB);
        const g2 = await sendChat(w, w.group);
        const keys = async (filter: Parameters<Store['listMessages']>[0], limit = 100) =>
          (await store.listMessages(filter, limit)).map((m) => m.processQueryKey);
        const k = (...ms: MessageRecord[]) => ms.map((m) => m.processQueryKey);
        assert.deepEqual(await keys({}), k(g2, b1, o2, p1, o1, g1));
        assert.deepEqual(await keys({}, 2), k(g2, b1));
        assert.deepEqual(await keys({ orgId: w.orgA.id }), k(g2, o2, p1, o1, g1));
        assert.deepEqual(await keys({ orgId: w.orgB.id }), k(b1));
        assert.deepEqual(await keys({ conversationId: w.group.id }), k(g2, g1));
        assert.deepEqual(await keys({ robotId: w.botA.id }), k(g2, p1, o1, g1));
        assert.deepEqual(await keys({ robotId: w.botA2.id }), k(o2));
        assert.deepEqual(await keys({ orgId: w.orgA.id, beforeId: p1.id }), k(o1, g1));
        assert.deepEqual(await keys({ orgId: w.orgA.id, robotId: w.botA.id, beforeId: g2.id }, 2), k(p1, o1));
        assert.deepEqual(await keys({ orgId: w.orgB.id, conversationId: w.group.id }), []);
        assert.deepEqual((await store.listMessages({ conversationId: w.group.id }, 1))[0], g2);
      });

      it('listMessages and countMessages filter by send state, send time and text', async () => {
        // As senders write it: JSON.stringify keeps characters as they are, Python escapes them.
        const note = (content: string, sentAt: number, deliveredAt = sentAt) => sendGroupParam(w, content, sentAt, deliveredAt);
        const plain = await note('{"content":"Release 2.4 is OUT"}', 1000);
        const quoted = await note('{"content":"say \\"hi\\" 100%"}', 2000, 2500);
        const chinese = await note('{"content":"发布 done"}', 3000);
        const escaped = await note('{"content":"\\u53d1\\u5e03 later"}', 4000, 9000);
        await store.recallMessage(plain, 5000);
        const both = async (filter: Parameters<Store['listMessages']>[0]) => {
          const keys = (await store.listMessages(filter, 100)).map((m) => m.processQueryKey);
          assert.equal(await store.countMessages(filter), keys.length, JSON.stringify(filter));
          return keys;
        };
        const k = (...ms: MessageRecord[]) => ms.map((m) => m.processQueryKey);
        assert.deepEqual(await both({}), k(escaped, chinese, quoted, plain));
        assert.deepEqual(await both({ recalled: true }), k(plain));
        assert.deepEqual(await both({ recalled: false, pendingAt: 2400 }), k(escaped, chinese, quoted));
        assert.deepEqual(await both({ recalled: false, pendingAt: 3000 }), k(escaped));
        assert.deepEqual(await both({ recalled: false, deliveredBy: 3000 }), k(chinese, quoted));
        assert.deepEqual(await both({ sentAfter: 2000 }), k(escaped, chinese));
        assert.deepEqual(await both({ sentBy: 2000 }), k(quoted, plain));
        assert.deepEqual(await both({ text: 'release' }), k(plain), 'ASCII case is ignored');
        assert.deepEqual(await both({ text: 'out' }), k(plain));
        assert.deepEqual(await both({ text: '"hi"' }), k(quoted), 'quotes as JSON escapes them');
        assert.deepEqual(await both({ text: '100%' }), k(quoted), '% is a character, not a wildcard');
        assert.deepEqual(await both({ text: '1_0' }), [], '_ is a character, not a wildcard');
        assert.deepEqual(await both({ text: '发布' }), k(escaped, chinese), 'raw or escaped as \\uXXXX');
        assert.deepEqual(await both({ text: '发布', beforeId: chinese.id }), []);
        assert.deepEqual(await both({ text: 'nothing like it' }), []);
        assert.equal(await store.countMessages({ orgId: w.orgB.id }), 0);
      });
    });

    describe('reads', () => {
      it('recordReads accepts recipients and ignores the rest, each with its index and reason', async () => {
        const m = await sendChat(w, w.group);
        const recalled = await sendChat(w, w.group);
        await store.recordReads([{ processQueryKey: recalled.processQueryKey, userId: 'u2', readAt: 10 }]);
        await store.recallMessage(recalled, 20);
        const oto = await sendOto(w, w.botA, ['u5']);
        const outcome = await store.recordReads([
          { processQueryKey: m.processQueryKey, userId: 'u1', readAt: 100 },
          { processQueryKey: 'no-such-key', userId: 'u1', readAt: 100 },
          { processQueryKey: recalled.processQueryKey, userId: 'u1', readAt: 100 },
          { processQueryKey: m.processQueryKey, userId: 'u5', readAt: 100 },
          { processQueryKey: m.processQueryKey, userId: 'b1', readAt: 100 },
          { processQueryKey: oto.processQueryKey, userId: 'u5', readAt: 100 },
          { processQueryKey: oto.processQueryKey, userId: 'u1', readAt: 100 },
          { processQueryKey: m.processQueryKey, userId: 'u1', readAt: 200 },
        ]);
        assert.deepEqual(outcome, {
          accepted: 3,
          ignored: [
            { index: 1, reason: 'message.notFound' },
            { index: 2, reason: 'message.recalled' },
            { index: 3, reason: 'user.notRecipient' },
            { index: 4, reason: 'user.notRecipient' },
            { index: 6, reason: 'user.notRecipient' },
          ],
        });
        assert.deepEqual(await readers(store, m), ['u1']);
        assert.deepEqual(await readTimes(store, m), { u1: 100, u2: null, u3: null });
        assert.deepEqual(await readers(store, oto), ['u5']);
        assert.deepEqual(await readers(store, recalled), ['u2'], 'a read before the recall still counts');
        assert.deepEqual(await store.recordReads([]), { accepted: 0, ignored: [] });
      });

      it('a repeated read keeps the first time, and a read after an open keeps the open time', async () => {
        const m = await sendChat(w, w.group);
        await store.recordReads([{ processQueryKey: m.processQueryKey, userId: 'u1', readAt: 1500 }]);
        assert.deepEqual(await store.recordReads([{ processQueryKey: m.processQueryKey, userId: 'u1', readAt: 1200 }]), {
          accepted: 1,
          ignored: [],
        });
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u2', 2000), 1);
        await store.recordReads([{ processQueryKey: m.processQueryKey, userId: 'u2', readAt: 3000 }]);
        assert.deepEqual(await readTimes(store, m), { u1: 1500, u2: 2000, u3: null });
        assert.deepEqual(await readers(store, m), ['u1', 'u2']);
        assert.equal(await store.countReaders(await fresh(store, m)), 2);
      });

      it('an open after an explicit read keeps the read time and does not count that message', async () => {
        const m1 = await sendChat(w, w.group);
        const m2 = await sendChat(w, w.group);
        await store.recordReads([{ processQueryKey: m1.processQueryKey, userId: 'u3', readAt: 100 }]);
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u3', 900), 1);
        assert.deepEqual(await readTimes(store, m1), { u1: null, u2: null, u3: 100 });
        assert.deepEqual(await readTimes(store, m2), { u1: null, u2: null, u3: 900 });
        assert.deepEqual(await readers(store, m1), ['u3'], 'a read and an open make one reader, not two');
        assert.equal(await store.countReaders(await fresh(store, m1)), 1);
      });

      it('openChat marks everything earlier in one go, nothing later, and 0 the second time', async () => {
        const ms = [await sendChat(w, w.group), await sendChat(w, w.group), await sendChat(w, w.group)];
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u2', 700), 3);
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u2', 800), 0);
        const later = await sendChat(w, w.group);
        for (const m of ms) assert.deepEqual(await readTimes(store, m), { u1: null, u2: 700, u3: null });
        assert.deepEqual(await readers(store, later), []);
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u2', 900), 1);
        assert.deepEqual(await readTimes(store, later), { u1: null, u2: 900, u3: null });
        assert.deepEqual(await readTimes(store, ms[0] as MessageRecord), { u1: null, u2: 700, u3: null }, 'the first open stays the read time');
        // A user who is not a member, of this org or another, marks nothing.
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u5', 900), 0);
        assert.deepEqual(await readers(store, later), ['u2']);
        // An open of another chat does not touch this one.
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.pair), 'u1', 900), 0);
        assert.deepEqual(await readers(store, later), ['u2']);
      });

      it('a recalled message is not made read by a later open, but keeps an earlier one', async () => {
        const m1 = await sendChat(w, w.group);
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u3', 150), 1);
        await store.recallMessage(m1, 200);
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u1', 300), 0, 'only a recalled message is new');
        const m2 = await sendChat(w, w.group);
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u1', 400), 1);
        assert.deepEqual(await readers(store, m1), ['u3']);
        assert.deepEqual(await readTimes(store, m1), { u1: null, u2: null, u3: 150 });
        assert.equal(await store.countReaders(await fresh(store, m1)), 1);
        assert.deepEqual(await readers(store, m2), ['u1']);
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u3', 500), 1);
        assert.deepEqual(await readers(store, m1), ['u3']);
        assert.deepEqual(await readers(store, m2), ['u1', 'u3']);
      });

      it('nothing is read before it is delivered: reads are ignored and opens stop at the first message on its way', async () => {
        const delivered = await sendChat(w, w.group, 1000);
        const onItsWay = await sendGroupParam(w, '{"content":"slow"}', 1100, 5000);
        const after = await sendChat(w, w.group, 1200);
        const now = 2000;
        assert.deepEqual(await store.recordReads([{ processQueryKey: onItsWay.processQueryKey, userId: 'u1', readAt: now }], now), {
          accepted: 0,
          ignored: [{ index: 0, reason: 'message.notDelivered' }],
        });
        // The open covers the delivered message only: the one after the pending one must wait for it.
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u2', now, now), 1);
        assert.deepEqual(await readers(store, delivered), ['u2']);
        assert.deepEqual(await readers(store, onItsWay), []);
        assert.deepEqual(await readers(store, after), []);
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u2', now + 1, now + 1), 0);
        // Once delivered, a read is accepted and the next open covers the rest.
        assert.deepEqual(await store.recordReads([{ processQueryKey: onItsWay.processQueryKey, userId: 'u1', readAt: 6000 }], 6000), {
          accepted: 1,
          ignored: [],
        });
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u2', 6000, 6000), 2);
        assert.deepEqual(await readTimes(store, onItsWay), { u1: 6000, u2: 6000, u3: null });
        assert.deepEqual(await readTimes(store, delivered), { u1: null, u2: 2000, u3: null });
      });

      it('a clock set back before a send makes that message one on its way: an open stops below it', async () => {
        const early = await sendChat(w, w.group, 1000);
        const late = await sendChat(w, w.group, 3000);
        const oto = await sendOto(w, w.botA, ['u1']);
        // The server clock now reads 2000: the message sent at 3000 has not reached anyone yet.
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u1', 2000, 2000), 1);
        assert.deepEqual(await readers(store, early), ['u1']);
        assert.deepEqual(await readers(store, late), []);
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u1', 3000, 3000), 1);
        assert.deepEqual(await readers(store, late), ['u1']);
        assert.equal(await store.openChat(w.orgA.id, robotChat(w.botA), 'u1', 3000, 3000), 1);
        assert.deepEqual(await readers(store, oto), ['u1']);
      });

      it("opening a robot chat covers that robot's oto messages to the user only", async () => {
        const o1 = await sendOto(w, w.botA, ['u2', 'u1']);
        const o2 = await sendOto(w, w.botA2, ['u1']);
        const g = await sendChat(w, w.group);
        const o3 = await sendOto(w, w.botA, ['u1']);
        const ob = await sendOto(w, w.botB, ['u1']);
        assert.equal(await store.openChat(w.orgA.id, robotChat(w.botA), 'u1', 100), 2);
        assert.deepEqual(await readers(store, o1), ['u1']);
        assert.deepEqual(await readers(store, o3), ['u1']);
        assert.deepEqual(await readers(store, o2), []);
        assert.deepEqual(await readers(store, g), [], 'a group message of the same robot is another chat');
        assert.deepEqual(await readers(store, ob), [], "another org's robot chat is untouched");
        assert.equal(await store.openChat(w.orgA.id, robotChat(w.botA), 'u1', 200), 0);
        assert.equal(await store.openChat(w.orgA.id, robotChat(w.botA), 'u4', 200), 0, 'not a recipient');
        assert.equal(await store.openChat(w.orgB.id, robotChat(w.botB), 'u1', 300), 1);
        assert.deepEqual(await readTimes(store, ob), { u1: 300 });
      });

      it('readerPage and recipientReads give the message as findMessage does, in the same call; nothing for an unknown key', async () => {
        const m = await sendChat(w, w.group);
        await store.recordReads([{ processQueryKey: m.processQueryKey, userId: 'u2', readAt: 7 }]);
        assert.deepEqual(await store.readerPage(m.processQueryKey, '', 10), { message: m, readerIds: ['u2'], more: false });
        assert.deepEqual(await store.recipientReads(m.processQueryKey), {
          message: m,
          recipients: [
            { userId: 'u1', name: 'Name u1', readAt: null },
            { userId: 'u2', name: 'Name u2', readAt: 7 },
            { userId: 'u3', name: 'Name u3', readAt: null },
          ],
        });
        // Each call reads the message as it is now.
        await store.recallMessage(m, 50);
        const recalled = await fresh(store, m);
        assert.equal(recalled.recalledAt, 50);
        assert.deepEqual((await store.readerPage(m.processQueryKey, '', 10))?.message, recalled);
        assert.deepEqual((await store.recipientReads(m.processQueryKey))?.message, recalled);
        for (const key of ['nope', 'k\u0000', '']) {
          assert.equal(await store.readerPage(key, '', 10), undefined);
          assert.equal(await store.recipientReads(key), undefined);
        }
      });

      it('readerPage: userId order, after a user, at most limit, reads and opens merged, recipients only', async () => {
        const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
        await store.applyFixture(orgAWith({ openConversationId: 'cidGroup==', members: users }));
        const m = await sendChat(w, w.group);
        await store.recordReads([
          { processQueryKey: m.processQueryKey, userId: 'u4', readAt: 1 },
          { processQueryKey: m.processQueryKey, userId: 'u1', readAt: 2 },
          { processQueryKey: m.processQueryKey, userId: 'u3', readAt: 3 },
        ]);
        await store.openChat(w.orgA.id, conversationChat(w.group), 'u3', 4); // read and opened
        await store.openChat(w.orgA.id, conversationChat(w.group), 'u2', 5); // opened only
        const current = await fresh(store, m);
        assert.deepEqual(await readerIdsOf(store, current, '', 10), ['u1', 'u2', 'u3', 'u4']);
        assert.deepEqual(await readerIdsOf(store, current, '', 2), ['u1', 'u2']);
        assert.deepEqual(await readerIdsOf(store, current, 'u2', 2), ['u3', 'u4']);
        assert.deepEqual(await readerIdsOf(store, current, 'u4', 2), []);
        assert.deepEqual(await readerIdsOf(store, current, 'u1', 1), ['u2']);
        assert.deepEqual(await readerIdsOf(store, current, 'u25', 10), ['u3', 'u4'], 'after needs not be a reader');
        // Whether more readers follow the page: the page's size exactly is not yet the end.
        const moreAfter = async (after: string, limit: number) => (await store.readerPage(current.processQueryKey, after, limit))?.more;
        assert.equal(await moreAfter('', 3), true);
        assert.equal(await moreAfter('', 4), false, 'a page of exactly the readers left');
        assert.equal(await moreAfter('u2', 1), true);
        assert.equal(await moreAfter('u3', 1), false);
        assert.equal(await moreAfter('u4', 2), false);
        assert.equal(await store.countReaders(current), 4);
        const later = await sendChat(w, w.group);
        // zz joins, gets a message and opens the chat: that open is newer than m and later, but
        // zz was no recipient of them.
        await store.applyFixture(
          orgAWith({ openConversationId: 'cidGroup==', members: [...users, 'zz'] }).map((o) => ({
            ...o,
            users: [...o.users, { userId: 'zz', name: 'Zed' }],
          })),
        );
        const third = await sendChat(w, w.group);
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'zz', 6), 1);
        assert.deepEqual(await readerIdsOf(store, await fresh(store, m), '', 10), ['u1', 'u2', 'u3', 'u4']);
        assert.deepEqual(await readerIdsOf(store, await fresh(store, later), '', 10), []);
        assert.deepEqual(await readerIdsOf(store, await fresh(store, third), '', 10), ['zz']);
        assert.equal(await store.countReaders(await fresh(store, later)), 0);
      });

      it('recipientReads: send order for oto, userId order for chats, names from the directory', async () => {
        const oto = await sendOto(w, w.botA, ['u5', 'u1', 'u3']);
        await store.recordReads([{ processQueryKey: oto.processQueryKey, userId: 'u3', readAt: 30 }]);
        await store.openChat(w.orgA.id, robotChat(w.botA), 'u5', 40);
        assert.deepEqual(await recipientsOf(store, await fresh(store, oto)), [
          { userId: 'u5', name: 'Name u5', readAt: 40 },
          { userId: 'u1', name: 'Name u1', readAt: null },
          { userId: 'u3', name: 'Name u3', readAt: 30 },
        ]);
        assert.equal(await store.countReaders(await fresh(store, oto)), 2);
        const inB = await sendChat(w, w.groupB);
        assert.deepEqual(await recipientsOf(store, inB), [
          { userId: 'b1', name: 'Bee', readAt: null },
          { userId: 'u1', name: 'B u1', readAt: null },
        ]);
      });
    });

    describe('retention', () => {
      it('purgeMessagesBefore deletes old messages oldest first, in batches, and leaves the rest as they were', async () => {
        const old1 = await sendChat(w, w.group, 1000);
        const old2 = await sendOto(w, w.botA, ['u1', 'u2'], 1500);
        const kept = await sendChat(w, w.group, 3000);
        await store.recordReads([
          { processQueryKey: old1.processQueryKey, userId: 'u3', readAt: 3100 },
          { processQueryKey: old2.processQueryKey, userId: 'u2', readAt: 3100 },
          { processQueryKey: kept.processQueryKey, userId: 'u2', readAt: 3200 },
        ]);
        // u1 opens the group: one open covering old1 and kept; then kept is recalled, and the open
        // (before the recall) must still count for it after the purge.
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u1', 3300), 2);
        await store.openChat(w.orgA.id, robotChat(w.botA), 'u1', 3400);
        await store.recallMessage(kept, 3500);
        const before = { readers: await readers(store, kept), times: await readTimes(store, kept) };
        assert.deepEqual(before.readers, ['u1', 'u2']);

        assert.equal(await store.purgeMessagesBefore(2000, 1), 1, 'one at a time');
        assert.equal(await store.findMessage(old1.processQueryKey), undefined, 'the oldest goes first');
        assert.ok(await store.findMessage(old2.processQueryKey));
        assert.equal(await store.purgeMessagesBefore(2000, 10), 1, 'fewer than the batch: nothing older is left');
        assert.equal(await store.purgeMessagesBefore(2000, 10), 0);
        assert.equal(await store.findMessage(old2.processQueryKey), undefined);
        assert.deepEqual(
          (await store.listMessages({}, 10)).map((m) => m.processQueryKey),
          [kept.processQueryKey],
        );
        assert.deepEqual(await readers(store, kept), before.readers);
        assert.deepEqual(await readTimes(store, kept), before.times);
        assert.equal(await store.countReaders(await fresh(store, kept)), 2);

        // A message sent after the purge is not covered by what was left of the old opens.
        const later = await sendChat(w, w.group, 4000);
        assert.deepEqual(await readers(store, later), []);
        assert.equal(await store.openChat(w.orgA.id, conversationChat(w.group), 'u1', 4100), 1);
        assert.deepEqual(await readTimes(store, later), { u1: 4100, u2: null, u3: null });
        // A key can be used again once its message is gone (new sends draw random keys anyway).
        const again = await sendChat(w, w.group, 5000, w.botA, old1.processQueryKey);
        assert.deepEqual(await readers(store, again), []);
        assert.equal(await store.purgeMessagesBefore(1_000_000, 100), 3);
        assert.deepEqual(await store.listMessages({}, 10), []);
      });
    });

    describe('third-party suites', () => {
      /** Suite X authorized in org B, owning a robot there. */
      async function authorizeX(): Promise<void> {
        const orgB = basePlan()[1] as OrgPlan;
        await store.applyFixture(
          [
            {
              ...orgB,
              robots: [...orgB.robots, { robotCode: 'botX', name: 'Bot X', status: 'active', templateStatus: 'active', ownerAppKey: null, ownerSuiteKey: 'suiteX' }],
              conversations: [],
              authorizations: ['suiteX'],
            },
          ],
          [suitePlan()],
        );
      }

      it('applyFixture stores suites, authorizations and suite-owned robots; dumpDirectory gives them back', async () => {
        await authorizeX();
        const suite = defined(await store.findSuite('suiteX'), 'suiteX');
        assert.deepEqual({ ...suite, id: 0 }, {
          id: 0,
          suiteKey: 'suiteX',
          secretHash: 'hash-x',
          scopes: ['qyapi_robot_sendmsg'],
          ticketHash: 'ticket-1',
          tokenGeneration: 0,
          tokenExpiresAt: 0,
        });
        assert.equal((await store.findRobot('botX'))?.ownerSuiteKey, 'suiteX');
        assert.equal(w.botB.ownerSuiteKey, null);
        const dump = await store.dumpDirectory();
        assert.deepEqual(dump.suites, [suite]);
        assert.deepEqual(dump.orgs.map((o) => o.authorizations), [[], ['suiteX']]);
        // The authorization's app row is no app of the org's directory, and findApp never finds it.
        assert.deepEqual(dump.orgs[1]?.apps.map((a) => a.appKey), ['appB']);
        const authorization = defined(await store.findAuthorization('suiteX', 'corpB'), 'authorization');
        assert.equal(authorization.orgId, w.orgB.id);
        assert.equal(authorization.suiteId, suite.id);
        assert.equal(await store.findApp(authorization.appKey), undefined);
        assert.equal(await store.findAuthorization('suiteX', 'corpA'), undefined);
        assert.equal(await store.findAuthorization('nosuch', 'corpB'), undefined);
        // Applying the same plan again changes nothing; a plan without secret or ticket keeps them.
        await authorizeX();
        await store.applyFixture([], [{ suiteKey: 'suiteX', secretHash: undefined, scopes: ['s2'], ticketHash: undefined }]);
        const kept = defined(await store.findSuite('suiteX'), 'suiteX');
        assert.deepEqual([kept.secretHash, kept.ticketHash, kept.scopes], ['hash-x', 'ticket-1', ['s2']]);
      });

      it('setSuiteTicket replaces the ticket of a known suite only', async () => {
        await authorizeX();
        assert.equal(await store.setSuiteTicket('suiteX', 'ticket-2'), true);
        assert.equal((await store.findSuite('suiteX'))?.ticketHash, 'ticket-2');
        assert.equal(await store.setSuiteTicket('nosuch', 'ticket-2'), false);
      });

      it("a corp token resolves to the suite in the org, with the suite's scopes, until revoked", async () => {
        await authorizeX();
        const authorization = defined(await store.findAuthorization('suiteX', 'corpB'), 'authorization');
        await store.saveAppToken(authorization.appId, 1, 'corp-tok', 9_000);
        assert.deepEqual(await store.findToken('corp-tok'), {
          appId: authorization.appId,
          appKey: 'suiteX',
          suiteKey: 'suiteX',
          orgId: w.orgB.id,
          corpId: 'corpB',
          scopes: ['qyapi_robot_sendmsg'],
          expiresAt: 9_000,
        });
        assert.deepEqual(
          [(await store.findAuthorization('suiteX', 'corpB'))?.tokenGeneration, (await store.findAuthorization('suiteX', 'corpB'))?.tokenExpiresAt],
          [1, 9_000],
        );
        await store.applyFixture([], [{ suiteKey: 'suiteX', secretHash: undefined, scopes: ['s3'], ticketHash: undefined }]);
        assert.deepEqual((await store.findToken('corp-tok'))?.scopes, ['s3']);

        assert.equal(await store.revokeAuthorization('suiteX', 'corpB'), true);
        assert.equal(await store.findToken('corp-tok'), undefined, 'revoking ends its tokens at once');
        assert.equal(await store.findAuthorization('suiteX', 'corpB'), undefined);
        assert.equal(await store.revokeAuthorization('suiteX', 'corpB'), false);
        assert.deepEqual((await store.dumpDirectory()).orgs.map((o) => o.authorizations), [[], []]);

        // Authorized again: the same row comes back, and its next token is a new generation.
        await authorizeX();
        const again = defined(await store.findAuthorization('suiteX', 'corpB'), 'authorization');
        assert.equal(again.appId, authorization.appId);
        assert.equal(again.tokenExpiresAt, 0);
        assert.equal(await store.findToken('corp-tok'), undefined);
      });

      it('a message sent with a corp token hangs on the authorization and survives its revocation', async () => {
        await authorizeX();
        const authorization = defined(await store.findAuthorization('suiteX', 'corpB'), 'authorization');
        const botX = defined(await store.findRobot('botX'), 'botX');
        const message = await store.insertMessage({
          processQueryKey: newKey(botX.id, null),
          kind: 'oto',
          orgId: w.orgB.id,
          appId: authorization.appId,
          robotId: botX.id,
          conversationId: null,
          msgKey: 'sampleText',
          msgParam: '{"content":"hi"}',
          sentAt: 1000,
          deliveredAt: 1000,
          recipients: ['b1'],
        });
        assert.equal(await store.revokeAuthorization('suiteX', 'corpB'), true);
        assert.equal((await store.findMessage(message.processQueryKey))?.appId, authorization.appId);
      });

      it('saveSuiteToken and findSuiteToken keep the suite’s own tokens', async () => {
        await authorizeX();
        const suite = defined(await store.findSuite('suiteX'), 'suiteX');
        await store.saveSuiteToken(suite.id, 2, 'suite-tok', 7_000);
        assert.deepEqual(await store.findSuiteToken('suite-tok'), { suiteId: suite.id, suiteKey: 'suiteX', expiresAt: 7_000 });
        const moved = defined(await store.findSuite('suiteX'), 'suiteX');
        assert.deepEqual([moved.tokenGeneration, moved.tokenExpiresAt], [2, 7_000]);
        assert.equal(await store.findSuiteToken('unknown'), undefined);
        // A suite token is no corp token.
        assert.equal(await store.findToken('suite-tok'), undefined);
      });
    });

    describe('tokens and secrets', () => {
      it('saveAppToken moves the app to the generation and findToken resolves the hash', async () => {
        await store.saveAppToken(w.appA.id, 3, 'hash-one', 9_000);
        assert.deepEqual(await store.findToken('hash-one'), {
          appId: w.appA.id,
          appKey: 'appA',
          suiteKey: null,
          orgId: w.orgA.id,
          corpId: 'corpA',
          scopes: ['qyapi_robot_sendmsg'],
          expiresAt: 9_000,
        });
        const app = await store.findApp('appA');
        assert.equal(app?.tokenGeneration, 3);
        assert.equal(app?.tokenExpiresAt, 9_000);
        await store.saveAppToken(w.appA.id, 3, 'hash-one', 12_000);
        assert.equal((await store.findToken('hash-one'))?.expiresAt, 12_000, 'saving again renews');
        await store.saveAppToken(w.appB.id, 1, 'hash-b', 5);
        assert.equal((await store.findToken('hash-b'))?.corpId, 'corpB');
        assert.equal(await store.findToken('unknown'), undefined);
        // Scopes come from the app as it is now.
        await store.applyFixture([{ ...(basePlan()[0] as OrgPlan), apps: [{ appKey: 'appA', secretHash: undefined, scopes: ['s2'] }] }]);
        assert.deepEqual((await store.findToken('hash-one'))?.scopes, ['s2']);
      });

      it('serverSecret is 32 bytes and the same every time', async () => {
        const a = await store.serverSecret();
        const b = await store.serverSecret();
        assert.ok(Buffer.isBuffer(a));
        assert.equal(a.length, 32);
        assert.deepEqual(a, b);
      });

      it('keeps the first local CA it is given, and reset keeps it', async () => {
        assert.equal(await store.findLocalCa(), undefined);
        const first = { certificatePem: '-----BEGIN CERTIFICATE-----\nfirst\n', privateKeyPem: '-----BEGIN PRIVATE KEY-----\nfirst\n' };
        const second = { certificatePem: 'second cert', privateKeyPem: 'second key' };
        assert.deepEqual(await store.keepLocalCa(first), first);
        assert.deepEqual(await store.keepLocalCa(second), first, 'a second CA never replaces the first');
        assert.deepEqual(await store.findLocalCa(), first);
        await store.reset();
        assert.deepEqual(await store.findLocalCa(), first);
      });

      it('keeps notes, which a reset leaves in place', async () => {
        assert.equal(await store.readNote('demo'), undefined);
        await store.writeNote('demo', '{"a":"发"}');
        assert.equal(await store.readNote('demo'), '{"a":"发"}');
        await store.writeNote('demo', 'second');
        await store.reset();
        assert.equal(await store.readNote('demo'), 'second');
      });

      it('reset clears directory, messages, reads and tokens, and keeps the secret', async () => {
        const secret = await store.serverSecret();
        const m = await sendChat(w, w.group);
        await store.recordReads([{ processQueryKey: m.processQueryKey, userId: 'u1', readAt: 1 }]);
        await store.openChat(w.orgA.id, conversationChat(w.group), 'u2', 2);
        await store.saveAppToken(w.appA.id, 1, 'tok', 100);
        await store.applyFixture([{ ...(basePlan()[1] as OrgPlan), authorizations: ['suiteX'] }], [suitePlan()]);
        const suite = defined(await store.findSuite('suiteX'), 'suiteX');
        await store.saveSuiteToken(suite.id, 1, 'suite-tok', 100);
        await store.reset();
        assert.deepEqual(await store.dumpDirectory(), { suites: [], orgs: [] });
        assert.equal(await store.findSuite('suiteX'), undefined);
        assert.equal(await store.findSuiteToken('suite-tok'), undefined);
        assert.equal(await store.findMessage(m.processQueryKey), undefined);
        assert.equal(await store.findToken('tok'), undefined);
        assert.equal(await store.findOrg('corpA'), undefined);
        assert.equal(await store.findApp('appA'), undefined);
        assert.deepEqual(await store.listMessages({}, 100), []);
        assert.deepEqual(await store.serverSecret(), secret);
        // A fresh start: the same directory and key again, and no reads carried over.
        const again = await seed(store);
        assert.equal(again.group.memberVersion, w.group.memberVersion);
        const m2 = await store.insertMessage({
          processQueryKey: m.processQueryKey,
          kind: 'group',
          orgId: again.orgA.id,
          appId: again.appA.id,
          robotId: again.botA.id,
          conversationId: again.group.id,
          msgKey: 'sampleText',
          msgParam: '{}',
          sentAt: 1,
          deliveredAt: 1,
        });
        assert.deepEqual(await readers(store, m2), []);
        assert.deepEqual(await recipientsOf(store, m2), [
          { userId: 'u1', name: 'Name u1', readAt: null },
          { userId: 'u2', name: 'Name u2', readAt: null },
          { userId: 'u3', name: 'Name u3', readAt: null },
        ]);
        assert.equal(await store.openChat(again.orgA.id, conversationChat(again.group), 'u2', 3), 1);
      });
    });

    describe('against a reference model', () => {
      it('walking reader pages while reads keep arriving: no user twice, nobody who read before is skipped', async () => {
        const users = [...Array.from({ length: 24 }, (_, i) => `w${String(i).padStart(2, '0')}`), 'W', 'é', '\uff5e', '😀'];
        const event = fc.record({ user: fc.nat(users.length - 1), open: fc.boolean() });
        await fc.assert(
          fc.asyncProperty(
            fc.array(event, { maxLength: 30 }),
            fc.integer({ min: 1, max: 8 }),
            fc.array(fc.array(event, { maxLength: 4 }), { maxLength: 10 }),
            async (initial, pageSize, during) => {
              const s = await makeStore();
              try {
                const org = basePlan()[0] as OrgPlan;
                await s.applyFixture([
                  {
                    ...org,
                    users: users.map((userId) => ({ userId, name: userId })),
                    conversations: [
                      { openConversationId: 'cidWalk==', type: 'group', title: null, coolAppCode: null, members: users, robots: ['botA'] },
                    ],
                  },
                ]);
                const world = { ...(await seed(s)), group: defined(await s.findConversation('cidWalk=='), 'cidWalk==') };
                const m = await sendChat(world, world.group);
                const apply = async (events: Array<{ user: number; open: boolean }>, at: number) => {
                  for (const e of events) {
                    const userId = users[e.user] as string;
                    if (e.open) await s.openChat(world.orgA.id, conversationChat(world.group), userId, at);
                    else await s.recordReads([{ processQueryKey: m.processQueryKey, userId, readAt: at }]);
                  }
                };
                await apply(initial, 1);
                const before = new Set(await readerIdsOf(s, m, '', 1000));
                const walked: string[] = [];
                let after = '';
                for (let page = 0; ; page++) {
                  const got = await readerIdsOf(s, m, after, pageSize);
                  walked.push(...got);
                  if (got.length < pageSize) break;
                  after = got[got.length - 1] as string;
                  await apply(during[page] ?? [], 2 + page);
                }
                const final = new Set(await readerIdsOf(s, m, '', 1000));
                for (let i = 1; i < walked.length; i++) {
                  assert.ok(byCodePoints(walked[i - 1] as string, walked[i] as string) < 0, `order at ${i}: ${walked.join(',')}`);
                }
                for (const userId of before) assert.ok(walked.includes(userId), `${userId} read before the walk and was skipped`);
                for (const userId of walked) assert.ok(final.has(userId));
                assert.equal(await s.countReaders(m), final.size);
              } finally {
                await s.close();
              }
            },
          ),
          { numRuns: 60 },
        );
      });

      it('random programs: every reader walk, count and read time matches the model', async () => {
        await fc.assert(
          fc.asyncProperty(programArbitrary, async (ops) => {
            const s = await makeStore();
            try {
              const trace = await runProgram(s, ops);
              assert.deepEqual(trace.observed, runModel(ops));
            } finally {
              await s.close();
            }
          }),
          { numRuns: 200 },
        );
      });
    });
  });
  // The chats' and Stream mode's cases: a file of their own for their size.
  chatStreamConformance(name, makeStore);
  cardConformance(name, makeStore);
  mediaConformance(name, makeStore);
}

/**
 * Two backends side by side: the same random programs (sends, reads, opens, recalls, membership
 * changes, reader walks) must give identical observable results, message records, listings and
 * directory dumps included.
 */
export function storeDifferential(name: string, makeA: StoreFactory, makeB: StoreFactory, numRuns = 100): void {
  describe(`Store differential [${name}]`, () => {
    it('random programs give identical observable results in both', async () => {
      await fc.assert(
        fc.asyncProperty(programArbitrary, async (ops) => {
          const a = await makeA();
          const b = await makeB();
          try {
            const traceA = await runProgram(a, ops);
            const traceB = await runProgram(b, ops);
            assert.deepEqual(traceB, traceA);
          } finally {
            await a.close();
            await b.close();
          }
        }),
        { numRuns },
      );
    });
  });
}

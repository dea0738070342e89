/**
 * Every business error code dingread answers on the robot endpoints, one situation per test, through
 * the official SDK (raw HTTP only where the SDK cannot send the request): the codes of the three
 * query documents (test/data/dingtalk-query-errors.json), and the send and recall codes of docs/errors.md.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACME } from '../helpers/fixtures.js';
import { call, forEachStore } from '../helpers/server.js';
import {
  DAY_MS,
  defined,
  expectError,
  read,
  sdkToken,
  startHarness,
  text,
  UPPER_UUID,
  type Harness,
} from './sdk-conformance.js';

const UNKNOWN_ROBOT = 'dingnosuchbot';
const UNKNOWN_KEY = 'bm90IGEga2V5IHRoaXMgc2VydmVyIGhhcyBtYWRlIQ+=';
const UNKNOWN_GROUP = 'cidNoSuchGroup==';
const SMALL = { robotCode: ACME.robot, openConversationId: ACME.smallGroup } as const;
const BIG = { robotCode: ACME.robot, openConversationId: ACME.bigGroup } as const;
const PAIR = { robotCode: ACME.robot, openConversationId: ACME.pair } as const;
const PAIR_SEND = { ...PAIR, coolAppCode: ACME.coolAppCode } as const;

interface Keys {
  oto: string;
  group: string;
  bigGroup: string;
  ownedGroup: string;
  ownedOto: string;
  private: string;
}

/** One situation: what is sent, and the code it must answer. */
type Case = [situation: string, code: string, run: (h: Harness, keys: Keys) => Promise<unknown>];

/** The situations of each endpoint, declared below and run on one shared server per store. */
const SUITES: Array<[title: string, cases: Case[]]> = [];
function declareCases(title: string, cases: Case[]): void {
  SUITES.push([title, cases]);
}

declareCases('SDK errors: oToMessages/readStatus (seed 000)', [
  ['robotCode left out', 'invalidParameter.robotCode.missing', (h, k) => h.acme.queryOto({ processQueryKey: k.oto })],
  ['robotCode empty', 'invalidParameter.robotCode.empty', (h, k) => h.acme.queryOto({ robotCode: '', processQueryKey: k.oto })],
  ['processQueryKey left out', 'invalidParameter.processQueryKey.missing', (h) => h.acme.queryOto({ robotCode: ACME.robot })],
  ['processQueryKey empty', 'invalidParameter.processQueryKey.missing', (h) => h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: '' })],
  ['no such robot', 'invalidParameter.robotCode.invalid', (h, k) => h.acme.queryOto({ robotCode: UNKNOWN_ROBOT, processQueryKey: k.oto })],
  [
    'a robot that another app of the org owns',
    'invalidParameter.robotCode.notExsit',
    (h, k) => h.acme.queryOto({ robotCode: ACME.ownedRobot, processQueryKey: k.ownedOto }),
  ],
  [
    'a robot whose template is missing',
    'template.not.existed',
    (h, k) => h.acme.queryOto({ robotCode: ACME.templateMissingRobot, processQueryKey: k.oto }),
  ],
  [
    'a robot whose template is stopped',
    'template.stopped',
    (h, k) => h.acme.queryOto({ robotCode: ACME.templateStoppedRobot, processQueryKey: k.oto }),
  ],
  ['an unknown key', 'invalid.processQueryKey', (h) => h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: UNKNOWN_KEY })],
  ['a group message\'s key', 'invalid.processQueryKey', (h, k) => h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: k.group })],
  [
    'a key another robot sent',
    'invalid.processQueryKey',
    (h, k) => h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: k.ownedOto }),
  ],
  [
    'a key with its case changed',
    'invalid.processQueryKey',
    (h, k) => h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: swapCase(k.oto) }),
  ],
  [
    'a key whose + was not URL-encoded (raw GET)',
    'invalid.processQueryKey',
    (h, k) => raw(h, 'GET', `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=${k.oto}`),
  ],
  [
    'robotCode given twice (raw GET)',
    'invalidParameter.param.invalid',
    (h, k) =>
      raw(h, 'GET', `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&robotCode=${ACME.robot}&processQueryKey=${encodeURIComponent(k.oto)}`),
  ],
]);

/** Cases shared by groupMessages/query and privateChatMessages/query. */
function chatQueryCases(kind: 'group' | 'private'): Case[] {
  const q = (h: Harness, fields: Record<string, unknown>) => (kind === 'group' ? h.acme.queryGroup(fields) : h.acme.queryPrivate(fields));
  const chat = kind === 'group' ? SMALL : PAIR;
  const key = (k: Keys) => (kind === 'group' ? k.group : k.private);
  const otherKind = (k: Keys) => (kind === 'group' ? k.private : k.group);
  const wrongConversation = kind === 'group' ? ACME.pair : ACME.smallGroup;
  return [
    ['processQueryKey left out', 'invalidParameter.processQueryKey.missing', (h) => q(h, { ...chat })],
    ['processQueryKey empty', 'invalidParameter.processQueryKey.missing', (h) => q(h, { ...chat, processQueryKey: '' })],
    ['maxResults 0', 'invalidParameter.pageSize.invalid', (h, k) => q(h, { ...chat, processQueryKey: key(k), maxResults: 0 })],
    ['maxResults 201', 'invalidParameter.pageSize.invalid', (h, k) => q(h, { ...chat, processQueryKey: key(k), maxResults: 201 })],
    ['maxResults as a string', 'invalidParameter.param.invalid', (h, k) => q(h, { ...chat, processQueryKey: key(k), maxResults: '5' })],
    ['maxResults 1.5', 'invalidParameter.param.invalid', (h, k) => q(h, { ...chat, processQueryKey: key(k), maxResults: 1.5 })],
    [
      'openConversationId left out',
      'openConversationId.notExisted',
      (h, k) => q(h, { robotCode: ACME.robot, processQueryKey: key(k) }),
    ],
    ['robotCode left out', 'invalidParameter.robotCode.missing', (h, k) => q(h, { openConversationId: chat.openConversationId, processQueryKey: key(k) })],
    [
      'robotCode empty',
      'invalidParameter.robotCode.missing',
      (h, k) => q(h, { openConversationId: chat.openConversationId, robotCode: '', processQueryKey: key(k) }),
    ],
    ['no such robot', 'invalidParameter.robotCode.invalid', (h, k) => q(h, { ...chat, robotCode: UNKNOWN_ROBOT, processQueryKey: key(k) })],
    [
      'a robot that another app of the org owns',
      'auth.error',
      (h, k) => q(h, { ...chat, robotCode: ACME.ownedRobot, processQueryKey: key(k) }),
    ],
    ['a stopped robot', 'bot.stopped', (h, k) => q(h, { ...chat, robotCode: ACME.stoppedRobot, processQueryKey: key(k) })],
    [
      'a robot whose template is missing',
      'template.not.existed',
      (h, k) => q(h, { ...chat, robotCode: ACME.templateMissingRobot, processQueryKey: key(k) }),
    ],
    [
      'a robot whose template is stopped',
      'template.stopped',
      (h, k) => q(h, { ...chat, robotCode: ACME.templateStoppedRobot, processQueryKey: key(k) }),
    ],
    ['no such conversation', 'invalid.openConversationId', (h, k) => q(h, { ...chat, openConversationId: UNKNOWN_GROUP, processQueryKey: key(k) })],
    [
      `a ${kind === 'group' ? 'private chat' : 'group'} as the conversation`,
      'invalid.openConversationId',
      (h, k) => q(h, { ...chat, openConversationId: wrongConversation, processQueryKey: key(k) }),
    ],
    ['an unknown key', 'invalid.processQueryKey', (h) => q(h, { ...chat, processQueryKey: UNKNOWN_KEY })],
    ['a key of another kind', 'invalid.processQueryKey', (h, k) => q(h, { ...chat, processQueryKey: otherKind(k) })],
    ['a one-on-one message\'s key', 'invalid.processQueryKey', (h, k) => q(h, { ...chat, processQueryKey: k.oto })],
    ['a made-up nextToken', 'invalidParameter.cursor.invalid', (h, k) => q(h, { ...chat, processQueryKey: key(k), nextToken: 'bm9wZQ==' })],
  ];
}

declareCases('SDK errors: groupMessages/query (seed 003)', [
  ...chatQueryCases('group'),
  [
    'a legacy token and no openConversationId',
    'invalidParameter.invalid',
    (h, k) => h.acme.queryGroup({ robotCode: ACME.robot, token: 'legacy', processQueryKey: k.group }),
  ],
  [
    'a robot that is not in the group',
    'invalidParameter.robotCode.notExsit',
    (h, k) => h.acme.queryGroup({ ...SMALL, robotCode: ACME.loneRobot, processQueryKey: k.group }),
  ],
  ['a key of another group', 'invalid.processQueryKey', (h, k) => h.acme.queryGroup({ ...SMALL, processQueryKey: k.bigGroup })],
  [
    'a key another robot sent into the same group',
    'invalid.processQueryKey',
    (h, k) => h.acme.queryGroup({ ...BIG, processQueryKey: k.ownedGroup }),
  ],
]);

declareCases('SDK errors: privateChatMessages/query (seed 002)', chatQueryCases('private'));

const tooLongParam = (): string => JSON.stringify({ content: 'x'.repeat(15_000) });
/** 5,001 three-byte characters: 5,015 characters of JSON, but over 15,000 bytes. */
const tooManyBytesParam = (): string => JSON.stringify({ content: '中'.repeat(5_001) });

/** msgKey/msgParam cases, the same for the three sends. */
function messageCases(send: (h: Harness, message: Record<string, unknown>) => Promise<unknown>): Case[] {
  return [
    ['msgKey left out', 'invalidParameter.msgKey.empty', (h) => send(h, { msgParam: '{"content":"x"}' })],
    ['msgKey empty', 'invalidParameter.msgKey.empty', (h) => send(h, { msgKey: '', msgParam: '{"content":"x"}' })],
    ['an unknown msgKey', 'invalidParameter.msgKey.invalid', (h) => send(h, { msgKey: 'sampleNope', msgParam: '{"content":"x"}' })],
    ['msgKey naming an Object.prototype member', 'invalidParameter.msgKey.invalid', (h) => send(h, { msgKey: 'toString', msgParam: '{}' })],
    ['msgParam left out', 'invalidParameter.msgParam.invalid', (h) => send(h, { msgKey: 'sampleText' })],
    ['msgParam empty', 'invalidParameter.msgParam.invalid', (h) => send(h, { msgKey: 'sampleText', msgParam: '' })],
    ['msgParam not JSON', 'invalidParameter.msgParam.invalid', (h) => send(h, { msgKey: 'sampleText', msgParam: '{content: x}' })],
    ['msgParam a JSON array', 'invalidParameter.msgParam.invalid', (h) => send(h, { msgKey: 'sampleText', msgParam: '[]' })],
    ['msgParam JSON null', 'invalidParameter.msgParam.invalid', (h) => send(h, { msgKey: 'sampleText', msgParam: 'null' })],
    [
      'msgParam without the template\'s key',
      'invalidParameter.msgParam.invalid',
      (h) => send(h, { msgKey: 'sampleMarkdown', msgParam: '{"title":"t"}' }),
    ],
    [
      'msgParam with a non-string value',
      'invalidParameter.msgParam.invalid',
      (h) => send(h, { msgKey: 'sampleText', msgParam: '{"content":42}' }),
    ],
    [
      'msgParam as an object instead of a JSON string',
      'invalidParameter.param.invalid',
      (h) => send(h, { msgKey: 'sampleText', msgParam: { content: 'x' } }),
    ],
    ['msgParam over 15,000 bytes', 'invalidParameter.msgParam.tooLong', (h) => send(h, { msgKey: 'sampleText', msgParam: tooLongParam() })],
    [
      'msgParam over 15,000 bytes in fewer characters',
      'invalidParameter.msgParam.tooLong',
      (h) => send(h, { msgKey: 'sampleText', msgParam: tooManyBytesParam() }),
    ],
  ];
}

/** Robot cases for the three sends (each robot is installed in the big group). */
function robotCases(send: (h: Harness, robotCode: string | undefined) => Promise<unknown>): Case[] {
  return [
    ['robotCode left out', 'invalidParameter.robotCode.empty', (h) => send(h, undefined)],
    ['robotCode empty', 'invalidParameter.robotCode.empty', (h) => send(h, '')],
    ['no such robot', 'invalidParameter.robotCode.notExsit', (h) => send(h, UNKNOWN_ROBOT)],
    ['a robot that another app of the org owns', 'invalidParameter.robotCode.auth', (h) => send(h, ACME.ownedRobot)],
    ['a stopped robot', 'bot.stopped', (h) => send(h, ACME.stoppedRobot)],
    ['a robot whose template is missing', 'template.not.existed', (h) => send(h, ACME.templateMissingRobot)],
    ['a robot whose template is stopped', 'template.stopped', (h) => send(h, ACME.templateStoppedRobot)],
  ];
}

const only = <T extends object>(fields: T, robotCode: string | undefined) => ({
  ...fields,
  ...(robotCode === undefined ? {} : { robotCode }),
});

declareCases('SDK errors: oToMessages/batchSend', [
  ...robotCases((h, robotCode) => h.acme.sendOto(only({ userIds: ['u0001'], ...text('x') }, robotCode))),
  ...messageCases((h, message) => h.acme.sendOto({ robotCode: ACME.robot, userIds: ['u0001'], ...message })),
  ['userIds left out', 'invalidParameter.userIds.empty', (h) => h.acme.sendOto({ robotCode: ACME.robot, ...text('x') })],
  ['userIds empty', 'invalidParameter.userIds.empty', (h) => h.acme.sendOto({ robotCode: ACME.robot, userIds: [], ...text('x') })],
  [
    '21 userIds',
    'invalidParameter.userIds.overMax',
    (h) => h.acme.sendOto({ robotCode: ACME.robot, userIds: users(21), ...text('x') }),
  ],
  [
    'no userId of the org',
    'staffId.notExisted',
    (h) => h.acme.sendOto({ robotCode: ACME.robot, userIds: ['nobody', 'g001', 'U0001'], ...text('x') }),
  ],
  [
    'userIds holding a number',
    'invalidParameter.param.invalid',
    (h) => h.acme.sendOto({ robotCode: ACME.robot, userIds: ['u0001', 2], ...text('x') }),
  ],
]);

declareCases('SDK errors: groupMessages/send', [
  ...robotCases((h, robotCode) => h.acme.sendGroup(only({ openConversationId: ACME.bigGroup, ...text('x') }, robotCode))),
  ...messageCases((h, message) => h.acme.sendGroup({ ...SMALL, ...message })),
  ['a legacy token and no robotCode', 'invalidParameter.invalid', (h) => h.acme.sendGroup({ openConversationId: ACME.smallGroup, token: 't', ...text('x') })],
  ['openConversationId left out', 'invalidParameter.openConversationId.empty', (h) => h.acme.sendGroup({ robotCode: ACME.robot, ...text('x') })],
  ['no such group', 'invalid.openConversationId', (h) => h.acme.sendGroup({ ...SMALL, openConversationId: UNKNOWN_GROUP, ...text('x') })],
  ['a private chat as the group', 'invalid.openConversationId', (h) => h.acme.sendGroup({ ...PAIR, ...text('x') })],
  [
    'a coolAppCode the group has not installed',
    'invalidParameter.robotCode.coolApp',
    (h) => h.acme.sendGroup({ ...SMALL, coolAppCode: ACME.coolAppCode, ...text('x') }),
  ],
  ['a robot not installed in the group', 'resource.unavailable', (h) => h.acme.sendGroup({ ...SMALL, robotCode: ACME.loneRobot, ...text('x') })],
]);

declareCases('SDK errors: privateChatMessages/send', [
  ...robotCases((h, robotCode) => h.acme.sendPrivate(only({ openConversationId: ACME.pair, coolAppCode: ACME.coolAppCode, ...text('x') }, robotCode))),
  ...messageCases((h, message) => h.acme.sendPrivate({ ...PAIR_SEND, ...message })),
  ['openConversationId left out', 'invalidParameter.openConversationId.empty', (h) => h.acme.sendPrivate({ robotCode: ACME.robot, coolAppCode: ACME.coolAppCode, ...text('x') })],
  ['coolAppCode left out', 'invalidParameter.robotCode.coolApp', (h) => h.acme.sendPrivate({ ...PAIR, ...text('x') })],
  ['a wrong coolAppCode', 'invalidParameter.robotCode.coolApp', (h) => h.acme.sendPrivate({ ...PAIR, coolAppCode: 'COOLAPP-1-NOPE', ...text('x') })],
  ['no such chat', 'invalid.openConversationId', (h) => h.acme.sendPrivate({ ...PAIR_SEND, openConversationId: 'cidNoSuchPair==', ...text('x') })],
  ['a group as the chat', 'invalid.openConversationId', (h) => h.acme.sendPrivate({ ...PAIR_SEND, openConversationId: ACME.smallGroup, ...text('x') })],
]);

/** Cases for the three recalls. */
function recallCases(kind: 'oto' | 'group' | 'private'): Case[] {
  const recall = (h: Harness, fields: Record<string, unknown>) =>
    kind === 'oto' ? h.acme.recallOto(fields) : kind === 'group' ? h.acme.recallGroup(fields) : h.acme.recallPrivate(fields);
  const base = kind === 'oto' ? { robotCode: ACME.robot } : kind === 'group' ? SMALL : PAIR;
  const key = (k: Keys) => (kind === 'oto' ? k.oto : kind === 'group' ? k.group : k.private);
  const max = kind === 'oto' ? 20 : 100;
  const cases: Case[] = [
    ['robotCode left out', 'invalidParameter.robotCode.empty', (h, k) => recall(h, { ...base, robotCode: undefined, processQueryKeys: [key(k)] })],
    ['robotCode empty', 'invalidParameter.robotCode.empty', (h, k) => recall(h, { ...base, robotCode: '', processQueryKeys: [key(k)] })],
    ['processQueryKeys left out', 'invalidParameter.processQueryKeys.empty', (h) => recall(h, { ...base })],
    ['processQueryKeys empty', 'invalidParameter.processQueryKeys.empty', (h) => recall(h, { ...base, processQueryKeys: [] })],
    [
      `${max + 1} keys`,
      'invalidParameter.processQueryKeys.overMax',
      (h, k) => recall(h, { ...base, processQueryKeys: [key(k), ...Array.from({ length: max }, (_, i) => `${UNKNOWN_KEY}${i}`)] }),
    ],
    ['no such robot', 'invalidParameter.robotCode.notExsit', (h, k) => recall(h, { ...base, robotCode: UNKNOWN_ROBOT, processQueryKeys: [key(k)] })],
    [
      'a robot that another app of the org owns',
      'invalidParameter.robotCode.auth',
      (h, k) => recall(h, { ...base, robotCode: ACME.ownedRobot, processQueryKeys: [kind === 'oto' ? k.ownedOto : key(k)] }),
    ],
    ['processQueryKeys holding a number', 'invalidParameter.param.invalid', (h, k) => recall(h, { ...base, processQueryKeys: [key(k), 7] })],
  ];
  if (kind !== 'oto') {
    cases.push(
      ['openConversationId left out', 'invalidParameter.openConversationId.empty', (h, k) => recall(h, { robotCode: ACME.robot, processQueryKeys: [key(k)] })],
      ['no such conversation', 'invalid.openConversationId', (h, k) => recall(h, { ...base, openConversationId: UNKNOWN_GROUP, processQueryKeys: [key(k)] })],
    );
  }
  return cases;
}

declareCases('SDK errors: otoMessages/batchRecall', recallCases('oto'));
declareCases('SDK errors: groupMessages/recall', recallCases('group'));
declareCases('SDK errors: privateChatMessages/batchRecall', recallCases('private'));

forEachStore('SDK errors', (store) => {
  let h: Harness;
  let keys: Keys;
  before(async () => {
    h = await startHarness(store);
    keys = {
      oto: await h.acme.otoKey(['u0001', 'u0002']),
      group: await h.acme.groupKey(),
      bigGroup: await h.acme.groupKey(ACME.bigGroup),
      ownedGroup: await h.acmeOther.groupKey(ACME.bigGroup, ACME.ownedRobot),
      ownedOto: await h.acmeOther.otoKey(['u0001'], ACME.ownedRobot),
      private: await h.acme.privateKey(),
    };
  });
  after(() => h.close());

  for (const [title, cases] of SUITES) {
    describe(title, () => {
      for (const [situation, code, run] of cases) {
        it(`${code}: ${situation}`, async () => {
          const before = await h.server.admin<{ items: unknown[] }>('GET', '/messages?limit=500');
          await expectError(() => run(h, keys), code);
          // A refused call never writes: no message appears, none is recalled.
          const afterwards = await h.server.admin<{ items: unknown[] }>('GET', '/messages?limit=500');
          assert.deepEqual(afterwards, before);
        });
      }
    });
  }

  describe('limits that are not errors', () => {
    it('takes 20 oto keys, 100 chat keys, and a msgParam of exactly 15,000 bytes', async () => {
      const many = (n: number) => Array.from({ length: n }, (_, i) => `${UNKNOWN_KEY}${i}`);
      const oto = await h.acme.recallOto({ robotCode: ACME.robot, processQueryKeys: many(20) });
      assert.equal(Object.keys(defined(oto.failedResult)).length, 20);
      const group = await h.acme.recallGroup({ ...SMALL, processQueryKeys: many(100) });
      assert.equal(Object.keys(defined(group.failedResult)).length, 100);
      const pc = await h.acme.recallPrivate({ ...PAIR, processQueryKeys: many(100) });
      assert.equal(Object.keys(defined(pc.failedResult)).length, 100);
      const wrapper = JSON.stringify({ content: '' }).length;
      const exact = JSON.stringify({ content: 'y'.repeat(15_000 - wrapper) });
      assert.equal(Buffer.byteLength(exact), 15_000);
      assert.ok((await h.acme.sendGroup({ ...SMALL, msgKey: 'sampleText', msgParam: exact })).processQueryKey);
      const sent = await h.acme.sendOto({ robotCode: ACME.robot, userIds: users(20), msgKey: 'sampleText', msgParam: exact });
      assert.deepEqual(sent.invalidStaffIdList, []);
    });

    it('recalls with a stopped robot or template (only sends and queries check them)', async () => {
      for (const robotCode of [ACME.stoppedRobot, ACME.templateMissingRobot, ACME.templateStoppedRobot]) {
        const result = await h.acme.recallGroup({ ...BIG, robotCode, processQueryKeys: [UNKNOWN_KEY] });
        assert.deepEqual(result.failedResult, { [UNKNOWN_KEY]: 'invalid.processQueryKey' });
      }
    });
  });

  describe('processQueryKey encoding in the readStatus GET', () => {
    it('keys hold + / = and work through the SDK, which URL-encodes them', async () => {
      const sent: string[] = [];
      for (let i = 0; i < 40 && !sent.some((k) => k.includes('/')); i++) sent.push(await h.acme.otoKey(['u0001']));
      const key = defined(sent.find((k) => k.includes('/')), 'a key holding /');
      assert.ok(sent.every((k) => k.includes('+') && k.endsWith('=')));
      await read(h.server, key, ['u0001']);
      const page = await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: key });
      assert.deepEqual(
        page.messageReadInfoList?.map((i) => [i.userId, i.readStatus]),
        [['u0001', 'READ']],
      );
      const token = defined(h.acme.token);
      const path = (k: string) => `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=${k}`;
      const encoded = await call(h.server.url, 'GET', path(encodeURIComponent(key)), { token });
      assert.equal(encoded.status, 200);
      const plain = await call(h.server.url, 'GET', path(key), { token });
      assert.equal(plain.status, 400);
      assert.equal(plain.body.code, 'invalid.processQueryKey');
      assert.match(plain.body.requestid, UPPER_UUID);
      // Only the + matters: / and = may go unencoded.
      const plusOnly = await call(h.server.url, 'GET', path(key.replaceAll('+', '%2B')), { token });
      assert.equal(plusOnly.status, 200);
    });
  });

  // Last: it moves this server's clock a day ahead.
  describe('the 24-hour window', () => {
    it('answers processQueryKey.expireTime 24 h after the send, and recalls then fail per key', async () => {
      h.server.clock.advance(0);
      const oto = await h.acme.otoKey(['u0001']);
      const group = await h.acme.groupKey();
      const pc = await h.acme.privateKey();
      const recalledEarly = await h.acme.groupKey();
      await read(h.server, group, ['u0001']);
      assert.deepEqual((await h.acme.recallGroup({ ...SMALL, processQueryKeys: [recalledEarly] })).successResult, [recalledEarly]);

      h.server.clock.advance(DAY_MS - 1);
      // Tokens lasted 2 hours: fetch new ones (the SDK's own flow).
      const acme = h.acme.as(await sdkToken(h.sdk, ACME.appKey, ACME.appSecret));
      assert.equal((await acme.queryOto({ robotCode: ACME.robot, processQueryKey: oto })).sendStatus, 'SUCCESS');
      assert.deepEqual((await acme.queryGroup({ ...SMALL, processQueryKey: group })).readUserIds, ['u0001']);
      assert.equal((await acme.queryPrivate({ ...PAIR, processQueryKey: pc })).sendStatus, 'SUCCESS');

      h.server.clock.advance(1);
      await expectError(() => acme.queryOto({ robotCode: ACME.robot, processQueryKey: oto }), 'processQueryKey.expireTime');
      await expectError(() => acme.queryGroup({ ...SMALL, processQueryKey: group }), 'processQueryKey.expireTime');
      await expectError(() => acme.queryPrivate({ ...PAIR, processQueryKey: pc }), 'processQueryKey.expireTime');
      await expectError(() => acme.queryGroup({ ...SMALL, processQueryKey: recalledEarly }), 'processQueryKey.expireTime');
      // An unknown key is still invalid, not expired: the window only applies to real messages.
      await expectError(() => acme.queryGroup({ ...SMALL, processQueryKey: UNKNOWN_KEY }), 'invalid.processQueryKey');

      const otoRecall = await acme.recallOto({ robotCode: ACME.robot, processQueryKeys: [oto] });
      assert.deepEqual([otoRecall.successResult, otoRecall.failedResult], [[], { [oto]: 'processQueryKey.expireTime' }]);
      const groupRecall = await acme.recallGroup({ ...SMALL, processQueryKeys: [group, UNKNOWN_KEY] });
      assert.deepEqual(groupRecall.successResult, []);
      assert.deepEqual(groupRecall.failedResult, { [group]: 'processQueryKey.expireTime', [UNKNOWN_KEY]: 'invalid.processQueryKey' });
      const pcRecall = await acme.recallPrivate({ ...PAIR, processQueryKeys: [pc] });
      assert.deepEqual(pcRecall.failedResult, { [pc]: 'processQueryKey.expireTime' });
      const inspected = await h.server.admin<{ sendStatus: string }>('GET', `/messages/${encodeURIComponent(group)}`);
      assert.equal(inspected.sendStatus, 'SUCCESS', 'the expired recall changed nothing');
    });
  });
});

forEachStore('SDK errors: delivery still in progress', (store) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(store, { core: { deliveryDelayMs: 5_000 } });
  });
  after(() => h.close());

  it('answers processQueryKey.expireTime while a message is PROCESSING, then SUCCESS', async () => {
    h.server.clock.advance(0);
    const oto = await h.acme.otoKey(['u0001']);
    const group = await h.acme.groupKey();
    const pc = await h.acme.privateKey();
    const status = await h.server.admin<{ sendStatus: string }>('GET', `/messages/${encodeURIComponent(group)}`);
    assert.equal(status.sendStatus, 'PROCESSING');
    await expectError(() => h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: oto }), 'processQueryKey.expireTime');
    await expectError(() => h.acme.queryGroup({ ...SMALL, processQueryKey: group }), 'processQueryKey.expireTime');
    await expectError(() => h.acme.queryPrivate({ ...PAIR, processQueryKey: pc }), 'processQueryKey.expireTime');
    h.server.clock.advance(5_000);
    assert.equal((await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: oto })).sendStatus, 'SUCCESS');
    assert.equal((await h.acme.queryGroup({ ...SMALL, processQueryKey: group })).sendStatus, 'SUCCESS');
    assert.equal((await h.acme.queryPrivate({ ...PAIR, processQueryKey: pc })).sendStatus, 'SUCCESS');
  });
});

function users(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `u${String(i + 1).padStart(4, '0')}`);
}

function swapCase(value: string): string {
  return [...value].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
}

async function raw(h: Harness, method: string, path: string, body?: unknown): Promise<never> {
  const response = await call(h.server.url, method, path, {
    token: defined(h.acme.token),
    ...(body === undefined ? {} : { body }),
  });
  // Shaped like the SDK's error, so the cases above check both the same way.
  const error = Object.assign(new Error(`${response.status} ${JSON.stringify(response.body)}`), {
    code: response.body?.code,
    statusCode: response.status,
    data: { ...response.body, statusCode: response.status },
  });
  assert.equal(response.headers.get('x-acs-request-id'), response.body?.requestid);
  if (response.status < 400) throw new Error(`expected an error, got ${response.status}`);
  throw error;
}

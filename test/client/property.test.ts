/**
 * Whatever a caller passes and whatever the server answers, a client call resolves, or rejects
 * with a DingTalkError: never a TypeError, a SyntaxError or anything else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fc } from '../helpers/property.js';
import { DingTalkClient, isDingTalkError } from '../../src/client/index.js';
import { ACME } from '../helpers/fixtures.js';
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

type Method = (client: DingTalkClient, request: any) => Promise<unknown>;
const METHODS: Record<string, Method> = {
  batchSendOTO: (c, r) => c.batchSendOTO(r),
  batchOTOQuery: (c, r) => c.batchOTOQuery(r),
  batchRecallOTO: (c, r) => c.batchRecallOTO(r),
  orgGroupSend: (c, r) => c.orgGroupSend(r),
  orgGroupQuery: (c, r) => c.orgGroupQuery(r),
  orgGroupRecall: (c, r) => c.orgGroupRecall(r),
  privateChatSend: (c, r) => c.privateChatSend(r),
  privateChatQuery: (c, r) => c.privateChatQuery(r),
  batchRecallPrivateChat: (c, r) => c.batchRecallPrivateChat(r),
  orgGroupReadUsers: async (c, r) => {
    for await (const id of c.orgGroupReadUsers(r)) void id;
  },
  privateChatReadUsers: async (c, r) => {
    for await (const id of c.privateChatReadUsers(r)) void id;
  },
};

const FIELDS = ['robotCode', 'userIds', 'msgKey', 'msgParam', 'processQueryKey', 'processQueryKeys', 'openConversationId', 'coolAppCode', 'maxResults', 'nextToken'];

/** Values of every type a JavaScript caller could put in a field, real ids among them. */
const anyValue = fc.oneof(
  fc.constantFrom(ACME.robot, ACME.bigGroup, ACME.pair, ACME.coolAppCode, 'sampleText', '{"content":"x"}', 'u0001'),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant('u0001')), { maxLength: 25 }),
  fc.object({ maxDepth: 2 }),
  fc.dictionary(fc.constantFrom('content', 'title', 'text'), fc.string()),
);

const anyRequest = fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 8 });

async function outcome(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    assert.ok(isDingTalkError(error), `rejected with something else: ${String(error)} ${(error as Error)?.stack ?? ''}`);
  }
}

describe('DingTalkClient: every outcome is a result or a DingTalkError', () => {
  let server: TestServer;
  let scripted: ScriptedServer;
  before(async () => {
    server = await startTestServer();
    scripted = await startScriptedServer();
  });
  after(async () => {
    await server.close();
    await scripted.close();
  });

  it('whatever the request holds, against dingread', async () => {
    const client = new DingTalkClient({ appKey: ACME.appKey, appSecret: ACME.appSecret, endpoint: server.url, retries: 0 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(METHODS)), anyRequest, async (name, request) => {
        await outcome(() => (METHODS[name] as Method)(client, request));
      }),
      { numRuns: 300 },
    );
  });

  it('whatever the server answers', async () => {
    const answer = fc.record({
      status: fc.constantFrom(200, 201, 204, 302, 400, 401, 403, 404, 429, 500, 502, 503),
      body: fc.oneof(
        fc.jsonValue().map((value) => JSON.stringify(value)),
        fc.string(),
        fc.constant(''),
        fc.constant('{"code":'),
        fc.constant('{"sendStatus":"SUCESS","readUserIds":["a"],"hasMore":true,"nextToken":"t"}'),
        fc.constant('{"sendStatus":"SUCCESS","readUserIds":null,"hasMore":true}'),
      ),
      hangUp: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(METHODS)), answer, async (name, reply) => {
        for (const path of ['/v1.0/oauth2/accessToken', ...Object.values(PATHS)]) {
          scripted.on(path, () => (reply.hangUp && path !== '/v1.0/oauth2/accessToken' ? { hangUp: true } : { status: reply.status, text: reply.body }));
        }
        const client = new DingTalkClient({ appKey: 'k', appSecret: 's', endpoint: scripted.url, retries: 1, retryBaseDelayMs: 1, timeoutMs: 2000 });
        // A paging answer that keeps saying hasMore would walk forever: bound the walk with a signal.
        await outcome(() =>
          (METHODS[name] as Method)(client, { robotCode: 'r', openConversationId: 'c', processQueryKey: 'k', userIds: ['u'], msgKey: 'sampleText', msgParam: { content: 'x' }, processQueryKeys: ['k'] }),
        );
      }),
      { numRuns: 150 },
    );
  });
});

const PATHS = {
  otoSend: '/v1.0/robot/oToMessages/batchSend',
  otoQuery: '/v1.0/robot/oToMessages/readStatus',
  otoRecall: '/v1.0/robot/otoMessages/batchRecall',
  groupSend: '/v1.0/robot/groupMessages/send',
  groupQuery: '/v1.0/robot/groupMessages/query',
  groupRecall: '/v1.0/robot/groupMessages/recall',
  pcSend: '/v1.0/robot/privateChatMessages/send',
  pcQuery: '/v1.0/robot/privateChatMessages/query',
  pcRecall: '/v1.0/robot/privateChatMessages/batchRecall',
};

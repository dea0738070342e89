/** The client against a real dingread server: every method, pagination, typed errors. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DingTalkClient, isDingTalkApiError, isDingTalkError, type DingTalkApiError } from '../../src/client/index.js';
import { ACME, ACME_USERS } from '../helpers/fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

async function apiError(promise: Promise<unknown>): Promise<DingTalkApiError> {
  try {
    await promise;
  } catch (error) {
    if (isDingTalkApiError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('DingTalkClient against dingread', () => {
  let server: TestServer;
  let client: DingTalkClient;
  before(async () => {
    server = await startTestServer();
    client = new DingTalkClient({ appKey: ACME.appKey, appSecret: ACME.appSecret, endpoint: server.url });
  });
  after(() => server.close());

  it('sends one-on-one with a typed msgParam object, reads the status, recalls', async () => {
    const sent = await client.batchSendOTO({
      robotCode: ACME.robot,
      userIds: ['u0001', 'u0002', 'nobody'],
      msgKey: 'sampleMarkdown',
      msgParam: { title: 'Hello', text: '**hi**' },
    });
    assert.deepEqual(sent.invalidStaffIdList, ['nobody']);
    assert.match(sent.processQueryKey, /\+/, 'keys hold a + that the client must encode');
    await server.admin('POST', '/reads', { reads: [{ processQueryKey: sent.processQueryKey, userId: 'u0002' }] });
    const status = await client.batchOTOQuery({ robotCode: ACME.robot, processQueryKey: sent.processQueryKey });
    assert.equal(status.sendStatus, 'SUCCESS');
    assert.deepEqual(
      status.messageReadInfoList.map((info) => [info.userId, info.readStatus]),
      [['u0001', 'UNREAD'], ['u0002', 'READ']],
    );
    const detail = await server.admin<{ msgParam: string }>('GET', `/messages/${encodeURIComponent(sent.processQueryKey)}`);
    assert.deepEqual(JSON.parse(detail.msgParam), { title: 'Hello', text: '**hi**' });
    const recalled = await client.batchRecallOTO({ robotCode: ACME.robot, processQueryKeys: [sent.processQueryKey] });
    assert.deepEqual(recalled.successResult, [sent.processQueryKey]);
    const after = await client.batchOTOQuery({ robotCode: ACME.robot, processQueryKey: sent.processQueryKey });
    assert.equal(after.sendStatus, 'RECALLED');
  });

  it('walks every reader of a group message across pages with orgGroupReadUsers', async () => {
    const { processQueryKey } = await client.orgGroupSend({
      robotCode: ACME.robot,
      openConversationId: ACME.bigGroup,
      msgKey: 'sampleText',
      msgParam: { content: 'all hands' },
    });
    const readers = ACME_USERS.filter((_, i) => i % 3 !== 0);
    await server.admin('POST', '/reads', { reads: readers.map((userId) => ({ processQueryKey, userId })) });
    const seen: string[] = [];
    for await (const userId of client.orgGroupReadUsers({ robotCode: ACME.robot, openConversationId: ACME.bigGroup, processQueryKey })) {
      seen.push(userId);
    }
    assert.equal(readers.length, 300);
    assert.deepEqual(seen, readers);
    const small: string[] = [];
    for await (const userId of client.orgGroupReadUsers({
      robotCode: ACME.robot,
      openConversationId: ACME.bigGroup,
      processQueryKey,
      maxResults: 7,
    })) {
      small.push(userId);
    }
    assert.deepEqual(small, readers, 'the same readers with pages of 7');
    const recall = await client.orgGroupRecall({ robotCode: ACME.robot, openConversationId: ACME.bigGroup, processQueryKeys: [processQueryKey] });
    assert.deepEqual(recall.failedResult, {});
  });

  it('sends into a person-to-person chat and walks its readers', async () => {
    const { processQueryKey } = await client.privateChatSend({
      robotCode: ACME.robot,
      openConversationId: ACME.pair,
      coolAppCode: ACME.coolAppCode,
      msgKey: 'sampleText',
      msgParam: JSON.stringify({ content: 'as a string' }),
    });
    await server.admin('POST', `/conversations/${encodeURIComponent(ACME.pair)}/read`, { userId: 'u0001' });
    const readers: string[] = [];
    for await (const userId of client.privateChatReadUsers({ robotCode: ACME.robot, openConversationId: ACME.pair, processQueryKey })) {
      readers.push(userId);
    }
    assert.deepEqual(readers, ['u0001']);
    const page = await client.privateChatQuery({ robotCode: ACME.robot, openConversationId: ACME.pair, processQueryKey });
    assert.equal(page.hasMore, false);
    const recall = await client.batchRecallPrivateChat({ robotCode: ACME.robot, openConversationId: ACME.pair, processQueryKeys: [processQueryKey, 'unknown'] });
    assert.deepEqual(recall.successResult, [processQueryKey]);
    assert.deepEqual(recall.failedResult, { unknown: 'invalid.processQueryKey' });
  });

  it('gets a token directly, and the same one while it is valid', async () => {
    const first = await client.getAccessToken();
    const second = await client.getAccessToken();
    assert.equal(first.expireIn, 7200);
    assert.equal(first.accessToken, second.accessToken);
  });

  it('throws typed errors carrying code, status, request id, method and path', async () => {
    const error = await apiError(
      client.orgGroupQuery({ robotCode: ACME.robot, openConversationId: ACME.bigGroup, processQueryKey: 'nope', maxResults: 500 }),
    );
    assert.ok(isDingTalkError(error));
    assert.equal(error.kind, 'api');
    assert.equal(error.code, 'invalidParameter.pageSize.invalid');
    assert.equal(error.status, 400);
    assert.match(error.requestId ?? '', /^[0-9A-F-]{36}$/);
    assert.equal(error.method, 'POST');
    assert.equal(error.path, '/v1.0/robot/groupMessages/query');

    const reader = new DingTalkClient({ appKey: ACME.noScopeAppKey, appSecret: ACME.noScopeAppSecret, endpoint: server.url });
    const denied = await apiError(reader.batchOTOQuery({ robotCode: ACME.robot, processQueryKey: 'x' }));
    assert.equal(denied.code, 'Forbidden.AccessDenied.AccessTokenPermissionDenied');
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.accessDeniedDetail, { requiredScopes: ['qyapi_robot_sendmsg'] });

    const wrong = new DingTalkClient({ appKey: ACME.appKey, appSecret: 'wrong', endpoint: server.url });
    const rejected = await apiError(wrong.getAccessToken());
    assert.equal(rejected.code, 'invalidClientIdOrSecret');
  });

  it('fetches a new token by itself when the old one has expired', async () => {
    const fresh = new DingTalkClient({ appKey: ACME.appKey, appSecret: ACME.appSecret, endpoint: server.url, refreshMarginMs: 0 });
    const query = { robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: 'missing' };
    const before = await apiError(fresh.orgGroupQuery(query));
    assert.equal(before.code, 'invalid.processQueryKey', 'authenticated, then the key was refused');
    // The server's clock moves past the token's lifetime; the client's cache still believes in it.
    server.clock.advance(7201 * 1000);
    try {
      const afterExpiry = await apiError(fresh.orgGroupQuery(query));
      assert.equal(afterExpiry.code, 'invalid.processQueryKey', 'InvalidAuthentication was answered by a refresh and a retry');
    } finally {
      server.clock.useSystem();
    }
  });
});

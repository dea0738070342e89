/**
 * The client's token handling, retries, timeouts and error kinds, against a scripted local server
 * that answers as DingTalk does in situations dingread never creates (5xx, throttling, slowness).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  DingTalkClient,
  isDingTalkError,
  isNetworkError,
  isThrottlingError,
  isTimeoutError,
  type DingTalkError,
} from '../../src/client/index.js';
import { scriptTokens, startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';

const QUERY = '/v1.0/robot/groupMessages/query';
const SEND = '/v1.0/robot/groupMessages/send';
const TOKEN = '/v1.0/oauth2/accessToken';
const page = { sendStatus: 'SUCCESS', readUserIds: ['u1'], hasMore: false };
const query = { robotCode: 'bot', openConversationId: 'cid', processQueryKey: 'k' };
const send = { robotCode: 'bot', openConversationId: 'cid', msgKey: 'sampleText', msgParam: { content: 'x' } } as const;

async function failure(promise: Promise<unknown>): Promise<DingTalkError> {
  try {
    await promise;
  } catch (error) {
    if (isDingTalkError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('DingTalkClient resilience', () => {
  let server: ScriptedServer;
  let client: DingTalkClient;
  beforeEach(async () => {
    server = await startScriptedServer();
    scriptTokens(server);
    client = new DingTalkClient({ appKey: 'k', appSecret: 's', endpoint: server.url, retryBaseDelayMs: 1, retryMaxDelayMs: 5 });
  });
  afterEach(() => server.close());

  it('fetches one token for many concurrent calls and reuses it', async () => {
    server.on(QUERY, () => ({ body: page }));
    await Promise.all(Array.from({ length: 10 }, () => client.orgGroupQuery(query)));
    await client.orgGroupQuery(query);
    assert.equal(server.countOf(TOKEN), 1);
    const tokens = new Set(server.requests.filter((r) => r.url === QUERY).map((r) => r.headers['x-acs-dingtalk-access-token']));
    assert.deepEqual([...tokens], ['tok-1']);
    assert.deepEqual(JSON.parse(server.requests[0]?.body ?? ''), { appKey: 'k', appSecret: 's' });
  });

  it('refreshes before expiry', async () => {
    scriptTokens(server, 60);
    server.on(QUERY, () => ({ body: page }));
    const eager = new DingTalkClient({ appKey: 'k', appSecret: 's', endpoint: server.url, refreshMarginMs: 120_000 });
    await eager.orgGroupQuery(query);
    await eager.orgGroupQuery(query);
    assert.equal(server.countOf(TOKEN), 2, 'a token with less than the margin left is refreshed');
  });

  it('answers InvalidAuthentication with one refresh and one retry, even for a send', async () => {
    server.on(SEND, (request) =>
      request.headers['x-acs-dingtalk-access-token'] === 'tok-1'
        ? { status: 400, body: { code: 'InvalidAuthentication', message: 'expired', requestid: 'R1' } }
        : { body: { processQueryKey: 'pqk' } },
    );
    assert.deepEqual(await client.orgGroupSend(send), { processQueryKey: 'pqk' });
    assert.equal(server.countOf(TOKEN), 2);
    assert.equal(server.countOf(SEND), 2);
  });

  it('gives up after one refresh when the new token is refused too', async () => {
    server.on(QUERY, () => ({ status: 400, body: { code: 'InvalidAuthentication', message: 'no', requestid: 'R' } }));
    const error = await failure(client.orgGroupQuery(query));
    assert.equal(error.code, 'InvalidAuthentication');
    assert.equal(server.countOf(QUERY), 2);
  });

  it('retries queries on 5xx and on throttling, with backoff, then succeeds', async () => {
    server.on(QUERY, (_request, count) =>
      count === 1
        ? { status: 500, body: { code: 'system.error', message: 'busy', requestid: 'R' } }
        : count === 2
          ? { status: 403, body: { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', message: 'qps', requestid: 'R' } }
          : { body: page },
    );
    assert.deepEqual(await client.orgGroupQuery(query), page);
    assert.equal(server.countOf(QUERY), 3);
  });

  it('stops retrying after the configured number of retries', async () => {
    server.on(QUERY, () => ({ status: 403, body: { code: 'Forbidden.AccessDenied.QpsLimitForApi', message: 'qps', requestid: 'R' } }));
    const limited = new DingTalkClient({ appKey: 'k', appSecret: 's', endpoint: server.url, retries: 2, retryBaseDelayMs: 1 });
    const error = await failure(limited.orgGroupQuery(query));
    assert.ok(isThrottlingError(error));
    assert.equal(server.countOf(QUERY), 3);
  });

  it('never retries a send or a recall unless asked', async () => {
    server.on(SEND, () => ({ status: 500, body: { code: 'system.error', message: 'busy', requestid: 'R' } }));
    const error = await failure(client.orgGroupSend(send));
    assert.equal(error.status, 500);
    assert.equal(server.countOf(SEND), 1);
    await failure(client.orgGroupSend(send, { retry: true }));
    assert.equal(server.countOf(SEND), 1 + 4, 'opted in: the first attempt and three retries');
  });

  it('does not retry other 4xx answers', async () => {
    server.on(QUERY, () => ({ status: 400, body: { code: 'invalid.processQueryKey', message: 'no', requestid: 'R' } }));
    const error = await failure(client.orgGroupQuery(query));
    assert.equal(error.code, 'invalid.processQueryKey');
    assert.equal(error.requestId, 'R');
    assert.equal(server.countOf(QUERY), 1);
  });

  it('reads capitalised envelope keys and falls back to the request-id header', async () => {
    server.on(QUERY, () => ({ status: 400, body: { Code: 'Some.Code', Message: 'capitalised' } }));
    const error = await failure(client.orgGroupQuery(query));
    assert.equal(error.code, 'Some.Code');
    assert.equal(error.requestId, 'HDR-ID');
    server.on(SEND, () => ({ status: 502, text: '<html>bad gateway</html>' }));
    const html = await failure(client.orgGroupSend(send));
    assert.equal(html.code, 'HTTP502');
    assert.equal(html.kind, 'api');
  });

  it('times out with a distinct error, and retries a query that timed out', async () => {
    server.on(QUERY, (_request, count) => (count === 1 ? { delayMs: 500, body: page } : { body: page }));
    assert.deepEqual(await client.orgGroupQuery(query, { timeoutMs: 100 }), page);
    server.on(SEND, () => ({ delayMs: 500, body: { processQueryKey: 'late' } }));
    const error = await failure(client.orgGroupSend(send, { timeoutMs: 100 }));
    assert.ok(isTimeoutError(error));
    assert.equal(error.code, 'Timeout');
    assert.equal(error.status, undefined);
  });

  it('reports a hung-up connection and a refused one as network errors', async () => {
    server.on(SEND, () => ({ hangUp: true }));
    const hungUp = await failure(client.orgGroupSend(send));
    assert.ok(isNetworkError(hungUp));
    const nowhere = new DingTalkClient({ accessToken: 't', endpoint: 'http://127.0.0.1:1', retries: 0 });
    const refused = await failure(nowhere.orgGroupQuery(query));
    assert.ok(isNetworkError(refused));
    assert.equal(refused.path, QUERY);
  });

  it('stops when the caller aborts', async () => {
    server.on(QUERY, () => ({ delayMs: 1000, body: page }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(client.orgGroupQuery(query, { signal: controller.signal }));
    assert.equal(error.kind, 'aborted');
  });

  it('URL-encodes processQueryKey in readStatus and accepts the SUCESS spelling', async () => {
    server.on('/v1.0/robot/oToMessages/readStatus', () => ({ body: { sendStatus: 'SUCESS', messageReadInfoList: [] } }));
    const answer = await client.batchOTOQuery({ robotCode: 'bot', processQueryKey: 'a+b/c=' });
    assert.equal(answer.sendStatus, 'SUCCESS');
    const request = server.requests.find((r) => r.url.startsWith('/v1.0/robot/oToMessages/readStatus'));
    assert.equal(request?.url, '/v1.0/robot/oToMessages/readStatus?robotCode=bot&processQueryKey=a%2Bb%2Fc%3D');
  });

  it('refuses answers that lack what their type promises, and a walk whose cursor repeats', async () => {
    server.on(QUERY, () => ({ body: { sendStatus: 'SUCCESS' } }));
    const partial = await failure(client.orgGroupQuery(query));
    assert.equal(partial.code, 'InvalidResponse');
    assert.match(partial.message, /readUserIds/);
    server.on(QUERY, () => ({ body: { sendStatus: 'SUCCESS', readUserIds: ['u1'], hasMore: true, nextToken: 'same' } }));
    const seen: string[] = [];
    const walk = (async () => {
      for await (const userId of client.orgGroupReadUsers(query)) seen.push(userId);
    })();
    const looped = await failure(walk);
    assert.equal(looped.code, 'InvalidResponse');
    assert.deepEqual(seen, ['u1', 'u1'], 'it stops at the second time it is handed the same cursor');
    server.on('/v1.0/robot/otoMessages/batchRecall', () => ({ body: {} }));
    assert.deepEqual(await client.batchRecallOTO({ robotCode: 'bot', processQueryKeys: ['k'] }), { successResult: [], failedResult: {} });
  });

  it('reports a request that cannot be made as a client error, sending nothing', async () => {
    const bigint = await failure(client.orgGroupSend({ ...send, msgParam: { content: 10n as unknown as string } }));
    assert.equal(bigint.kind, 'client');
    assert.equal(bigint.code, 'ClientError');
    const broken = new DingTalkClient({ accessToken: () => Promise.reject(new Error('vault down')), endpoint: server.url });
    const provider = await failure(broken.orgGroupQuery(query));
    assert.equal(provider.kind, 'client');
    assert.match(provider.message, /accessToken provider failed/);
    assert.equal(server.countOf(SEND) + server.countOf(QUERY), 0);
    assert.throws(() => new DingTalkClient({ accessToken: 't', endpoint: 'ftp://x' }), /endpoint must be an http\(s\) URL/);
  });

  it('uses a caller-managed token as given, from a string or a provider', async () => {
    server.on(QUERY, () => ({ body: page }));
    let calls = 0;
    const managed = new DingTalkClient({ accessToken: async () => `mine-${++calls}`, endpoint: server.url });
    await managed.orgGroupQuery(query);
    await managed.orgGroupQuery(query);
    const used = server.requests.filter((r) => r.url === QUERY).map((r) => r.headers['x-acs-dingtalk-access-token']);
    assert.deepEqual(used, ['mine-1', 'mine-2']);
    assert.equal(server.countOf(TOKEN), 0);
    assert.throws(() => new DingTalkClient({ appKey: 'k' }), /appKey and appSecret go together/);
    assert.throws(() => new DingTalkClient({}), /either appKey and appSecret, or accessToken/);
  });
});

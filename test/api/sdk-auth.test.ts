/**
 * Tokens and the gateway, through the official SDK: getAccessToken's lifetime and renewal, and the
 * authentication, permission and routing errors every robot endpoint answers with.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACME, GLOBEX } from '../helpers/fixtures.js';
import { $OAuth, $Robot, officialSdk } from '../helpers/sdk.js';
import { call, forEachStore, startTestServer } from '../helpers/server.js';
import {
  defined,
  expectError,
  RobotApi,
  sdkToken,
  startHarness,
  text,
  UPPER_UUID,
  type Harness,
} from './sdk-conformance.js';

const TTL_MS = 7200 * 1000;

/** One harmless call per robot endpoint, named after the SDK action. */
function everyEndpoint(api: RobotApi, key: string): Array<[string, () => Promise<unknown>]> {
  const chat = { robotCode: ACME.robot, openConversationId: ACME.smallGroup };
  return [
    ['BatchSendOTO', () => api.sendOto({ robotCode: ACME.robot, userIds: ['u0001'], ...text('x') })],
    ['BatchOTOQuery', () => api.queryOto({ robotCode: ACME.robot, processQueryKey: key })],
    ['BatchRecallOTO', () => api.recallOto({ robotCode: ACME.robot, processQueryKeys: [key] })],
    ['OrgGroupSend', () => api.sendGroup({ ...chat, ...text('x') })],
    ['OrgGroupQuery', () => api.queryGroup({ ...chat, processQueryKey: key })],
    ['OrgGroupRecall', () => api.recallGroup({ ...chat, processQueryKeys: [key] })],
    [
      'PrivateChatSend',
      () => api.sendPrivate({ robotCode: ACME.robot, openConversationId: ACME.pair, coolAppCode: ACME.coolAppCode, ...text('x') }),
    ],
    ['PrivateChatQuery', () => api.queryPrivate({ robotCode: ACME.robot, openConversationId: ACME.pair, processQueryKey: key })],
    [
      'BatchRecallPrivateChat',
      () => api.recallPrivate({ robotCode: ACME.robot, openConversationId: ACME.pair, processQueryKeys: [key] }),
    ],
  ];
}

forEachStore('SDK token expiry on the server clock', (store) => {
  let h: Harness;
  before(async () => {
    h = await startHarness(store);
  });
  after(() => h.close());

  const send = (api: RobotApi) => api.sendGroup({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, ...text('e') });

  it('expires after 7200 s (server.clock.advance); a new token differs and works', async () => {
    const sdk = officialSdk(h.server.url);
    h.server.clock.advance(0); // stop the clock: expiry is then exact to the millisecond
    const token = await sdkToken(sdk, GLOBEX.appKey, GLOBEX.appSecret);
    const api = new RobotApi(sdk, token);
    const globexSend = () => api.sendGroup({ robotCode: GLOBEX.robot, openConversationId: GLOBEX.group, ...text('e') });
    h.server.clock.advance(TTL_MS - 1);
    assert.ok((await globexSend()).processQueryKey, 'still valid 1 ms before expiry');
    h.server.clock.advance(2);
    await expectError(globexSend, 'InvalidAuthentication');
    const fresh = await sdkToken(sdk, GLOBEX.appKey, GLOBEX.appSecret);
    assert.notEqual(fresh, token);
    assert.ok((await api.as(fresh).sendGroup({ robotCode: GLOBEX.robot, openConversationId: GLOBEX.group, ...text('e') })).processQueryKey);
    // The old one stays dead after the app has a new one.
    await expectError(globexSend, 'InvalidAuthentication');
  });

  it('expires when the control plane moves the clock ({advanceMs} and {nowMs})', async () => {
    const sdk = officialSdk(h.server.url);
    const token = await sdkToken(sdk, ACME.appKey, ACME.appSecret);
    const api = new RobotApi(sdk, token);
    assert.ok((await send(api)).processQueryKey);
    const moved = await h.server.admin<{ nowMs: number; mode: string }>('POST', '/clock', { advanceMs: TTL_MS + 1 });
    assert.equal(moved.mode, 'manual');
    await expectError(() => send(api), 'InvalidAuthentication');
    const second = await sdkToken(sdk, ACME.appKey, ACME.appSecret);
    assert.notEqual(second, token);
    assert.ok((await send(api.as(second))).processQueryKey);
    await h.server.admin('POST', '/clock', { nowMs: moved.nowMs + TTL_MS + 5 });
    await expectError(() => send(api.as(second)), 'InvalidAuthentication');
    const third = await sdkToken(sdk, ACME.appKey, ACME.appSecret);
    assert.equal(new Set([token, second, third]).size, 3);
  });

  it('renews the lifetime when the token is asked for again while valid', async () => {
    const sdk = officialSdk(h.server.url);
    const token = await sdkToken(sdk, ACME.otherAppKey, ACME.otherAppSecret);
    const api = new RobotApi(sdk, token);
    const ownSend = () => api.sendGroup({ robotCode: ACME.ownedRobot, openConversationId: ACME.bigGroup, ...text('r') });
    h.server.clock.advance(7000 * 1000);
    assert.equal(await sdkToken(sdk, ACME.otherAppKey, ACME.otherAppSecret), token, 'same token while valid');
    h.server.clock.advance(7000 * 1000);
    // 14,000 s after the first issue, 7,000 s after the renewal: still valid.
    assert.ok((await ownSend()).processQueryKey);
    h.server.clock.advance(200 * 1000 + 1);
    await expectError(ownSend, 'InvalidAuthentication');
  });
});

forEachStore('SDK getAccessToken and gateway errors', (store) => {
  let h: Harness;
  let key: string;
  before(async () => {
    h = await startHarness(store);
    key = await h.acme.groupKey();
  });
  after(() => h.close());

  it('issues a 7200 s token, and the same one while it is valid', async () => {
    const sdk = officialSdk(h.server.url);
    const first = await sdk.oauth.getAccessToken(
      new $OAuth.GetAccessTokenRequest({ appKey: ACME.appKey, appSecret: ACME.appSecret }),
    );
    assert.equal(first.statusCode, 200);
    assert.equal(first.body?.expireIn, 7200);
    const token = defined(first.body?.accessToken);
    assert.match(token, /^[0-9a-f]{32}$/);
    assert.equal(await sdkToken(sdk, ACME.appKey, ACME.appSecret), token);
    // Each app has its own token.
    const other = await sdkToken(sdk, ACME.otherAppKey, ACME.otherAppSecret);
    const globex = await sdkToken(sdk, GLOBEX.appKey, GLOBEX.appSecret);
    assert.equal(new Set([token, other, globex]).size, 3);
    // And the token works.
    const api = new RobotApi(sdk, token);
    assert.ok((await api.sendGroup({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, ...text('t') })).processQueryKey);
  });

  it('answers invalidClientIdOrSecret for a wrong secret or an unknown app', async () => {
    const sdk = officialSdk(h.server.url);
    await expectError(() => sdkToken(sdk, ACME.appKey, 'not-the-secret'), 'invalidClientIdOrSecret');
    await expectError(() => sdkToken(sdk, 'dingnosuchapp', ACME.appSecret), 'invalidClientIdOrSecret');
    // Another app's secret is not this app's.
    await expectError(() => sdkToken(sdk, ACME.appKey, GLOBEX.appSecret), 'invalidClientIdOrSecret');
  });

  const messages = () => h.server.admin<{ items: unknown[] }>('GET', '/messages?limit=500');

  it('answers 400 AuthenticationFailed.MissingParameter on every endpoint when the token header is missing', async () => {
    const before = await messages();
    for (const [action, run] of everyEndpoint(h.acme.as(undefined), key)) {
      const error = await expectError(run, 'AuthenticationFailed.MissingParameter');
      assert.match(error.data.message, /x-acs-dingtalk-access-token/, action);
    }
    assert.deepEqual(await messages(), before, 'nothing sent or recalled');
  });

  it('answers 400 InvalidAuthentication on every endpoint for an unknown or empty token', async () => {
    const before = await messages();
    for (const token of ['0123456789abcdef0123456789abcdef', 'not a token', '']) {
      for (const [, run] of everyEndpoint(h.acme.as(token), key)) await expectError(run, 'InvalidAuthentication');
    }
    assert.deepEqual(await messages(), before, 'nothing sent or recalled');
  });

  it('ignores a token sent as Authorization: Bearer or ?access_token=', async () => {
    const bearer = await call(h.server.url, 'POST', '/v1.0/robot/groupMessages/query', {
      body: { robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: key },
      headers: { authorization: `Bearer ${defined(h.acme.token)}` },
    });
    assert.equal(bearer.status, 400);
    assert.equal(bearer.body.code, 'AuthenticationFailed.MissingParameter');
    const query = await call(
      h.server.url,
      'GET',
      `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=x&access_token=${defined(h.acme.token)}`,
    );
    assert.equal(query.status, 400);
    assert.equal(query.body.code, 'AuthenticationFailed.MissingParameter');
  });

  it('answers 403 AccessTokenPermissionDenied with the required scope to an app without it', async () => {
    const before = await messages();
    for (const [action, run] of everyEndpoint(h.acmeNoScope, key)) {
      const error = await expectError(run, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', 403);
      assert.deepEqual(error.accessDeniedDetail, { requiredScopes: ['qyapi_robot_sendmsg'] }, action);
      assert.deepEqual(error.data.accessdenieddetail, { requiredScopes: ['qyapi_robot_sendmsg'] }, action);
    }
    // Nothing was sent by the refused sends.
    assert.deepEqual(await messages(), before, 'nothing sent or recalled');
  });

  it('checks the token before it looks at the body, as the gateway does', async () => {
    const path = '/v1.0/robot/groupMessages/send';
    const noToken = await call(h.server.url, 'POST', path, { rawBody: '{"robotCode": ' });
    assert.deepEqual([noToken.status, noToken.body.code], [400, 'AuthenticationFailed.MissingParameter']);
    const badToken = await call(h.server.url, 'POST', path, { token: 'bogus', body: { nonsense: true } });
    assert.deepEqual([badToken.status, badToken.body.code], [400, 'InvalidAuthentication']);
    const noScope = await call(h.server.url, 'POST', path, { token: defined(h.acmeNoScope.token), rawBody: 'not json' });
    assert.deepEqual([noScope.status, noScope.body.code], [403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied']);
    // With a good token the same bodies get the body's own errors.
    const good = await call(h.server.url, 'POST', path, { token: defined(h.acme.token), rawBody: '{"robotCode": ' });
    assert.deepEqual([good.status, good.body.code], [400, 'invalidParameter.param.invalid']);
    // An unknown field is ignored, as DingTalk's gateway does (refused only under --strict): the send has no robotCode.
    const unknownField = await call(h.server.url, 'POST', path, { token: defined(h.acme.token), body: { nonsense: true } });
    assert.deepEqual([unknownField.status, unknownField.body.code], [400, 'invalidParameter.robotCode.empty']);
  });

  it('answers 404 InvalidAction.NotFound for unknown paths and wrong casing, token or not', async () => {
    const token = defined(h.acme.token);
    const cases: Array<[string, string]> = [
      ['POST', '/v1.0/robot/otoMessages/batchSend'],
      ['GET', '/v1.0/robot/otoMessages/readStatus'],
      ['POST', '/v1.0/robot/oToMessages/batchRecall'],
      ['POST', '/v1.0/robot/groupmessages/query'],
      ['POST', '/v1.0/robot/GroupMessages/send'],
      ['POST', '/v1.0/robot/nothingHere'],
      ['GET', '/v1.0/robot/groupMessages/query'],
      ['POST', '/v2.0/robot/groupMessages/query'],
      ['POST', '/v1.0/robot/groupMessages/query/'],
    ];
    for (const [method, path] of cases) {
      for (const headers of [{ 'x-acs-dingtalk-access-token': token }, {}]) {
        const response = await call(h.server.url, method, path, {
          headers,
          ...(method === 'POST' ? { body: { robotCode: ACME.robot } } : {}),
        });
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.equal(response.body.code, 'InvalidAction.NotFound', `${method} ${path}`);
        assert.match(response.body.requestid, UPPER_UUID);
        assert.equal(response.headers.get('x-acs-request-id'), response.body.requestid);
      }
    }
    // The exact casing works with the same token: the 404s above are about the path alone.
    const ok = await call(h.server.url, 'POST', '/v1.0/robot/oToMessages/batchSend', {
      token,
      body: { robotCode: ACME.robot, userIds: ['u0001'], ...text('case') },
    });
    assert.equal(ok.status, 200);
  });

  it('sends x-acs-request-id equal to the body requestid, fresh for each request', async () => {
    const seen = new Set<string>();
    const cases = [
      { path: '/v1.0/robot/groupMessages/query', options: { body: { processQueryKey: key } } },
      { path: '/v1.0/robot/groupMessages/query', options: { token: 'bogus', body: {} } },
      { path: '/v1.0/robot/groupMessages/query', options: { token: defined(h.acme.token), body: { robotCode: ACME.robot } } },
      { path: '/v1.0/oauth2/accessToken', options: { body: { appKey: ACME.appKey, appSecret: 'wrong' } } },
    ];
    for (const { path, options } of cases) {
      const response = await call(h.server.url, 'POST', path, options);
      assert.equal(response.status, 400);
      const requestId = response.headers.get('x-acs-request-id');
      assert.match(response.body.requestid, UPPER_UUID);
      assert.equal(requestId, response.body.requestid);
      assert.equal(Object.keys(response.body).sort().join(','), 'code,message,requestid');
      seen.add(response.body.requestid);
    }
    assert.equal(seen.size, cases.length);
    // Successes carry one too, and the SDK sees it.
    const response = await h.sdk.robot.orgGroupQueryWithOptions(
      new $Robot.OrgGroupQueryRequest({
        robotCode: ACME.robot,
        openConversationId: ACME.smallGroup,
        processQueryKey: key,
      }),
      new $Robot.OrgGroupQueryHeaders({ xAcsDingtalkAccessToken: h.acme.token }),
      h.sdk.runtime,
    );
    assert.match(defined(response.headers?.['x-acs-request-id']), UPPER_UUID);
  });

  it('reports the SDK error with the envelope fields', async () => {
    const error = await expectError(
      () => h.acme.queryGroup({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: 'nope' }),
      'invalid.processQueryKey',
    );
    assert.equal(error.data.statusCode, 400);
    assert.ok(error.message.includes(error.data.requestid), 'the SDK message quotes the request id');
    assert.ok(error.message.includes('code: 400, '), error.message);
  });
});

describe('SDK against a server with an admin token', () => {
  it('still serves the DingTalk API without one (the admin token guards only /_dingread)', async () => {
    const server = await startTestServer({ adminToken: 'sekret' });
    try {
      const sdk = officialSdk(server.url);
      const api = new RobotApi(sdk, await sdkToken(sdk, ACME.appKey, ACME.appSecret));
      assert.ok(await api.groupKey());
      const denied = await call(server.url, 'GET', '/_dingread/v1/clock');
      assert.equal(denied.status, 401);
    } finally {
      await server.close();
    }
  });
});

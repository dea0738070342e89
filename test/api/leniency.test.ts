/**
 * DingTalk's leniency (api/dingtalk/leniency.ts): by default an unknown field is ignored and a
 * `null` one is absent on every DingTalk route, as DingTalk's gateway does; `--strict` refuses both.
 * Either way the request log names the unknown fields.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LoggedRequest } from '../../src/core/request-log.js';
import { ACME } from '../helpers/fixtures.js';
import { assertPrototypeClean, prototypeSnapshot } from '../helpers/raw-http.js';
import { call, forEachStore, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';

const SEND = { robotCode: ACME.robot, openConversationId: ACME.smallGroup, msgKey: 'sampleText', msgParam: '{"content":"hi"}' };

async function lastLogged(server: TestServer): Promise<LoggedRequest> {
  const { items } = await server.admin<{ items: LoggedRequest[] }>('GET', '/requests?limit=1');
  return items[0] as LoggedRequest;
}

forEachStore('leniency (the default)', (store) => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer({ store });
    token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
  });
  after(() => server.close());

  it('ignores unknown body fields and names them in the request log, with the body as sent', async () => {
    const body = { ...SEND, uuid: 'abc', futureOption: { nested: true } };
    const sent = await call(server.url, 'POST', '/v1.0/robot/groupMessages/send', { token, body });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const logged = await lastLogged(server);
    assert.deepEqual(logged.unknownFields, ['uuid', 'futureOption']);
    assert.deepEqual(logged.requestBody, body);
    assert.equal((await server.admin<{ msgParam: string }>('GET', `/messages/${encodeURIComponent(sent.body.processQueryKey)}`)).msgParam, SEND.msgParam);
  });

  it('takes null as absent: `"nextToken": null` is the first page, and a null robotCode is a missing one', async () => {
    const { body: sent } = await call(server.url, 'POST', '/v1.0/robot/groupMessages/send', { token, body: SEND });
    const page = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', {
      token,
      body: { robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: sent.processQueryKey, maxResults: null, nextToken: null },
    });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.deepEqual(page.body.readUserIds, []);
    assert.equal((await lastLogged(server)).unknownFields, undefined, 'null fields are known fields');
    const missing = await call(server.url, 'POST', '/v1.0/robot/groupMessages/send', { token, body: { ...SEND, robotCode: null } });
    assert.deepEqual([missing.status, missing.body.code], [400, 'invalidParameter.robotCode.empty']);
  });

  it('ignores unknown query parameters, on GET routes too', async () => {
    const answer = await call(server.url, 'GET', `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=nope&maxResults=5`, { token });
    assert.equal(answer.body.code, 'invalid.processQueryKey', 'the known parameters were judged');
    assert.deepEqual((await lastLogged(server)).unknownFields, ['maxResults']);
  });

  it('applies on the token routes, and not to the control plane', async () => {
    const answer = await call(server.url, 'POST', '/v1.0/oauth2/accessToken', { body: { appKey: ACME.appKey, appSecret: ACME.appSecret, grant_type: 'client_credentials' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.accessToken, token);
    const control = await call(server.url, 'POST', '/_dingread/v1/clock', { body: { mode: 'system', extra: 1 } });
    assert.equal(control.body.code, 'invalidParameter.param.invalid');
  });

  it('still refuses wrong types, and null inside a list', async () => {
    for (const body of [{ ...SEND, robotCode: 7 }, { robotCode: ACME.robot, userIds: ['u0001', null], msgKey: 'sampleText', msgParam: '{}' }]) {
      const path = 'userIds' in body ? '/v1.0/robot/oToMessages/batchSend' : '/v1.0/robot/groupMessages/send';
      const answer = await call(server.url, 'POST', path, { token, body });
      assert.deepEqual([answer.status, answer.body.code], [400, 'invalidParameter.param.invalid'], JSON.stringify(body));
    }
  });

  it('drops hostile keys without touching any prototype, and names at most 50 of many', async () => {
    const snapshot = prototypeSnapshot();
    // A prototype-poisoning body is refused by the JSON parser before leniency sees it.
    const poisoned = `{"robotCode":"${ACME.robot}","constructor":{"prototype":{"polluted":true}}}`;
    const refused = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', { token, rawBody: poisoned });
    assert.deepEqual([refused.status, refused.body.code], [400, 'invalidParameter.param.invalid']);
    const rawBody = `{"robotCode":"${ACME.robot}","toString":1,"hasOwnProperty":null,"valueOf":{"polluted":true}}`;
    const answer = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', { token, rawBody });
    assert.equal(answer.body.code, 'invalidParameter.processQueryKey.missing', 'judged on robotCode alone');
    assert.deepEqual((await lastLogged(server)).unknownFields, ['toString', 'hasOwnProperty', 'valueOf']);
    assertPrototypeClean(snapshot);
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`field${i}${'x'.repeat(200)}`, i]));
    await call(server.url, 'POST', '/v1.0/robot/groupMessages/send', { token, body: { ...SEND, ...many } });
    const named = (await lastLogged(server)).unknownFields ?? [];
    assert.equal(named.length, 50);
    assert.ok(named.every((name) => name.length <= 128));
  });
});

describe('--strict', () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer({ strict: true });
    token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
  });
  after(() => server.close());

  it('refuses an unknown field, writes nothing, and names the field in the log', async () => {
    const before = await server.admin<{ items: unknown[] }>('GET', '/messages');
    const answer = await call(server.url, 'POST', '/v1.0/robot/oToMessages/batchSend', {
      token,
      body: { robotCode: ACME.robot, userIds: ['u0001'], msgKey: 'sampleText', msgParam: '{"content":"x"}', extra: 1 },
    });
    assert.deepEqual([answer.status, answer.body.code], [400, 'invalidParameter.param.invalid']);
    assert.match(answer.body.message, /body: unknown field extra/);
    assert.deepEqual(await server.admin('GET', '/messages'), before);
    assert.deepEqual((await lastLogged(server)).unknownFields, ['extra']);
  });

  it('refuses null for a field and an unknown query parameter', async () => {
    const nulled = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', {
      token,
      body: { robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: 'k', nextToken: null },
    });
    assert.deepEqual([nulled.status, nulled.body.code], [400, 'invalidParameter.param.invalid']);
    const query = await call(server.url, 'GET', `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=k&maxResults=5`, { token });
    assert.deepEqual([query.status, query.body.code], [400, 'invalidParameter.param.invalid']);
    assert.deepEqual((await lastLogged(server)).unknownFields, ['maxResults']);
  });
});

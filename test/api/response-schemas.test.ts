import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { AnswerCheck } from '../../src/api/answer-check.js';
import { NOT_JSON, RESPONSES } from '../../src/api/responses.js';
import { ACME, SMALL_GROUP_MEMBERS } from '../helpers/fixtures.js';
import { call, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';

describe('response schemas', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('every route of the OpenAPI document has one, except the ones that answer no JSON', async () => {
    const document = (await call(server.url, 'GET', '/_dingread/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
    );
    assert.ok(routes.length > 40, `only ${routes.length} routes`);
    const without = routes.filter((route) => RESPONSES[route] === undefined && !NOT_JSON.has(route));
    assert.deepEqual(without, []);
    assert.deepEqual(Object.keys(RESPONSES).filter((key) => !routes.includes(key)), [], 'a schema for a route that does not exist');
  });

  it("serializes DingTalk's answers with their fields in DingTalk's order", async () => {
    const token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    const sent = await call(server.url, 'POST', '/v1.0/robot/groupMessages/send', {
      token,
      body: { robotCode: ACME.robot, openConversationId: ACME.smallGroup, msgKey: 'sampleText', msgParam: '{"content":"hi"}' },
    });
    const key = sent.body.processQueryKey as string;
    await server.admin('POST', '/reads', { reads: SMALL_GROUP_MEMBERS.slice(0, 3).map((userId) => ({ processQueryKey: key, userId })) });
    const response = await fetch(`${server.url}/v1.0/robot/groupMessages/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
      body: JSON.stringify({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: key, maxResults: 2 }),
    });
    const text = await response.text();
    const page = JSON.parse(text) as { nextToken: string };
    assert.equal(
      text,
      JSON.stringify({ sendStatus: 'SUCCESS', readUserIds: SMALL_GROUP_MEMBERS.slice(0, 2), hasMore: true, nextToken: page.nextToken }),
    );
    assert.match(response.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/);
  });

  it('checks the answers of DingTalk, Stream mode and the control plane, errors included, as they are sent', async () => {
    const token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    const refused = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', { token: 'not-a-token', body: {} });
    assert.equal(refused.body.code, 'InvalidAuthentication');
    await call(server.url, 'POST', '/v1.0/gateway/connections/open', {
      body: { clientId: ACME.appKey, clientSecret: ACME.appSecret, subscriptions: [{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }] },
    });
    await call(server.url, 'GET', '/v1.0/robot/oToMessages/readStatus?robotCode=x', { token });
    await server.admin('GET', '/requests');
    const checked = [...server.answerCheck.checked.keys()];
    for (const expected of [
      'POST /v1.0/oauth2/accessToken 200',
      `POST /v1.0/robot/groupMessages/query ${refused.status}`,
      'POST /v1.0/gateway/connections/open 200',
      'GET /v1.0/robot/oToMessages/readStatus 400',
      'POST /_dingread/v1/fixtures 200',
      'GET /_dingread/v1/requests 200',
    ]) {
      assert.ok(checked.includes(expected), `${expected} not checked: ${checked.join(', ')}`);
    }
    assert.deepEqual(server.answerCheck.mismatches, []);
  });
});

describe('the answer check', () => {
  const Answer = Type.Object({ id: Type.String(), count: Type.Integer(), note: Type.Optional(Type.String()) });

  it('finds a wrong type, a missing field and a field the schema does not name', () => {
    const check = new AnswerCheck();
    assert.equal(check.check(Answer, { id: 'a', count: 1 }), undefined);
    assert.equal(check.check(Answer, { id: 'a', count: 1, note: 'n' }), undefined);
    assert.match(check.check(Answer, { id: 'a', count: '1' }) ?? '', /\/count must be integer/);
    assert.match(check.check(Answer, { id: 'a' }) ?? '', /must have required property 'count'/);
    assert.match(check.check(Answer, { id: 'a', count: 1, extra: true }) ?? '', /must NOT have additional properties.*extra/);
  });

  it("records an answer whose extra field the serializer would have dropped, and leaves the answer as it is", async () => {
    const app = Fastify();
    const check = new AnswerCheck();
    check.install(app);
    app.get('/thing', { schema: { response: { 200: Answer } } }, async () => ({ id: 'a', count: 1, secret: 'dropped' }));
    const response = await app.inject({ method: 'GET', url: '/thing' });
    await app.close();
    assert.equal(response.body, '{"id":"a","count":1}');
    assert.equal(check.mismatches.length, 1);
    assert.match(check.mismatches[0] as string, /^GET \/thing 200: .*secret/);
    assert.throws(() => check.assertClean(), /do not fit their schema/);
  });
});

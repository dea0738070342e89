/**
 * The legacy host's token, `GET /gettoken?appkey=&appsecret=` (oapi.dingtalk.com, or dingread
 * directly): the same token as `/v1.0/oauth2/accessToken`, and DingTalk's legacy errors, always
 * HTTP 200 with `{errcode, errmsg}`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../src/server.js';
import { ACME, GLOBEX, testDirectory } from '../helpers/fixtures.js';
import { absoluteRequest } from '../helpers/proxy.js';
import { rawRequest, type RawResponse } from '../helpers/raw-http.js';
import { call, forEachStore, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';

function legacy(response: RawResponse): Record<string, unknown> {
  assert.equal(response.status, 200, response.text);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  return JSON.parse(response.text) as Record<string, unknown>;
}

forEachStore('GET /gettoken', (store) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ store });
  });
  after(() => server.close());

  const gettoken = (query: string) => rawRequest(server.url, { method: 'GET', path: `/gettoken${query}` });

  it('gives the same token as /v1.0/oauth2/accessToken, which works on the robot API', async () => {
    const v1 = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    const answer = legacy(await gettoken(`?appkey=${ACME.appKey}&appsecret=${ACME.appSecret}`));
    assert.deepEqual(answer, { errcode: 0, access_token: v1, errmsg: 'ok', expires_in: 7200 });
    assert.equal(await tokenFor(server.url, ACME.appKey, ACME.appSecret), v1, 'and the v1.0 endpoint still gives it');
    const query = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', {
      token: answer['access_token'] as string,
      body: { robotCode: ACME.robot, openConversationId: ACME.smallGroup },
    });
    assert.equal(query.body.code, 'invalidParameter.processQueryKey.missing', 'the token was accepted');
  });

  it("answers DingTalk's legacy errors, with HTTP 200", async () => {
    const cases: Array<[string, number, string]> = [
      [`?appkey=${ACME.appKey}&appsecret=wrong`, 40096, '不合法的appKey或appSecret'],
      [`?appkey=nosuchapp&appsecret=${ACME.appSecret}`, 40096, '不合法的appKey或appSecret'],
      [`?appkey=${GLOBEX.appKey}&appsecret=${ACME.appSecret}`, 40096, '不合法的appKey或appSecret'],
      ['', 40035, '缺少参数 corpid or appkey'],
      [`?appsecret=${ACME.appSecret}`, 40035, '缺少参数 corpid or appkey'],
      ['?appkey=&appsecret=x', 40035, '缺少参数 corpid or appkey'],
      ['?corpid=dingacme&corpsecret=x', 40035, '缺少参数 corpid or appkey'],
      [`?appkey=${ACME.appKey}`, 40035, '缺少参数 corpsecret or appsecret'],
      [`?appkey=${ACME.appKey}&appkey=${ACME.appKey}&appsecret=${ACME.appSecret}`, 40035, '不合法的参数'],
      [`?appkey=${'k'.repeat(300)}&appsecret=x`, 40035, '不合法的参数'],
    ];
    for (const [query, errcode, errmsg] of cases) assert.deepEqual(legacy(await gettoken(query)), { errcode, errmsg }, query);
  });

  it('is logged like every DingTalk call, with the secret and the token masked', async () => {
    await server.admin('DELETE', '/requests');
    await gettoken(`?appkey=${ACME.appKey}&appsecret=${ACME.appSecret}`);
    const { items } = await server.admin<{ items: Array<Record<string, any>> }>('GET', '/requests');
    const [entry] = items;
    assert.equal(entry?.['path'], '/gettoken');
    assert.equal(entry?.['appKey'], ACME.appKey);
    assert.deepEqual(entry?.['query'], { appkey: ACME.appKey, appsecret: '***' });
    assert.equal(entry?.['responseBody'].access_token, '***');
  });
});

describe('the legacy host through the proxy', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ port: 0, store: 'memory', emulator: { qpsLimit: 2 } });
    const seeded = await call(server.url, 'POST', '/_dingread/v1/fixtures', { body: testDirectory() });
    assert.equal(seeded.status, 200);
  });
  after(() => server.close());

  it('answers on oapi.dingtalk.com, and is throttled there in its own shape (errcode 90018)', async () => {
    const url = `https://oapi.dingtalk.com/gettoken?appkey=${ACME.appKey}&appsecret=${ACME.appSecret}`;
    // Ten at once against 2 a second: they would have to spread over five seconds for none to be throttled.
    const answers = await Promise.all(Array.from({ length: 10 }, () => absoluteRequest(server.url, 'GET', url)));
    const bodies = answers.map(legacy);
    assert.ok(bodies.some((body) => body['errcode'] === 0));
    assert.ok(bodies.some((body) => body['errcode'] === 90018), JSON.stringify(bodies));
    for (const body of bodies) assert.ok(body['errcode'] === 0 || body['errcode'] === 90018, JSON.stringify(body));
  });
});

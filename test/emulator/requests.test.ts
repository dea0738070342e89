/** The request log: recent DingTalk API calls, newest first, filterable, secrets masked. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACME, GLOBEX } from '../helpers/fixtures.js';
import { call } from '../helpers/server.js';
import { sdkError } from '../helpers/sdk.js';
import { startSdkSession, type SdkSession } from './sdk-session.js';

describe('request log', () => {
  let s: SdkSession;
  before(async () => {
    s = await startSdkSession();
  });
  after(() => s.close());

  it('records each DingTalk call with its bodies, newest first, with secrets masked', async () => {
    const key = await s.sendGroup();
    await s.queryGroup(key);
    const [query, send, token] = await s.dingread.admin.requests({ limit: 3 });
    assert.equal(query?.path, '/v1.0/robot/groupMessages/query');
    assert.equal(query?.method, 'POST');
    assert.equal(query?.status, 200);
    assert.equal(query?.appKey, ACME.appKey);
    assert.deepEqual(query?.requestBody, { robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: key });
    assert.deepEqual((query?.responseBody as { readUserIds: string[] }).readUserIds, []);
    assert.equal(send?.path, '/v1.0/robot/groupMessages/send');
    assert.equal((send?.responseBody as { processQueryKey: string }).processQueryKey, key);
    assert.ok((send?.seq ?? 0) < (query?.seq ?? 0));

    assert.equal(token?.path, '/v1.0/oauth2/accessToken');
    assert.equal(token?.appKey, ACME.appKey);
    assert.deepEqual(token?.requestBody, { appKey: ACME.appKey, appSecret: '***' });
    assert.deepEqual(token?.responseBody, { accessToken: '***', expireIn: 7200 });
    const everything = JSON.stringify(await s.dingread.admin.requests());
    assert.ok(!everything.includes(ACME.appSecret), 'no app secret anywhere in the log');
    assert.ok(!everything.includes(s.token), 'no access token anywhere in the log');
  });

  it('records errors with their code and request id, and the query string of GET calls', async () => {
    const error = await sdkError(() => s.queryGroup('no-such-key'));
    const [entry] = await s.dingread.admin.requests({ limit: 1 });
    assert.equal(entry?.status, 400);
    assert.equal(entry?.code, 'invalid.processQueryKey');
    assert.equal(entry?.requestId, error.data.requestid);

    await call(s.dingread.url, 'GET', `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=x`, { token: s.token });
    const [get] = await s.dingread.admin.requests({ path: '/v1.0/robot/oToMessages/readStatus' });
    assert.deepEqual(get?.query, { robotCode: ACME.robot, processQueryKey: 'x' });
    assert.equal(get?.method, 'GET');
  });

  it('records a body as the JSON it came in, spaces and a byte-order mark left out, and none for a body that is not JSON', async () => {
    const rawBody = '\ufeff{ "appKey" : "' + GLOBEX.appKey + '",\n  "appSecret": "wrong", "extra": [1, 2.50, {"deep": "é"}] }';
    await call(s.dingread.url, 'POST', '/v1.0/oauth2/accessToken', { rawBody });
    const [spaced] = await s.dingread.admin.requests({ limit: 1 });
    assert.equal(spaced?.status, 400);
    assert.deepEqual(spaced?.requestBody, { appKey: GLOBEX.appKey, appSecret: '***', extra: [1, 2.5, { deep: 'é' }] });
    await call(s.dingread.url, 'POST', '/v1.0/oauth2/accessToken', { rawBody: '{"appKey": ' });
    const [broken] = await s.dingread.admin.requests({ limit: 1 });
    assert.equal(broken?.status, 400);
    assert.equal(broken?.requestBody, undefined, 'a body that did not parse is not logged');
  });

  it('filters by path, appKey, status (exact or class) and since', async () => {
    await s.dingread.admin.clearRequests();
    const start = (await s.dingread.admin.clock.get()).nowMs;
    await call(s.dingread.url, 'POST', '/v1.0/oauth2/accessToken', { body: { appKey: GLOBEX.appKey, appSecret: 'wrong' } });
    const key = await s.sendGroup();
    await s.queryGroup(key);
    const all = await s.dingread.admin.requests();
    assert.equal(all.length, 3);
    assert.deepEqual((await s.dingread.admin.requests({ appKey: GLOBEX.appKey })).map((e) => e.status), [400]);
    assert.deepEqual((await s.dingread.admin.requests({ status: '4xx' })).map((e) => e.code), ['invalidClientIdOrSecret']);
    assert.deepEqual((await s.dingread.admin.requests({ status: '200' })).length, 2);
    assert.equal((await s.dingread.admin.requests({ path: '/v1.0/robot/groupMessages/send' })).length, 1);
    assert.equal((await s.dingread.admin.requests({ since: start })).length, 3);
    await s.dingread.admin.clock.advance(60_000);
    const later = (await s.dingread.admin.clock.get()).nowMs;
    assert.equal((await s.dingread.admin.requests({ since: later })).length, 0);
    await s.queryGroup(key);
    assert.equal((await s.dingread.admin.requests({ since: later })).length, 1);
    await s.dingread.admin.clock.system();
  });

  it('leaves control-plane calls out, clears on DELETE, and refuses bad filters with the envelope', async () => {
    assert.ok((await s.dingread.admin.requests()).every((entry) => entry.path.startsWith('/v1.0/')));
    assert.ok((await s.dingread.admin.clearRequests()) > 0);
    assert.deepEqual(await s.dingread.admin.requests(), []);
    const bad = await call(s.dingread.url, 'GET', '/_dingread/v1/requests?status=abc');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalidParameter.param.invalid');
    assert.equal(bad.headers.get('x-acs-request-id'), bad.body.requestid);
    const unknown = await call(s.dingread.url, 'GET', '/_dingread/v1/requests?colour=red');
    assert.match(unknown.body.message, /unknown field colour/);
  });

  it('keeps no entry at a size of 0 (--request-log 0), and answers its routes all the same', async () => {
    const none = await startSdkSession({ requestLogSize: 0 });
    try {
      const token = await call(none.dingread.url, 'POST', '/v1.0/oauth2/accessToken', { body: { appKey: 'k', appSecret: 's' } });
      assert.equal(token.status, 400);
      assert.deepEqual(await none.dingread.admin.requests(), []);
      const cleared = await call(none.dingread.url, 'DELETE', '/_dingread/v1/requests');
      assert.deepEqual(cleared.body, { removed: 0 });
    } finally {
      await none.close();
    }
  });

  it('keeps the bodies of the latest calls that fit its body budget, and says so of the older ones', async () => {
    // Each token call logs about 150 bytes of bodies: 300 bytes hold the latest one or two.
    const small = await startSdkSession({ requestLogBodyBytes: 300 });
    try {
      for (let i = 0; i < 5; i++) await call(small.dingread.url, 'POST', '/v1.0/oauth2/accessToken', { body: { appKey: `k${i}`, appSecret: 's' } });
      const entries = await small.dingread.admin.requests({ limit: 5 });
      assert.deepEqual(entries.map((entry) => entry.appKey), ['k4', 'k3', 'k2', 'k1', 'k0']);
      assert.deepEqual(entries[0]?.requestBody, { appKey: 'k4', appSecret: '***' });
      assert.equal(entries[0]?.bodiesDropped, undefined);
      // Every call's bodies are the same size: as many of the latest as fit in 300 bytes keep
      // theirs, one fewer when the buffer's unused end falls among them.
      const size = Buffer.byteLength(JSON.stringify({ appKey: 'k4', appSecret: 's' })) + Buffer.byteLength(JSON.stringify(entries[0]?.responseBody));
      const kept = entries.filter((entry) => entry.bodiesDropped === undefined).length;
      assert.ok(kept === Math.floor(300 / size) || kept === Math.floor(300 / size) - 1, `${kept} kept of ${size} bytes each`);
      const dropped = entries.slice(kept);
      assert.ok(dropped.length > 0 && dropped.every((entry) => entry.bodiesDropped === true), 'the older ones dropped theirs');
      for (const entry of dropped) {
        assert.equal(entry.requestBody, undefined);
        assert.equal(entry.responseBody, undefined);
        assert.equal(entry.status, 400);
        assert.equal(typeof entry.code, 'string', 'the error code stays with the entry');
        assert.match(entry.requestId, /\S/);
      }
    } finally {
      await small.close();
    }
  });

  it('writes entries in batches yet is never behind when read: every call across batches, in order; clear and reset forget the unwritten too', async () => {
    const fresh = await startSdkSession();
    try {
      await fresh.dingread.admin.clearRequests();
      const tokenCall = (i: number) => call(fresh.dingread.url, 'POST', '/v1.0/oauth2/accessToken', { body: { appKey: `k${i}`, appSecret: 's' } });
      // 70 calls: two batches of 32 written as they fill, and 6 answered but not yet written.
      for (let i = 0; i < 70; i++) await tokenCall(i);
      const entries = await fresh.dingread.admin.requests({ limit: 100 });
      assert.deepEqual(
        entries.map((entry) => entry.appKey),
        Array.from({ length: 70 }, (_, i) => `k${69 - i}`),
      );
      const seqs = entries.map((entry) => entry.seq);
      assert.ok(seqs.every((seq, i) => i === 0 || seq === (seqs[i - 1] as number) - 1), 'one seq a call, newest first');
      assert.ok(entries.every((entry) => entry.status === 400 && entry.code === 'invalidClientIdOrSecret'));
      // Five more, unwritten when the log is cleared: counted and forgotten with the rest.
      for (let i = 70; i < 75; i++) await tokenCall(i);
      assert.equal(await fresh.dingread.admin.clearRequests(), 75);
      assert.deepEqual(await fresh.dingread.admin.requests(), []);
      for (let i = 0; i < 3; i++) await tokenCall(i);
      assert.equal((await call(fresh.dingread.url, 'POST', '/_dingread/v1/reset', { body: {} })).status, 200);
      assert.deepEqual(await fresh.dingread.admin.requests(), [], 'a reset forgets the calls before it, written or not');
      await tokenCall(99);
      assert.deepEqual((await fresh.dingread.admin.requests()).map((entry) => entry.appKey), ['k99']);
    } finally {
      await fresh.close();
    }
  });

  it('keeps only the newest entries', async () => {
    const small = await startSdkSession({ requestLogSize: 3 });
    try {
      for (let i = 0; i < 5; i++) await call(small.dingread.url, 'POST', '/v1.0/oauth2/accessToken', { body: { appKey: `k${i}`, appSecret: 's' } });
      assert.deepEqual((await small.dingread.admin.requests()).map((entry) => entry.appKey), ['k4', 'k3', 'k2']);
    } finally {
      await small.close();
    }
  });
});

/** Injected faults, seen through the official SDK: errors in the envelope, latency, dropped connections. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdminError } from '../../src/testing/index.js';
import { ACME, GLOBEX } from '../helpers/fixtures.js';
import { call } from '../helpers/server.js';
import { sdkError } from '../helpers/sdk.js';
import { startSdkSession, type SdkSession } from './sdk-session.js';

const QUERY = '/v1.0/robot/groupMessages/query';

describe('faults', () => {
  let s: SdkSession;
  let key: string;
  before(async () => {
    s = await startSdkSession();
    key = await s.sendGroup();
  });
  after(() => s.close());
  beforeEach(() => s.dingread.admin.faults.clear());

  it('answers a matching call once with the injected error, in the envelope, then works again', async () => {
    const created = await call(s.dingread.url, 'POST', '/_dingread/v1/faults', {
      body: { match: { path: QUERY }, error: { status: 500, code: 'system.error' }, count: 1 },
    });
    assert.equal(created.status, 200);
    assert.match(created.body.id, /^f\d+$/);
    const error = await sdkError(() => s.queryGroup(key));
    assert.equal(error.statusCode, 500);
    assert.equal(error.code, 'system.error');
    assert.equal(error.data.message, 'Unknown system error');
    assert.match(error.data.requestid, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    assert.deepEqual(await s.dingread.admin.faults.list(), [], 'a count-1 fault is gone once it fired');
    assert.equal((await s.queryGroup(key)).sendStatus, 'SUCCESS');
  });

  it('answers any code and status, with the given message, and the header carries the same request id', async () => {
    await s.dingread.admin.faults.add({
      match: { path: QUERY, appKey: ACME.appKey, robotCode: ACME.robot },
      error: { status: 403, code: 'Forbidden.AccessDenied.QpsLimitForApi', message: 'slow down' },
    });
    const raw = await call(s.dingread.url, 'POST', QUERY, {
      token: s.token,
      body: { robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: key },
    });
    assert.equal(raw.status, 403);
    assert.deepEqual(Object.keys(raw.body).sort(), ['code', 'message', 'requestid']);
    assert.equal(raw.body.code, 'Forbidden.AccessDenied.QpsLimitForApi');
    assert.equal(raw.body.message, 'slow down');
    assert.equal(raw.headers.get('x-acs-request-id'), raw.body.requestid);
    // Without a count it keeps firing.
    assert.equal((await sdkError(() => s.queryGroup(key))).statusCode, 403);
    assert.equal((await s.dingread.admin.faults.list())[0]?.fired, 2);
  });

  it('matches only what it names: another robot, app or path passes', async () => {
    await s.dingread.admin.faults.add({ match: { robotCode: GLOBEX.robot }, error: { status: 500, code: 'system.error' } });
    await s.dingread.admin.faults.add({ match: { appKey: GLOBEX.appKey }, error: { status: 500, code: 'system.error' } });
    await s.dingread.admin.faults.add({ match: { path: '/v1.0/robot/privateChatMessages/query' }, error: { status: 500, code: 'system.error' } });
    assert.equal((await s.queryGroup(key)).sendStatus, 'SUCCESS');
    assert.deepEqual((await s.dingread.admin.faults.list()).map((fault) => fault.fired), [0, 0, 0]);
  });

  it('adds latency and then answers normally', async () => {
    await s.dingread.admin.faults.add({ match: { path: QUERY }, latencyMs: 300 });
    const started = performance.now();
    assert.equal((await s.queryGroup(key)).sendStatus, 'SUCCESS');
    // A lower bound only: a busy machine may take longer, never shorter.
    assert.ok(performance.now() - started >= 290, 'the answer came after the injected delay');
  });

  it('drops the connection, which the SDK reports as a network error', async () => {
    await s.dingread.admin.faults.add({ match: { path: QUERY }, drop: true, count: 1 });
    await assert.rejects(s.queryGroup(key), (error: Error & { statusCode?: number }) => {
      assert.equal(error.statusCode, undefined, 'no HTTP answer at all');
      return true;
    });
    assert.equal((await s.queryGroup(key)).sendStatus, 'SUCCESS', 'the server keeps serving');
    const [logged] = await s.dingread.admin.requests({ path: QUERY, status: '0' });
    assert.equal(logged?.status, 0);
    assert.ok(logged?.faults?.length === 1);
  });

  it('fires with a probability: 0 never, 1 always', async () => {
    await s.dingread.admin.faults.add({ match: { path: QUERY }, error: { status: 500, code: 'system.error' }, probability: 0 });
    for (let i = 0; i < 5; i++) assert.equal((await s.queryGroup(key)).sendStatus, 'SUCCESS');
    await s.dingread.admin.faults.add({ match: { path: QUERY }, error: { status: 502, code: 'system.error' }, probability: 1, count: 2 });
    assert.equal((await sdkError(() => s.queryGroup(key))).statusCode, 502);
    assert.equal((await sdkError(() => s.queryGroup(key))).statusCode, 502);
    assert.equal((await s.queryGroup(key)).sendStatus, 'SUCCESS');
  });

  it('lists, deletes one by id and deletes all', async () => {
    const a = await s.dingread.admin.faults.add({ latencyMs: 1 });
    const b = await s.dingread.admin.faults.add({ match: { path: QUERY }, latencyMs: 2 });
    assert.deepEqual((await s.dingread.admin.faults.list()).map((fault) => fault.id), [a.id, b.id]);
    await s.dingread.admin.faults.remove(a.id);
    assert.deepEqual((await s.dingread.admin.faults.list()).map((fault) => fault.id), [b.id]);
    assert.equal(await s.dingread.admin.faults.clear(), 1);
    assert.deepEqual(await s.dingread.admin.faults.list(), []);
  });

  it('refuses bad faults and unknown ids with the envelope', async () => {
    const bad = async (body: unknown, pattern: RegExp) => {
      const answer = await call(s.dingread.url, 'POST', '/_dingread/v1/faults', { body });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.code, 'invalidParameter.param.invalid');
      assert.match(answer.body.message, pattern);
      assert.equal(answer.headers.get('x-acs-request-id'), answer.body.requestid);
    };
    await bad({ match: { path: QUERY } }, /needs error, latencyMs or drop/);
    await bad({ drop: true, error: { status: 500, code: 'system.error' } }, /not both/);
    await bad({ error: { status: 200, code: 'ok' } }, /error\.status/);
    await bad({ latencyMs: 5, probability: 2 }, /probability/);
    await bad({ latencyMs: 5, count: 0 }, /count/);
    await bad({ latencyMs: 5, match: { path: 'no-slash' } }, /match\.path/);
    await bad({ latencyMs: 5, colour: 'red' }, /unknown field colour/);
    await assert.rejects(s.dingread.admin.faults.remove('f999'), (error: unknown) => {
      assert.ok(error instanceof AdminError);
      assert.equal(error.status, 404);
      assert.equal(error.code, 'object.notFound');
      return true;
    });
  });

  // Last: it empties the directory the others use.
  it('is forgotten by POST /reset', async () => {
    await s.dingread.admin.faults.add({ latencyMs: 1 });
    await s.dingread.admin.reset();
    assert.deepEqual(await s.dingread.admin.faults.list(), []);
  });
});

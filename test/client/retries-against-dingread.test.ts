/**
 * The client's retries against dingread itself: injected 500s (faults) and DingTalk's own QPS
 * limit (throttling), observed in dingread's request log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DingTalkClient, isDingTalkApiError } from '../../src/client/index.js';
import { startDingread, type RunningDingread } from '../../src/testing/index.js';
import { ACME, testDirectory } from '../helpers/fixtures.js';

const QUERY = '/v1.0/robot/groupMessages/query';
const SEND = '/v1.0/robot/groupMessages/send';

describe('DingTalkClient retries against dingread', () => {
  let dingread: RunningDingread;
  let key: string;
  before(async () => {
    dingread = await startDingread({ fixture: testDirectory(), qpsLimit: 3 });
    const client = new DingTalkClient({ appKey: ACME.appKey, appSecret: ACME.appSecret, endpoint: dingread.url });
    ({ processQueryKey: key } = await client.orgGroupSend({
      robotCode: ACME.robot,
      openConversationId: ACME.smallGroup,
      msgKey: 'sampleText',
      msgParam: { content: 'retry me' },
    }));
    await dingread.admin.reads([{ processQueryKey: key, userId: 'u0003' }]);
  });
  after(() => dingread.close());

  const query = (): { robotCode: string; openConversationId: string; processQueryKey: string } => ({
    robotCode: ACME.robot,
    openConversationId: ACME.smallGroup,
    processQueryKey: key,
  });

  it('retries a query through injected 500s and gets the answer', async () => {
    await dingread.admin.clearRequests();
    await dingread.admin.faults.add({ match: { path: QUERY }, error: { status: 500, code: 'system.error' }, count: 2 });
    const client = new DingTalkClient({ appKey: ACME.appKey, appSecret: ACME.appSecret, endpoint: dingread.url, retryBaseDelayMs: 10 });
    const page = await client.orgGroupQuery(query());
    assert.deepEqual(page.readUserIds, ['u0003']);
    const statuses = (await dingread.admin.requests({ path: QUERY })).map((entry) => entry.status).reverse();
    assert.deepEqual(statuses, [500, 500, 200]);
  });

  it('does not retry a send through an injected 500, unless asked', async () => {
    await dingread.admin.clearRequests();
    const client = new DingTalkClient({ appKey: ACME.appKey, appSecret: ACME.appSecret, endpoint: dingread.url, retryBaseDelayMs: 10 });
    const send = { robotCode: ACME.robot, openConversationId: ACME.smallGroup, msgKey: 'sampleText', msgParam: { content: 'once' } } as const;
    await dingread.admin.faults.add({ match: { path: SEND }, error: { status: 500, code: 'system.error' }, count: 1 });
    await assert.rejects(client.orgGroupSend(send), (error: unknown) => isDingTalkApiError(error) && error.status === 500);
    assert.equal((await dingread.admin.requests({ path: SEND })).length, 1);
    await dingread.admin.faults.add({ match: { path: SEND }, error: { status: 500, code: 'system.error' }, count: 1 });
    const sent = await client.orgGroupSend(send, { retry: true });
    assert.equal(typeof sent.processQueryKey, 'string');
    assert.equal((await dingread.admin.requests({ path: SEND })).length, 3);
  });

  it("waits out DingTalk's QPS limit on queries", async () => {
    await dingread.admin.clearRequests();
    // Enough retries that jittered backoff always outlasts the one-second window.
    const client = new DingTalkClient({ appKey: ACME.appKey, appSecret: ACME.appSecret, endpoint: dingread.url, retries: 10, retryBaseDelayMs: 300, retryMaxDelayMs: 1200 });
    const pages = await Promise.all(Array.from({ length: 6 }, () => client.orgGroupQuery(query())));
    assert.ok(pages.every((page) => page.readUserIds[0] === 'u0003'));
    const codes = (await dingread.admin.requests({ path: QUERY })).map((entry) => entry.code ?? 'ok');
    assert.ok(codes.includes('Forbidden.AccessDenied.QpsLimitForAppkeyAndApi'), `some calls were throttled: ${codes.join(', ')}`);
    assert.equal(codes.filter((code) => code === 'ok').length, 6);
  });
});

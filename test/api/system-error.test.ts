/** An unexpected fault (here: the store is gone) is a 500 `system.error` envelope, never a crash. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ACME } from '../helpers/fixtures.js';
import { call, startTestServer, tokenFor } from '../helpers/server.js';

it('answers a store failure with 500 system.error and keeps serving', async () => {
  const server = await startTestServer();
  try {
    const token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    await server.ctx.store.close();
    const { status, headers, body } = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', {
      token,
      body: { robotCode: ACME.robot, openConversationId: ACME.bigGroup, processQueryKey: 'k' },
    });
    assert.equal(status, 500);
    assert.equal(body.code, 'system.error');
    assert.equal(body.message, 'Unknown system error', 'the fault itself is logged, not sent');
    assert.equal(headers.get('x-acs-request-id'), body.requestid);
    const health = await call(server.url, 'GET', '/_dingread/health');
    assert.equal(health.status, 200);
  } finally {
    await server.close();
  }
});

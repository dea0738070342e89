/** DingTalk's per-app, per-API QPS limit, through the official SDK. */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { ACME, GLOBEX } from '../helpers/fixtures.js';
import { call, tokenFor } from '../helpers/server.js';
import { startSdkSession } from './sdk-session.js';

const THROTTLED = 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi';

/** Runs `calls` at once; answers how many were throttled (any other failure fails the test). */
async function burst(calls: Array<() => Promise<unknown>>): Promise<number> {
  const outcomes = await Promise.allSettled(calls.map((run) => run()));
  let throttled = 0;
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') continue;
    const error = outcome.reason as { statusCode?: number; code?: string };
    assert.equal(error.code, THROTTLED, String(outcome.reason));
    assert.equal(error.statusCode, 403);
    throttled += 1;
  }
  return throttled;
}

describe('throttling', () => {
  it('answers 403 QpsLimitForAppkeyAndApi past the limit, per app and per API, and lets calls through a second later', async () => {
    const s = await startSdkSession({ qpsLimit: 3 });
    try {
      const key = await s.sendGroup();
      // Ten calls at once against a limit of 3 a second: they would have to spread over more than
      // three seconds for none to be throttled.
      const throttled = await burst(Array.from({ length: 10 }, () => () => s.queryGroup(key)));
      assert.ok(throttled >= 1, 'some calls of the burst were throttled');

      // Another API of the same app has its own budget (sendGroup was called once, a while ago).
      await s.sendGroup();
      // Another app has its own budget on the same API: Globex is told about the group, not throttled.
      const globex = await tokenFor(s.dingread.url, GLOBEX.appKey, GLOBEX.appSecret);
      const other = await call(s.dingread.url, 'POST', '/v1.0/robot/groupMessages/query', {
        token: globex,
        body: { robotCode: GLOBEX.robot, openConversationId: ACME.smallGroup, processQueryKey: key },
      });
      assert.equal(other.body.code, 'invalid.openConversationId');

      // The window is one second: after a generous pause the app may call again.
      await delay(1_200);
      assert.equal((await s.queryGroup(key)).sendStatus, 'SUCCESS');

      const logged = await s.dingread.admin.requests({ status: '403' });
      assert.ok(logged.length >= 1);
      assert.ok(logged.every((entry) => entry.code === THROTTLED && entry.appKey === ACME.appKey));
    } finally {
      await s.close();
    }
  });

  it('is off in startDingread unless asked for', async () => {
    const s = await startSdkSession();
    try {
      const key = await s.sendGroup();
      assert.equal(await burst(Array.from({ length: 40 }, () => () => s.queryGroup(key))), 0);
    } finally {
      await s.close();
    }
  });
});

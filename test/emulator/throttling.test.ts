/**
 * DingTalk's per-app, per-API QPS limit, through the official SDK. The limit counts elapsed real
 * time (`Clock.elapsed`); these tests step it by hand, so that a busy machine neither spreads a
 * burst over two windows nor makes a pause too short.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Clock } from '../../src/core/clock.js';
import { ACME, GLOBEX } from '../helpers/fixtures.js';
import { officialSdk, $OAuth, $Robot } from '../helpers/sdk.js';
import { ManualStopwatch } from '../helpers/manual-time.js';
import { call, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';
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

/** A server with a limit of `qpsLimit` whose elapsed time the test steps, and the SDK on it. */
async function throttledServer(qpsLimit: number): Promise<{ server: TestServer; stopwatch: ManualStopwatch; send(): Promise<string>; query(key: string): Promise<{ sendStatus?: string | undefined }> }> {
  const stopwatch = new ManualStopwatch();
  const server = await startTestServer({ clock: new Clock(Date.now, stopwatch.now), emulator: { qpsLimit } });
  const sdk = officialSdk(server.url);
  const issued = await sdk.oauth.getAccessToken(new $OAuth.GetAccessTokenRequest({ appKey: ACME.appKey, appSecret: ACME.appSecret }));
  const headers = { xAcsDingtalkAccessToken: issued.body?.accessToken as string };
  return {
    server,
    stopwatch,
    async send() {
      const sent = await sdk.robot.orgGroupSendWithOptions(
        new $Robot.OrgGroupSendRequest({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, msgKey: 'sampleText', msgParam: '{"content":"hi"}' }),
        new $Robot.OrgGroupSendHeaders(headers),
        sdk.runtime,
      );
      return sent.body?.processQueryKey as string;
    },
    async query(processQueryKey) {
      const page = await sdk.robot.orgGroupQueryWithOptions(
        new $Robot.OrgGroupQueryRequest({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey }),
        new $Robot.OrgGroupQueryHeaders(headers),
        sdk.runtime,
      );
      return page.body ?? {};
    },
  };
}

describe('throttling', () => {
  it('answers 403 QpsLimitForAppkeyAndApi past the limit, per app and per API, and lets calls through once the window has passed', async () => {
    const t = await throttledServer(3);
    try {
      const key = await t.send();
      // Ten calls within one window against a limit of 3: exactly three pass.
      assert.equal(await burst(Array.from({ length: 10 }, () => () => t.query(key))), 7);

      // Another API of the same app has its own budget (send was called once in this window).
      await t.send();
      // Another app has its own budget on the same API: Globex is told about the group, not throttled.
      const globex = await tokenFor(t.server.url, GLOBEX.appKey, GLOBEX.appSecret);
      const other = await call(t.server.url, 'POST', '/v1.0/robot/groupMessages/query', {
        token: globex,
        body: { robotCode: GLOBEX.robot, openConversationId: ACME.smallGroup, processQueryKey: key },
      });
      assert.equal(other.body.code, 'invalid.openConversationId');

      // 999 ms on, the window still holds the three calls; at 1,000 ms they have left it.
      t.stopwatch.advance(999);
      assert.equal(await burst([() => t.query(key)]), 1);
      t.stopwatch.advance(1);
      assert.equal((await t.query(key)).sendStatus, 'SUCCESS');

      const logged = await t.server.admin<{ items: Array<{ code?: string; appKey?: string }> }>('GET', '/requests?status=403');
      assert.equal(logged.items.length, 8);
      assert.ok(logged.items.every((entry) => entry.code === THROTTLED && entry.appKey === ACME.appKey));
    } finally {
      await t.server.close();
    }
  });

  it('does not count calls an injected fault answered', async () => {
    const t = await throttledServer(2);
    try {
      const key = await t.send();
      await t.server.admin('POST', '/faults', { match: { path: '/v1.0/robot/groupMessages/query' }, error: { status: 500, code: 'system.error' }, count: 3 });
      const faulted = await Promise.allSettled([t.query(key), t.query(key), t.query(key)]);
      assert.ok(faulted.every((outcome) => outcome.status === 'rejected' && (outcome.reason as { statusCode?: number }).statusCode === 500));
      // The fault is spent and the window's budget of 2 is whole.
      assert.equal(await burst([() => t.query(key), () => t.query(key)]), 0);
      assert.equal(await burst([() => t.query(key)]), 1);
    } finally {
      await t.server.close();
    }
  });

  it('does not count refused calls, nor reset a budget when the server clock jumps', async () => {
    const t = await throttledServer(2);
    try {
      const key = await t.send();
      assert.equal(await burst(Array.from({ length: 2 }, () => () => t.query(key))), 0);
      // An hour later on the server clock, but no real time has passed: still throttled.
      await t.server.admin('POST', '/clock', { advanceMs: 3_600_000 });
      assert.equal(await burst([() => t.query(key), () => t.query(key)]), 2);
      // The refused calls took no budget: a window later both calls pass.
      t.stopwatch.advance(1_000);
      assert.equal(await burst([() => t.query(key), () => t.query(key)]), 0);
    } finally {
      await t.server.close();
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

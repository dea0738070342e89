/** `seed`: the same seed and the same calls give the same keys, tokens and request ids. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACME } from '../helpers/fixtures.js';
import { call } from '../helpers/server.js';
import { startSdkSession } from './sdk-session.js';

interface Run {
  token: string;
  keys: string[];
  requestIds: string[];
  nextToken: string;
}

/** One fixed script of calls against a fresh server. */
async function script(seed: number | string | undefined): Promise<Run> {
  const s = await startSdkSession(seed === undefined ? {} : { seed });
  try {
    const keys = [await s.sendGroup(), await s.sendGroup()];
    const big = await call(s.dingread.url, 'POST', '/v1.0/robot/groupMessages/send', {
      token: s.token,
      body: { robotCode: ACME.robot, openConversationId: ACME.bigGroup, msgKey: 'sampleText', msgParam: '{"content":"all"}' },
    });
    keys.push(big.body.processQueryKey);
    await s.dingread.admin.openConversation(ACME.bigGroup, 'u0001');
    await s.dingread.admin.openConversation(ACME.bigGroup, 'u0002');
    const page = await call(s.dingread.url, 'POST', '/v1.0/robot/groupMessages/query', {
      token: s.token,
      body: { robotCode: ACME.robot, openConversationId: ACME.bigGroup, processQueryKey: big.body.processQueryKey, maxResults: 1 },
    });
    const requestIds = (await s.dingread.admin.requests()).map((entry) => entry.requestId);
    return { token: s.token, keys, requestIds, nextToken: page.body.nextToken };
  } finally {
    await s.close();
  }
}

describe('seed', () => {
  it('makes keys, tokens, request ids and cursors the same run to run', async () => {
    const first = await script(42);
    const second = await script('42');
    assert.deepEqual(second, first);
    assert.equal(first.keys.length, 3);
    assert.equal(new Set(first.keys).size, 3, 'keys still differ from each other');
    for (const key of first.keys) assert.match(key, /^[A-Za-z0-9+/]{43}=$/);
    assert.match(first.token, /^[0-9a-f]{32}$/);
    assert.equal(first.requestIds.length, 5);
    for (const id of first.requestIds) assert.match(id, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });

  it('gives other values for another seed, and for no seed', async () => {
    const a = await script(1);
    const b = await script(2);
    const none = await script(undefined);
    for (const other of [b, none]) {
      assert.notEqual(other.token, a.token);
      assert.ok(other.keys.every((key) => !a.keys.includes(key)));
      assert.ok(other.requestIds.every((id) => !a.requestIds.includes(id)));
    }
  });
});

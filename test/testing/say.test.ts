/**
 * `dingread/testing`'s chat helpers: `admin.say(...)` to a robot or in a conversation,
 * `admin.chat(...)`, `admin.stream.*`, and `startDingread({ stream })`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminError, startDingread, type RunningDingread } from '../../src/testing/index.js';
import { ACME, testDirectory } from '../helpers/fixtures.js';
import { connectStream, nthCallback } from '../helpers/stream-client.js';

describe('dingread/testing: users speak', () => {
  let dingread: RunningDingread;
  before(async () => {
    dingread = await startDingread({ fixture: testDirectory(), stream: { redeliveryMs: 5_000 } });
  });
  after(() => dingread.close());

  it('says things to a robot and in a conversation, and reads the chats back', async () => {
    const toRobot = await dingread.admin.say({ userId: 'u0001', robotCode: ACME.robot, text: 'one' });
    assert.deepEqual(toRobot.deliveries, [{ robotCode: ACME.robot, status: 'noConnection' }]);
    const inGroup = await dingread.admin.say({ userId: 'u0001', openConversationId: ACME.smallGroup, text: 'two', atRobots: [ACME.robot] });
    assert.deepEqual(inGroup.deliveries, [{ robotCode: ACME.robot, status: 'noConnection' }]);
    assert.deepEqual(
      (await dingread.admin.chat({ robotCode: ACME.robot, userId: 'u0001' })).map((item) => [item.msgId, item.text]),
      [[toRobot.msgId, 'one']],
    );
    const group = await dingread.admin.chat({ openConversationId: ACME.smallGroup });
    assert.deepEqual(group.map((item) => [item.msgId, item.atRobots]), [[inGroup.msgId, [ACME.robot]]]);
  });

  it('lists and ends Stream connections, with the redelivery delay it was started with', async () => {
    const client = await connectStream(dingread.url, ACME.appKey, ACME.appSecret);
    const start = Date.UTC(2025, 0, 6, 9, 0);
    await dingread.admin.clock.set(start);
    await dingread.admin.say({ userId: 'u0002', robotCode: ACME.robot, text: 'three' });
    await nthCallback(client, 1);
    const [connection] = await dingread.admin.stream.connections();
    assert.equal(connection?.clientId, ACME.appKey);
    assert.equal(connection?.unacknowledged[0]?.dueAt, start + 5_000);
    await dingread.admin.stream.disconnect(connection?.connectionId as string);
    assert.equal((await client.closed).code, 1000);
    await assert.rejects(dingread.admin.stream.disconnect('gone'), (error: unknown) => error instanceof AdminError && error.code === 'object.notFound');
    await dingread.admin.clock.system();
  });

  it('throws AdminError for a chat that does not exist', async () => {
    await assert.rejects(
      dingread.admin.say({ userId: 'u0001', robotCode: 'nobot', text: 'x' }),
      (error: unknown) => error instanceof AdminError && error.status === 404 && error.code === 'object.notFound',
    );
    await assert.rejects(dingread.admin.chat({ openConversationId: 'cidNope==' }), AdminError);
  });
});

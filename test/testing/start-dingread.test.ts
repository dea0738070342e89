/** `dingread/testing`: a server inside the test process, driven through its typed admin client. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DingTalkClient, isDingTalkApiError } from '../../src/client/index.js';
import { AdminError, startDingread } from '../../src/testing/index.js';
import { DEMO } from '../../src/demo/demo-directory.js';
import { ACME, testDirectory } from '../helpers/fixtures.js';

describe('startDingread', () => {
  it('starts on a free port with a fixture, and the admin client drives reads, opens and the clock', async () => {
    const dingread = await startDingread({ fixture: testDirectory() });
    try {
      assert.match(dingread.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const client = new DingTalkClient({ appKey: ACME.appKey, appSecret: ACME.appSecret, endpoint: dingread.url });
      const { processQueryKey } = await client.orgGroupSend({
        robotCode: ACME.robot,
        openConversationId: ACME.smallGroup,
        msgKey: 'sampleText',
        msgParam: { content: 'hi' },
      });
      const outcome = await dingread.admin.reads([
        { processQueryKey, userId: 'u0001' },
        { processQueryKey, userId: 'u0400' },
      ]);
      assert.deepEqual(outcome, { accepted: 1, ignored: [{ index: 1, reason: 'user.notRecipient' }] });
      assert.deepEqual(await dingread.admin.openConversation(ACME.smallGroup, 'u0002'), { marked: 1 });
      const detail = await dingread.admin.message(processQueryKey);
      assert.equal(detail.readCount, 2);
      assert.equal(detail.recipientCount, 5);
      const listed = await dingread.admin.messages({ openConversationId: ACME.smallGroup });
      assert.deepEqual(listed.items.map((item) => item.processQueryKey), [processQueryKey]);

      const stopped = await dingread.admin.clock.advance(25 * 3600 * 1000);
      assert.equal(stopped.mode, 'manual');
      try {
        await client.orgGroupQuery({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey });
        assert.fail('the message is past the 24-hour window');
      } catch (error) {
        assert.ok(isDingTalkApiError(error));
        assert.equal(error.code, 'processQueryKey.expireTime');
      }
      assert.equal((await dingread.admin.clock.system()).mode, 'system');

      const exported = await dingread.admin.exportFixture();
      assert.equal(exported.orgs.length, 2);
      await dingread.admin.reset();
      assert.deepEqual((await dingread.admin.exportFixture()).orgs, []);
      await assert.rejects(dingread.admin.message(processQueryKey), (error: unknown) => {
        assert.ok(error instanceof AdminError);
        assert.equal(error.status, 404);
        assert.equal(error.code, 'object.notFound');
        return true;
      });
    } finally {
      await dingread.close();
    }
  });

  it('keeps messages PROCESSING for the delivery delay, then delivers them', async () => {
    const dingread = await startDingread({ fixture: testDirectory(), deliveryDelayMs: 60_000 });
    try {
      const client = new DingTalkClient({ appKey: ACME.appKey, appSecret: ACME.appSecret, endpoint: dingread.url, retries: 0 });
      await dingread.admin.clock.set(Date.now());
      const { processQueryKey } = await client.batchSendOTO({
        robotCode: ACME.robot,
        userIds: ['u0001'],
        msgKey: 'sampleText',
        msgParam: { content: 'slow' },
      });
      const early = await client.batchOTOQuery({ robotCode: ACME.robot, processQueryKey }).catch((error: unknown) => error);
      assert.ok(isDingTalkApiError(early));
      assert.equal(early.code, 'processQueryKey.expireTime');
      assert.equal((await dingread.admin.message(processQueryKey)).sendStatus, 'PROCESSING');
      assert.deepEqual(await dingread.admin.reads([{ processQueryKey, userId: 'u0001' }]), {
        accepted: 0,
        ignored: [{ index: 0, reason: 'message.notDelivered' }],
      });
      assert.deepEqual(await dingread.admin.openRobotChat(ACME.robot, 'u0001'), { marked: 0 }, 'nothing delivered to read yet');
      await dingread.admin.clock.advance(60_000);
      const delivered = await client.batchOTOQuery({ robotCode: ACME.robot, processQueryKey });
      assert.equal(delivered.sendStatus, 'SUCCESS');
      assert.equal(delivered.messageReadInfoList[0]?.readStatus, 'UNREAD');
      assert.deepEqual(await dingread.admin.openRobotChat(ACME.robot, 'u0001'), { marked: 1 });
    } finally {
      await dingread.close();
    }
  });

  it('omits readTimestamp in exact-DingTalk mode, and serves the demo with its credentials', async () => {
    const dingread = await startDingread({ demo: true, readTimestamp: false, adminToken: 'sesame' });
    try {
      assert.ok(dingread.demo);
      const client = new DingTalkClient({ appKey: dingread.demo.appKey, appSecret: dingread.demo.appSecret, endpoint: dingread.url });
      const status = await client.batchOTOQuery({ robotCode: dingread.demo.robotCode, processQueryKey: dingread.demo.otoKey });
      const read = status.messageReadInfoList.filter((info) => info.readStatus === 'READ');
      assert.equal(read.length, 2);
      assert.ok(read.every((info) => !('readTimestamp' in info)));
      const counts = await dingread.admin.exportFixture();
      assert.equal(counts.orgs[0]?.corpId, 'dingdemocorp', 'the admin client sends the admin token');
    } finally {
      await dingread.close();
    }
  });

  it("has the demo app's own bot, robotCode = appKey as DingTalk names it, in the demo group and one-on-one", async () => {
    const dingread = await startDingread({ demo: true });
    try {
      assert.ok(dingread.demo);
      const { appKey, appSecret } = dingread.demo;
      assert.equal(DEMO.appRobotCode, appKey);
      const client = new DingTalkClient({ appKey, appSecret, endpoint: dingread.url });
      const group = await client.orgGroupSend({ robotCode: appKey, openConversationId: DEMO.groupId, msgKey: 'sampleText', msgParam: { content: 'as the app' } });
      const oto = await client.batchSendOTO({ robotCode: appKey, userIds: ['user001'], msgKey: 'sampleText', msgParam: { content: 'as the app' } });
      assert.equal((await dingread.admin.message(group.processQueryKey)).recipientCount, 50);
      assert.equal((await dingread.admin.message(oto.processQueryKey)).robotCode, appKey);
    } finally {
      await dingread.close();
    }
  });

  it('refuses unknown fields with strict, and names them in the log either way', async () => {
    for (const strict of [true, false]) {
      const dingread = await startDingread({ fixture: testDirectory(), strict });
      try {
        const answer = await fetch(`${dingread.url}/v1.0/oauth2/accessToken`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ appKey: ACME.appKey, appSecret: ACME.appSecret, scope: 'all' }),
        });
        assert.equal(answer.status, strict ? 400 : 200);
        const [logged] = await dingread.admin.requests({ path: '/v1.0/oauth2/accessToken' });
        assert.deepEqual(logged?.unknownFields, ['scope']);
        assert.match(await dingread.admin.caCertificate(), /^-----BEGIN CERTIFICATE-----/);
      } finally {
        await dingread.close();
      }
    }
  });
});

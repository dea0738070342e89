/**
 * The media contract (src/core/store/media.ts), checked through the Store alone so that every
 * backend runs the same suite, wherever it keeps the bytes: part of the store conformance suite
 * (conformance.ts calls it for each backend it is given).
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { MediaRecord, NewMedia, Store } from '../../src/core/store.js';
import type { StoreFactory } from './conformance.js';

interface World {
  orgId: number;
  appId: number;
  robotId: number;
}

async function seed(store: Store): Promise<World> {
  await store.applyFixture([
    {
      corpId: 'corp',
      name: 'Corp',
      apps: [{ appKey: 'app', secretHash: 'h', scopes: ['qyapi_robot_sendmsg'] }],
      users: [{ userId: 'u1', name: 'U1' }],
      robots: [{ robotCode: 'bot', name: 'Bot', status: 'active', templateStatus: 'active', ownerAppKey: null }],
      conversations: [],
    },
  ]);
  const org = await store.findOrg('corp');
  const app = await store.findApp('app');
  const robot = await store.findRobot('bot');
  assert.ok(org && app && robot);
  return { orgId: org.id, appId: app.id, robotId: robot.id };
}

let counter = 0;

export function mediaConformance(name: string, makeStore: StoreFactory): void {
  describe(`Store conformance: media [${name}]`, () => {
    let store: Store;
    let w: World;
    beforeEach(async () => {
      store = await makeStore();
      w = await seed(store);
    });
    afterEach(() => store.close());

    const newMedia = (extra: Partial<NewMedia> = {}): NewMedia => ({
      mediaId: `@lAtest${++counter}`,
      orgId: w.orgId,
      appId: w.appId,
      downloadCode: null,
      type: 'image',
      fileName: 'a.png',
      contentType: 'image/png',
      size: 3,
      createdAt: 1_000,
      ...extra,
    });

    async function keep(bytes: string, extra: Partial<NewMedia> = {}): Promise<MediaRecord> {
      const staged = await store.stageMedia();
      writeFileSync(staged.path, bytes);
      return store.insertMedia(newMedia({ size: bytes.length, ...extra }), staged);
    }

    it('keeps a staged file with its row, and finds it by id and by download code', async () => {
      const staged = await store.stageMedia();
      writeFileSync(staged.path, 'png');
      const media = await store.insertMedia(newMedia({ downloadCode: 'mIofNcode', appId: null }), staged);
      assert.equal(existsSync(staged.path), false, 'the staged file was taken over');
      assert.deepEqual(await store.findMedia(media.mediaId), media);
      assert.deepEqual(await store.findMediaByDownloadCode('mIofNcode'), media);
      assert.equal(media.corpId, 'corp');
      assert.equal(media.appId, null);
      assert.equal((await store.readMediaContent(media))?.toString(), 'png');
      assert.equal(await store.findMedia('@lAnosuch'), undefined);
      assert.equal(await store.findMediaByDownloadCode('nosuch'), undefined);
    });

    it('keeps nothing of an insert that fails, staged file included', async () => {
      const first = await keep('one');
      const staged = await store.stageMedia();
      writeFileSync(staged.path, 'two');
      await assert.rejects(store.insertMedia(newMedia({ mediaId: first.mediaId }), staged));
      assert.equal(existsSync(staged.path), false, 'the staged file is gone');
      assert.equal((await store.readMediaContent(first))?.toString(), 'one', 'the first file is untouched');
    });

    it("keeps a message's references, and purges only media past the cutoff that no message refers to", async () => {
      const used = await keep('used');
      const lone = await keep('lone');
      const recent = await keep('recent', { createdAt: 5_000 });
      const message = await store.insertMessage({
        processQueryKey: 'Key+media/x=',
        kind: 'oto',
        orgId: w.orgId,
        appId: w.appId,
        robotId: w.robotId,
        conversationId: null,
        msgKey: 'sampleImageMsg',
        msgParam: JSON.stringify({ photoURL: used.mediaId }),
        sentAt: 2_000,
        deliveredAt: 2_000,
        recipients: ['u1'],
        mediaIds: [used.id],
      });
      assert.deepEqual(await store.messageMedia(message), [used]);
      assert.equal(await store.purgeMediaBefore(3_000, 10), 1);
      assert.equal(await store.findMedia(lone.mediaId), undefined);
      assert.equal(await store.readMediaContent(lone), undefined, 'its bytes too');
      assert.deepEqual(await store.findMedia(used.mediaId), used, 'a referenced file stays');
      assert.deepEqual(await store.findMedia(recent.mediaId), recent, 'a newer file stays');
      // Once the message is purged, nothing refers to the file any more.
      assert.equal(await store.purgeMessagesBefore(3_000, 10), 1);
      assert.equal(await store.purgeMediaBefore(3_000, 10), 1);
      assert.equal(await store.findMedia(used.mediaId), undefined);
    });

    it('forgets media on reset, bytes included', async () => {
      const media = await keep('bytes');
      await store.reset();
      assert.equal(await store.findMedia(media.mediaId), undefined);
      assert.equal(await store.readMediaContent(media), undefined);
    });
  });
}

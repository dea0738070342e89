/**
 * The contract of interactive cards (src/core/store/cards.ts), checked through the Store alone so
 * that every backend runs the same suite: part of the store conformance suite (conformance.ts
 * calls it for each backend it is given).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { NewCard, NewCardDelivery, Store } from '../../src/core/store.js';
import { groupMessageRecord, type GroupMessageIds } from '../helpers/store-records.js';
import type { StoreFactory } from './conformance.js';

async function seed(store: Store): Promise<GroupMessageIds> {
  await store.applyFixture([
    {
      corpId: 'corp',
      name: 'Corp',
      apps: [{ appKey: 'app', secretHash: 'h', scopes: ['Card.Instance.Write'] }],
      users: ['u1', 'u2'].map((userId) => ({ userId, name: userId })),
      robots: [{ robotCode: 'bot', name: 'Bot', status: 'active', templateStatus: 'active', ownerAppKey: null }],
      conversations: [{ openConversationId: 'cidGroup==', type: 'group', title: 'G', coolAppCode: null, members: ['u1', 'u2'], robots: ['bot'] }],
    },
  ]);
  return {
    org: (await store.findOrg('corp')) as { id: number },
    app: (await store.findApp('app')) as { id: number },
    robot: (await store.findRobot('bot')) as { id: number },
    conversation: (await store.findConversation('cidGroup==')) as { id: number },
  };
}

function newCard(w: GroupMessageIds, outTrackId: string, cardData: Record<string, string> = { title: 'T' }): NewCard {
  return {
    orgId: w.org.id,
    appId: w.app.id,
    clientId: 'app',
    outTrackId,
    cardTemplateId: 'tpl',
    cardData,
    privateData: { u1: { mine: '1' } },
    callbackType: 'STREAM',
    callbackRouteKey: null,
    createdAt: 100,
  };
}

function groupDelivery(w: GroupMessageIds, processQueryKey: string): NewCardDelivery {
  return {
    spaceType: 'IM_GROUP',
    spaceId: 'cidGroup==',
    conversationId: w.conversation.id,
    robotId: w.robot.id,
    message: { ...groupMessageRecord(w, processQueryKey, 100), msgKey: 'interactiveCard', msgParam: '{"outTrackId":"c1"}' },
    deliveredAt: 100,
  };
}

export function cardConformance(name: string, makeStore: StoreFactory): void {
  describe(`Card store conformance [${name}]`, () => {
    let store: Store;
    let w: GroupMessageIds;
    beforeEach(async () => {
      store = await makeStore();
      w = await seed(store);
    });
    afterEach(() => store.close());

    it('creates a card with its deliveries and their carrying messages in one unit, once per outTrackId', async () => {
      const created = await store.createCard(newCard(w, 'c1'), [groupDelivery(w, 'pqk-1')]);
      assert.ok(created);
      assert.deepEqual({ ...created.card, id: 0, orgId: 0, appId: 0 }, {
        id: 0,
        orgId: 0,
        appId: 0,
        corpId: 'corp',
        clientId: 'app',
        outTrackId: 'c1',
        cardTemplateId: 'tpl',
        cardData: { title: 'T' },
        privateData: { u1: { mine: '1' } },
        callbackType: 'STREAM',
        callbackRouteKey: null,
        streaming: {},
        createdAt: 100,
        updatedAt: 100,
      });
      assert.deepEqual(created.deliveries, [
        { spaceType: 'IM_GROUP', spaceId: 'cidGroup==', openConversationId: 'cidGroup==', robotCode: 'bot', carrierId: 'pqk-1', deliveredAt: 100 },
      ]);
      assert.equal((await store.findMessage('pqk-1'))?.recipientCount, 2, 'the carrying message is a group message of the members');
      assert.equal((await store.findCardByCarrier('pqk-1'))?.outTrackId, 'c1');

      // The same outTrackId again: nothing is written, not even the second card's message.
      assert.equal(await store.createCard(newCard(w, 'c1', { title: 'other' }), [groupDelivery(w, 'pqk-2')]), undefined);
      assert.equal(await store.findMessage('pqk-2'), undefined);
      assert.deepEqual((await store.findCard(w.org.id, 'c1'))?.cardData, { title: 'T' });
      assert.equal((await store.cardDeliveries(created.card.id)).length, 1);
      assert.equal(await store.findCard(w.org.id, 'c2'), undefined);
    });

    it('delivers more, with or without a carrying message', async () => {
      const created = await store.createCard(newCard(w, 'c1'), []);
      assert.ok(created);
      const single: NewCardDelivery = { spaceType: 'IM_SINGLE', spaceId: 'cidPair==', conversationId: null, robotId: null, message: null, deliveredAt: 200 };
      const delivered = await store.deliverCard(created.card.id, [single, groupDelivery(w, 'pqk-3')]);
      assert.deepEqual(delivered.map((d) => [d.spaceType, d.carrierId, d.robotCode]), [
        ['IM_SINGLE', null, null],
        ['IM_GROUP', 'pqk-3', 'bot'],
      ]);
      assert.deepEqual(await store.cardDeliveries(created.card.id), delivered);
    });

    it('updates replace or merge by key, and a streamed guid lands once', async () => {
      const { card } = (await store.createCard(newCard(w, 'c1', { title: 'T', body: 'b' }), [])) ?? assert.fail('created');
      let updated = await store.updateCard(card.id, { cardData: { status: 'ok' }, cardDataByKey: true, privateData: { u1: { more: '2' } }, privateDataByKey: true, at: 200 });
      assert.deepEqual(updated?.cardData, { title: 'T', body: 'b', status: 'ok' });
      assert.deepEqual(updated?.privateData, { u1: { mine: '1', more: '2' } });
      assert.equal(updated?.updatedAt, 200);
      updated = await store.updateCard(card.id, { cardData: { only: 'this' }, privateData: { u2: { x: 'y' } }, at: 300 });
      assert.deepEqual(updated?.cardData, { only: 'this' });
      assert.deepEqual(updated?.privateData, { u1: { mine: '1', more: '2' }, u2: { x: 'y' } });

      const piece = (guid: string, content: string, isFull = false) => store.updateCard(card.id, { stream: { key: 'only', content, isFull, state: 'inputting', guid }, at: 400 });
      await piece('g1', ' and');
      await piece('g1', ' and');
      await piece('g2', ' more');
      assert.deepEqual((await store.findCard(w.org.id, 'c1'))?.cardData, { only: 'this and more' });
      await store.updateCard(card.id, { stream: { key: 'only', content: 'all', isFull: true, state: 'finished', guid: 'g3' }, at: 500 });
      const done = await store.findCard(w.org.id, 'c1');
      assert.deepEqual([done?.cardData, done?.streaming], [{ only: 'all' }, { only: 'finished' }]);
      assert.equal(await store.updateCard(987_654, { cardData: {}, at: 1 }), undefined);
    });

    it('keeps org templates; a reset forgets cards and templates', async () => {
      await store.saveCardTemplate({ orgId: w.org.id, cardTemplateId: 'b.schema', name: 'B', buttons: [] });
      await store.saveCardTemplate({ orgId: w.org.id, cardTemplateId: 'a.schema', name: 'A', buttons: [{ text: 'Go', actionId: 'go' }] });
      const again = await store.saveCardTemplate({ orgId: w.org.id, cardTemplateId: 'b.schema', name: 'B2', buttons: [] });
      assert.equal(again.name, 'B2');
      assert.deepEqual((await store.cardTemplates(w.org.id)).map((t) => [t.cardTemplateId, t.name, t.buttons.length]), [
        ['a.schema', 'A', 1],
        ['b.schema', 'B2', 0],
      ]);
      await store.createCard(newCard(w, 'c1'), [groupDelivery(w, 'pqk-4')]);
      await store.reset();
      w = await seed(store);
      assert.equal(await store.findCard(w.org.id, 'c1'), undefined);
      assert.deepEqual(await store.cardTemplates(w.org.id), []);
    });
  });
}

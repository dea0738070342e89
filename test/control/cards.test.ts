/**
 * The control plane's card routes (control-plane.md, "Interactive cards"): an org's templates
 * beside DingTalk's public ones, a card and the card a message carries, and their error answers.
 * Presses are checked with a real Stream client in test/stream/card-callback.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CardApi, CARDS, seedCards } from '../helpers/cards.js';
import { ACME, GLOBEX } from '../helpers/fixtures.js';
import { call, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';

describe('control plane: cards', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await seedCards(server);
  });
  after(() => server.close());

  const control = (method: string, path: string, body?: unknown) => call(server.url, method, `/_dingread/v1${path}`, body === undefined ? {} : { body });

  it("lists DingTalk's public templates, then the org's; posting a template again replaces it", async () => {
    const again = await control('POST', '/cardTemplates', { corpId: ACME.corpId, cardTemplateId: 'zz.schema', name: 'Z' });
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, { orgId: again.body.orgId, cardTemplateId: 'zz.schema', name: 'Z', buttons: [] });
    const replaced = await control('POST', '/cardTemplates', { corpId: ACME.corpId, cardTemplateId: 'zz.schema', buttons: [{ text: 'Go', actionId: 'go' }] });
    assert.deepEqual([replaced.body.name, replaced.body.buttons], ['zz.schema', [{ text: 'Go', actionId: 'go' }]]);
    const listed = await control('GET', `/cardTemplates?corpId=${ACME.corpId}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.items.map((t: { orgId: number | null; cardTemplateId: string }) => [t.orgId === null, t.cardTemplateId]),
      [
        [true, CARDS.publicTemplate],
        [true, 'c2a6355b-9724-4f7e-9653-d33fcb3311bb.schema'],
        [true, '382e4302-551d-4880-bf29-a30acfab2e71.schema'],
        [false, CARDS.template],
        [false, 'zz.schema'],
      ],
    );
    const globex = await control('GET', `/cardTemplates?corpId=${GLOBEX.corpId}`);
    assert.equal(globex.body.items.length, 3, "another org sees only DingTalk's public templates");
  });

  it('answers a card by org and outTrackId, and the card a message carries', async () => {
    const cards = new CardApi(server.url, await tokenFor(server.url, CARDS.appKey, CARDS.appSecret));
    const created = await cards.createAndDeliver({
      outTrackId: 'control-1',
      cardTemplateId: CARDS.template,
      cardData: { cardParamMap: { title: 'T', buttons: JSON.stringify([{ text: 'More', id: 'more', params: { n: 1 } }, { text: 'no id' }]) } },
      openSpaceId: `dtv1.card//IM_GROUP.${ACME.smallGroup}`,
      imGroupOpenDeliverModel: { robotCode: ACME.robot },
    });
    const carrierId = created?.result?.deliverResults?.[0]?.carrierId as string;
    const card = await control('GET', `/cards/control-1?corpId=${ACME.corpId}`);
    assert.equal(card.status, 200);
    assert.equal(card.body.templateName, 'Approval');
    assert.deepEqual(
      card.body.buttons.map((b: { actionId: string }) => b.actionId),
      ['approve', 'reject', 'more'],
      "the template's buttons, then those the card's data lists",
    );
    const carried = await control('GET', `/messages/${encodeURIComponent(carrierId)}/card`);
    assert.deepEqual(carried.body, card.body);
  });

  it('answers object.notFound for unknown orgs, cards and carriers, and refuses bad bodies', async () => {
    const sent = await call(server.url, 'POST', '/v1.0/robot/groupMessages/send', {
      token: await tokenFor(server.url, ACME.appKey, ACME.appSecret),
      body: { robotCode: ACME.robot, openConversationId: ACME.smallGroup, msgKey: 'sampleText', msgParam: '{"content":"plain"}' },
    });
    for (const [method, path] of [
      ['GET', '/cardTemplates?corpId=dingnosuchcorp'],
      ['GET', '/cards/control-1?corpId=dingnosuchcorp'],
      ['GET', `/cards/control-1?corpId=${GLOBEX.corpId}`],
      ['GET', `/cards/no-such-card?corpId=${ACME.corpId}`],
      ['GET', `/messages/${encodeURIComponent(sent.body.processQueryKey)}/card`],
      ['GET', '/messages/no-such-key/card'],
    ] as const) {
      const answer = await control(method, path);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.body.code, 'object.notFound', path);
    }
    const unknownOrg = await control('POST', '/cardTemplates', { corpId: 'dingnosuchcorp', cardTemplateId: 'x' });
    assert.equal(unknownOrg.status, 404);
    for (const body of [
      { corpId: ACME.corpId, cardTemplateId: CARDS.publicTemplate },
      { corpId: ACME.corpId },
      { corpId: ACME.corpId, cardTemplateId: 'x', buttons: [{ text: 'no action' }] },
      { corpId: ACME.corpId, cardTemplateId: 'x', extra: true },
    ]) {
      const refused = await control('POST', '/cardTemplates', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.code, 'invalidParameter.param.invalid');
    }
    const noCorp = await control('GET', '/cards/control-1');
    assert.equal(noCorp.status, 400);
  });
});

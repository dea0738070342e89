/**
 * The callback of a card's button, pressed by a simulated user (`POST /_dingread/v1/cards/{outTrackId}/actions`),
 * reaching the official Stream SDK (npm `dingtalk-stream`, unchanged) on topic
 * `/v1.0/card/instances/callback` with the payload DingTalk's card callback document gives.
 */
import { DWClient, TOPIC_CARD, type DWClientDownStream } from '../helpers/stream-sdk.js';
import assert from 'node:assert/strict';
import { after, afterEach, before, it } from 'node:test';
import { CardApi, CARDS, seedCards } from '../helpers/cards.js';
import { ACME } from '../helpers/fixtures.js';
import { call, forEachStore, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

forEachStore('card callbacks through Stream mode', (store) => {
  let server: TestServer;
  let cards: CardApi;
  let proxy: string | undefined;
  const clients: Array<InstanceType<typeof DWClient>> = [];

  before(async () => {
    server = await startTestServer({ store });
    await seedCards(server);
    cards = new CardApi(server.url, await tokenFor(server.url, CARDS.appKey, CARDS.appSecret));
    proxy = process.env['HTTPS_PROXY'];
    process.env['HTTPS_PROXY'] = server.url;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await until('every connection to leave the registry', async () => (await connections()).length === 0);
  });
  after(async () => {
    if (proxy === undefined) delete process.env['HTTPS_PROXY'];
    else process.env['HTTPS_PROXY'] = proxy;
    await server.close();
  });

  async function connections(): Promise<any[]> {
    return (await server.admin<{ items: any[] }>('GET', '/stream/connections')).items;
  }

  async function connect(): Promise<DWClientDownStream[]> {
    const client = new DWClient({ clientId: CARDS.appKey, clientSecret: CARDS.appSecret, ua: 'dingread-test' });
    const received: DWClientDownStream[] = [];
    client.registerCallbackListener(TOPIC_CARD, (message) => {
      received.push(message);
      // The answer DingTalk's card callback document shows: it changes the card.
      client.socketCallBackResponse(message.headers.messageId, {
        cardData: { cardParamMap: { status: 'approved' } },
        userPrivateData: { cardParamMap: { pressed: 'yes' } },
        cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
      });
    });
    await client.connect();
    await until('the SDK to connect', () => client.connected);
    clients.push(client);
    return received;
  }

  const press = (outTrackId: string, body: Record<string, unknown>) =>
    call(server.url, 'POST', `/_dingread/v1/cards/${encodeURIComponent(outTrackId)}/actions`, { body });

  it("pushes a button press to the card's app with cardPrivateData's actionIds and params", async () => {
    const received = await connect();
    await cards.createAndDeliver({
      outTrackId: 'cb-1',
      cardTemplateId: CARDS.template,
      cardData: { cardParamMap: { title: 'Leave request' } },
      callbackType: 'STREAM',
      openSpaceId: `dtv1.card//IM_GROUP.${ACME.smallGroup}`,
      imGroupOpenDeliverModel: { robotCode: ACME.robot },
    });
    const pressed = await press('cb-1', { corpId: ACME.corpId, userId: 'u0002', actionId: 'approve', params: { decision: 'yes' } });
    assert.equal(pressed.status, 200);
    assert.deepEqual(pressed.body, { status: 'delivered' });
    await until('the callback', () => received.length === 1);
    const frame = received[0] as DWClientDownStream;
    assert.equal(frame.type, 'CALLBACK');
    assert.equal(frame.headers.topic, '/v1.0/card/instances/callback');
    const data = JSON.parse(frame.data) as Record<string, unknown>;
    assert.deepEqual(
      { ...data, content: undefined },
      {
        type: 'actionCallback',
        outTrackId: 'cb-1',
        corpId: ACME.corpId,
        userId: 'u0002',
        userIdType: 1,
        spaceType: 'IM_GROUP',
        spaceId: ACME.smallGroup,
        content: undefined,
      },
    );
    assert.deepEqual(JSON.parse(data['content'] as string), { cardPrivateData: { actionIds: ['approve'], params: { decision: 'yes' } } });
    await until('the acknowledgement', async () => (await connections())[0].unacknowledged.length === 0);
    const view = () => server.admin<any>('GET', `/cards/cb-1?corpId=${ACME.corpId}`);
    await until("the bot's answer to change the card", async () => (await view()).cardData.status === 'approved');
    const card = await view();
    assert.deepEqual(card.cardData, { title: 'Leave request', status: 'approved' });
    assert.deepEqual(card.privateData, { u0002: { pressed: 'yes' } });
  });

  it('answers noCallback for a card made without STREAM, noConnection when its app is not connected', async () => {
    await cards.create({ outTrackId: 'cb-2', cardTemplateId: CARDS.template, cardData: { cardParamMap: {} } });
    assert.deepEqual((await press('cb-2', { corpId: ACME.corpId, userId: 'u0001', actionId: 'approve' })).body, { status: 'noCallback' });
    await cards.create({ outTrackId: 'cb-3', cardTemplateId: CARDS.template, cardData: { cardParamMap: {} }, callbackType: 'STREAM' });
    assert.deepEqual((await press('cb-3', { corpId: ACME.corpId, userId: 'u0001', actionId: 'approve' })).body, { status: 'noConnection' });
  });

  it('refuses presses of unknown cards and users, and malformed ones', async () => {
    await cards.create({ outTrackId: 'cb-4', cardTemplateId: CARDS.template, cardData: { cardParamMap: {} }, callbackType: 'STREAM' });
    for (const [outTrackId, body] of [
      ['no-such-card', { corpId: ACME.corpId, userId: 'u0001', actionId: 'a' }],
      ['cb-4', { corpId: 'dingnosuchcorp', userId: 'u0001', actionId: 'a' }],
      ['cb-4', { corpId: 'dingglobex', userId: 'g001', actionId: 'a' }],
      ['cb-4', { corpId: ACME.corpId, userId: 'nobody', actionId: 'a' }],
    ] as const) {
      const answer = await press(outTrackId, body);
      assert.equal(answer.status, 404, JSON.stringify(body));
      assert.equal(answer.body.code, 'object.notFound');
    }
    const malformed = await press('cb-4', { corpId: ACME.corpId, userId: 'u0001' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'invalidParameter.param.invalid');
  });
});

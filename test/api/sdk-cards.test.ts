/**
 * Interactive cards through the official SDK's card client (`@alicloud/dingtalk` card_1_0),
 * unchanged, on every backend: create and deliver to a group, a user's chat with a robot and a
 * person-to-person chat; the two-step create and deliver; updates of the card's data and of
 * users' private data; streaming; the read status of a card's deliveries; and every error path,
 * each leaving nothing written.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { CardApi, CARDS, seedCards } from '../helpers/cards.js';
import { ACME, GLOBEX, SMALL_GROUP_MEMBERS } from '../helpers/fixtures.js';
import { call, forEachStore, tokenFor, type TestServer } from '../helpers/server.js';
import { defined, expectError, read, startHarness, type Harness } from './sdk-conformance.js';

interface CardView {
  outTrackId: string;
  cardData: Record<string, string>;
  privateData: Record<string, Record<string, string>>;
  streaming: Record<string, string>;
  buttons: Array<{ text: string; actionId: string }>;
  deliveries: Array<{ spaceType: string; spaceId: string; carrierId: string | null; robotCode: string | null; openConversationId: string | null }>;
}

const groupSpace = (id: string = ACME.smallGroup) => `dtv1.card//IM_GROUP.${id}`;
const groupModel = { imGroupOpenDeliverModel: { robotCode: ACME.robot } };
const robotModel = { imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: ACME.robot } };

forEachStore('SDK interactive cards', (store) => {
  let h: Harness;
  let server: TestServer;
  let cards: CardApi;
  let otherApp: CardApi;
  let globex: CardApi;
  let robotOnly: CardApi;
  let n = 0;
  const nextId = () => `track-${++n}`;

  before(async () => {
    h = await startHarness(store);
    server = h.server;
    await seedCards(server);
    const api = async (appKey: string, secret: string) => new CardApi(server.url, await tokenFor(server.url, appKey, secret));
    cards = await api(CARDS.appKey, CARDS.appSecret);
    otherApp = await api(CARDS.otherAppKey, CARDS.otherAppSecret);
    globex = await api(CARDS.globexAppKey, CARDS.globexAppSecret);
    robotOnly = await api(CARDS.robotOnlyAppKey, CARDS.robotOnlyAppSecret);
  });
  after(() => h.close());

  const view = (outTrackId: string, corpId: string = ACME.corpId) =>
    server.admin<CardView>('GET', `/cards/${encodeURIComponent(outTrackId)}?corpId=${corpId}`);
  const missing = async (outTrackId: string, corpId: string = ACME.corpId) => {
    const answer = await call(server.url, 'GET', `/_dingread/v1/cards/${encodeURIComponent(outTrackId)}?corpId=${corpId}`);
    return answer.status === 404 && answer.body.code === 'object.notFound';
  };
  const baseCard = (outTrackId: string, extra: Record<string, unknown> = {}) => ({
    outTrackId,
    cardTemplateId: CARDS.template,
    cardData: { cardParamMap: { title: 'Leave request', content: '**3 days** off' } },
    callbackType: 'STREAM',
    ...extra,
  });

  it('createAndDeliver to a group and a robot chat: carrierIds are messages whose read status is the card\'s', async () => {
    const outTrackId = nextId();
    const body = await cards.createAndDeliver(
      baseCard(outTrackId, {
        // The SDK's own example writes the types in lower case.
        openSpaceId: `dtv1.card//im_group.${ACME.smallGroup};im_robot.u0003`,
        imGroupOpenSpaceModel: { supportForward: true },
        imRobotOpenSpaceModel: { supportForward: true },
        ...groupModel,
        ...robotModel,
      }),
    );
    assert.equal(body?.success, true);
    const result = defined(body?.result);
    assert.equal(result.outTrackId, outTrackId);
    const [group, robot] = defined(result.deliverResults);
    assert.equal(group?.spaceType, 'IM_GROUP');
    assert.equal(group?.spaceId, ACME.smallGroup);
    assert.equal(group?.success, true);
    assert.equal(robot?.spaceType, 'IM_ROBOT');
    assert.equal(robot?.spaceId, 'u0003');
    const groupKey = defined(group?.carrierId);
    const robotKey = defined(robot?.carrierId);

    // The group delivery is a group message of the robot: the read-status query answers for it.
    const unread = await h.acme.queryGroup({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: groupKey });
    assert.equal(unread.sendStatus, 'SUCCESS');
    assert.deepEqual(unread.readUserIds, []);
    await read(server, groupKey, ['u0002']);
    const readOnce = await h.acme.queryGroup({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: groupKey });
    assert.deepEqual(readOnce.readUserIds, ['u0002']);

    // The robot-chat delivery is a one-on-one message to that user.
    const oto = await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: robotKey });
    assert.deepEqual(oto.messageReadInfoList?.map((info) => info.userId), ['u0003']);
    assert.equal(oto.messageReadInfoList?.[0]?.readStatus, 'UNREAD');

    const message = await server.admin<{ msgKey: string; msgParam: string; recipientCount: number }>('GET', `/messages/${encodeURIComponent(groupKey)}`);
    assert.equal(message.msgKey, 'interactiveCard');
    assert.equal(JSON.parse(message.msgParam).outTrackId, outTrackId);
    assert.equal(message.recipientCount, SMALL_GROUP_MEMBERS.length);

    const card = await view(outTrackId);
    assert.deepEqual(card.cardData, { title: 'Leave request', content: '**3 days** off' });
    assert.deepEqual(card.buttons.map((button) => button.actionId), ['approve', 'reject']);
    assert.deepEqual(card.deliveries.map((d) => [d.spaceType, d.spaceId, d.carrierId, d.robotCode]), [
      ['IM_GROUP', ACME.smallGroup, groupKey, ACME.robot],
      ['IM_ROBOT', 'u0003', robotKey, ACME.robot],
    ]);
    const carried = await server.admin<CardView>('GET', `/messages/${encodeURIComponent(robotKey)}/card`);
    assert.equal(carried.outTrackId, outTrackId);
  });

  it("DingTalk's public AI card template is every org's, and a space type dingread does not deliver to fails alone", async () => {
    const outTrackId = nextId();
    const body = await globex.createAndDeliver({
      outTrackId,
      cardTemplateId: CARDS.publicTemplate,
      cardData: { cardParamMap: { content: '' } },
      openSpaceId: `dtv1.card//IM_GROUP.${GLOBEX.group};ONE_BOX.${GLOBEX.group}`,
      imGroupOpenDeliverModel: { robotCode: GLOBEX.robot },
    });
    const [group, oneBox] = defined(body?.result?.deliverResults);
    assert.equal(group?.success, true);
    assert.equal(oneBox?.spaceType, 'ONE_BOX');
    assert.equal(oneBox?.success, false);
    assert.match(defined(oneBox?.errorMsg), /ONE_BOX/);
    assert.equal(oneBox?.carrierId, undefined);
    // The same outTrackId in another org is another card.
    const again = await cards.createAndDeliver(baseCard(outTrackId, { openSpaceId: groupSpace(), ...groupModel }));
    assert.equal(again?.success, true);
  });

  it("IM_ROBOT without a robotCode is the internal app's own bot (robotCode = appKey), as bots deliver their AI cards", async () => {
    // Of the second card app, so that the first keeps having no bot of its own (its error case below).
    await server.admin('POST', '/fixtures', { orgs: [{ corpId: ACME.corpId, robots: [{ robotCode: CARDS.otherAppKey, name: 'Cards bot', appKey: CARDS.otherAppKey }] }] });
    const outTrackId = nextId();
    const body = await otherApp.createAndDeliver(baseCard(outTrackId, { openSpaceId: 'dtv1.card//IM_ROBOT.u0001', imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT' } }));
    const [delivery] = defined(body?.result?.deliverResults);
    assert.deepEqual([delivery?.spaceType, delivery?.success], ['IM_ROBOT', true]);
    assert.deepEqual(
      (await view(outTrackId)).deliveries.map((d) => [d.spaceType, d.spaceId, d.robotCode]),
      [['IM_ROBOT', 'u0001', CARDS.otherAppKey]],
    );
    // A group's deliver model still names its robot: a group may hold several of the app's.
    await expectError(() => otherApp.createAndDeliver(baseCard(nextId(), { openSpaceId: groupSpace(), imGroupOpenDeliverModel: {} })), 'param.openDeliverModelError');
  });

  it('create, then deliver: to a person-to-person chat there is no carrier, so no read status', async () => {
    const outTrackId = nextId();
    const created = await cards.create(baseCard(outTrackId, { imGroupOpenSpaceModel: { supportForward: false } }));
    assert.deepEqual({ success: created?.success, result: created?.result }, { success: true, result: outTrackId });
    assert.deepEqual((await view(outTrackId)).deliveries, []);

    const delivered = await cards.deliver({ outTrackId, openSpaceId: `dtv1.card//IM_SINGLE.${ACME.pair};IM_GROUP.${ACME.smallGroup}`, ...groupModel });
    assert.equal(delivered?.success, true);
    const [single, group] = defined(delivered?.result);
    assert.equal(single?.spaceType, 'IM_SINGLE');
    assert.equal(single?.success, true);
    assert.equal(single?.carrierId, undefined);
    assert.ok(group?.carrierId);
    assert.deepEqual((await view(outTrackId)).deliveries.map((d) => [d.spaceType, d.carrierId === null]), [
      ['IM_SINGLE', true],
      ['IM_GROUP', false],
    ]);
  });

  it('updates replace the card data and private data, or merge them by key', async () => {
    const outTrackId = nextId();
    await cards.createAndDeliver(
      baseCard(outTrackId, { openSpaceId: groupSpace(), ...groupModel, privateData: { u0001: { cardParamMap: { mine: 'a', keep: 'k' } } } }),
    );
    assert.deepEqual((await view(outTrackId)).privateData, { u0001: { mine: 'a', keep: 'k' } });

    const byKey = await cards.update({
      outTrackId,
      cardData: { cardParamMap: { status: 'approved' } },
      privateData: { u0001: { cardParamMap: { mine: 'b' } } },
      cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
    });
    assert.deepEqual({ success: byKey?.success, result: byKey?.result }, { success: true, result: true });
    let card = await view(outTrackId);
    assert.deepEqual(card.cardData, { title: 'Leave request', content: '**3 days** off', status: 'approved' });
    assert.deepEqual(card.privateData, { u0001: { mine: 'b', keep: 'k' } });

    await cards.update({ outTrackId, cardData: { cardParamMap: { title: 'Replaced' } } });
    card = await view(outTrackId);
    assert.deepEqual(card.cardData, { title: 'Replaced' }, 'without updateCardDataByKey the map is replaced');
    assert.deepEqual(card.privateData, { u0001: { mine: 'b', keep: 'k' } }, 'private data left alone');

    // Keys that name Object.prototype's members are data like any other (a body with `__proto__` is refused whole, on every route).
    await cards.update({ outTrackId, cardData: { cardParamMap: { constructor: 'c', hasOwnProperty: 'h' } }, cardUpdateOptions: { updateCardDataByKey: true } });
    await cards.stream({ outTrackId, guid: 'proto', key: 'toString', content: 'streamed' });
    assert.deepEqual(Object.entries((await view(outTrackId)).cardData), [
      ['title', 'Replaced'],
      ['constructor', 'c'],
      ['hasOwnProperty', 'h'],
      ['toString', 'streamed'],
    ]);
    await cards.update({ outTrackId, privateData: { u0002: { cardParamMap: { only: 'two' } } } });
    assert.deepEqual((await view(outTrackId)).privateData, { u0001: { mine: 'b', keep: 'k' }, u0002: { only: 'two' } });
  });

  it('streaming appends to one variable, replaces it with isFull, lands a guid once, and finishes', async () => {
    const outTrackId = nextId();
    await cards.createAndDeliver(baseCard(outTrackId, { openSpaceId: groupSpace(), ...groupModel, cardData: { cardParamMap: { content: '' } } }));
    const piece = (guid: string, content: string, extra: Record<string, unknown> = {}) => cards.stream({ outTrackId, guid, key: 'content', content, ...extra });
    const first = await piece('g1', 'Hello');
    assert.deepEqual({ success: first?.success, result: first?.result }, { success: true, result: true });
    await piece('g2', ', world');
    await piece('g2', ', world');
    let card = await view(outTrackId);
    assert.equal(card.cardData['content'], 'Hello, world', 'the repeated guid landed once');
    assert.equal(card.streaming['content'], 'inputting');

    await piece('g3', '# Done', { isFull: true, isFinalize: true });
    card = await view(outTrackId);
    assert.equal(card.cardData['content'], '# Done');
    assert.equal(card.streaming['content'], 'finished');
    await piece('g4', 'oops', { isError: true, key: 'other' });
    assert.equal((await view(outTrackId)).streaming['other'], 'failed');
    // The plugins open a card's stream with an empty piece: it is taken.
    await piece('g5', '', { isFull: true });
    assert.equal((await view(outTrackId)).cardData['content'], '');
  });

  it('refuses what createAndDeliver documents as errors, writing nothing', async () => {
    const outTrackId = nextId();
    const create = (fields: Record<string, unknown>) => () => cards.createAndDeliver(fields);
    const full = baseCard(outTrackId, { openSpaceId: groupSpace(), ...groupModel });
    await expectError(create({ ...full, outTrackId: undefined }), 'param.outTrackIdEmpty');
    await expectError(create({ ...full, cardTemplateId: undefined }), 'param.cardTemplateIdEmpty');
    await expectError(create({ ...full, cardData: undefined }), 'param.cardPublicDataEmpty');
    await expectError(create({ ...full, openSpaceId: undefined }), 'param.openSpaceIdEmpty');
    await expectError(create({ ...full, openSpaceId: `IM_GROUP.${ACME.smallGroup}` }), 'param.openSpaceIdInvalid');
    await expectError(create({ ...full, openSpaceId: 'dtv1.card//CHANNEL.x' }), 'param.openSpaceIdInvalid');
    await expectError(create({ ...full, openSpaceId: 'dtv1.card//' }), 'param.openSpaceIdInvalid');
    await expectError(create({ ...full, openSpaceId: groupSpace('cidNoSuchGroup==') }), 'param.openSpaceIdInvalid');
    await expectError(create({ ...full, openSpaceId: groupSpace(GLOBEX.group) }), 'param.openSpaceIdInvalid');
    await expectError(create({ ...full, openSpaceId: groupSpace(ACME.pair) }), 'param.openSpaceIdInvalid');
    await expectError(create({ ...full, openSpaceId: `dtv1.card//IM_SINGLE.${ACME.smallGroup}` }), 'param.openSpaceIdInvalid');
    await expectError(create({ ...full, imGroupOpenDeliverModel: undefined }), 'param.openDeliverModelEmpty');
    await expectError(create({ ...full, imGroupOpenDeliverModel: { extension: {} } }), 'param.openDeliverModelError');
    await expectError(create({ ...full, openSpaceId: 'dtv1.card//IM_ROBOT.u0001' }), 'param.openDeliverModelEmpty');
    // No robotCode, and the app has no bot of its own to stand for it.
    await expectError(create({ ...full, openSpaceId: 'dtv1.card//IM_ROBOT.u0001', imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT' } }), 'param.openDeliverModelError');
    await expectError(create({ ...full, openSpaceId: 'dtv1.card//IM_ROBOT.nobody', ...robotModel }), 'param.userIdNotExist');
    await expectError(create({ ...full, cardTemplateId: 'no-such.schema' }), 'param.templateNotExist');
    await expectError(globex.createAndDeliver.bind(globex, { ...full, openSpaceId: groupSpace(GLOBEX.group), imGroupOpenDeliverModel: { robotCode: GLOBEX.robot } }), 'param.templateNotExist');
    await expectError(create({ ...full, privateData: { nobody: { cardParamMap: { a: 'b' } } } }), 'param.userIdNotExist');
    await expectError(create({ ...full, userIdType: 2 }), 'param.invalid');
    await expectError(create({ ...full, callbackType: 'WEBHOOK' }), 'param.invalid');
    await expectError(create({ ...full, cardData: { cardParamMap: { big: 'x'.repeat(1025) } } }), 'param.invalid');
    await expectError(create({ ...full, cardData: { cardParamMap: { ['k'.repeat(101)]: 'v' } } }), 'param.invalid');
    // The robot's own checks, as a send's.
    await expectError(create({ ...full, imGroupOpenDeliverModel: { robotCode: 'dingnosuchbot' } }), 'invalidParameter.robotCode.notExsit');
    await expectError(create({ ...full, imGroupOpenDeliverModel: { robotCode: ACME.ownedRobot } }), 'invalidParameter.robotCode.auth');
    await expectError(create({ ...full, imGroupOpenDeliverModel: { robotCode: ACME.loneRobot } }), 'resource.unavailable');
    // A later space that fails leaves the earlier ones undelivered: nothing is half-written.
    await expectError(
      create({ ...full, openSpaceId: `dtv1.card//IM_GROUP.${ACME.smallGroup};IM_ROBOT.nobody`, ...robotModel }),
      'param.userIdNotExist',
    );
    assert.ok(await missing(outTrackId), 'no card was made by any of these');
    const listed = await server.admin<{ items: unknown[] }>('GET', `/messages?corpId=${ACME.corpId}&openConversationId=${encodeURIComponent(ACME.smallGroup)}&limit=200`);

    await cards.createAndDeliver(full);
    await expectError(create({ ...full, cardData: { cardParamMap: { title: 'second' } } }), 'param.cardAlreadyExist');
    await expectError(() => otherApp.createAndDeliver(full), 'param.cardAlreadyExist');
    const card = await view(outTrackId);
    assert.equal(card.cardData['title'], 'Leave request', 'the first card stays as it was');
    assert.equal(card.deliveries.length, 1);
    const after = await server.admin<{ items: unknown[] }>('GET', `/messages?corpId=${ACME.corpId}&openConversationId=${encodeURIComponent(ACME.smallGroup)}&limit=200`);
    assert.equal(after.items.length, listed.items.length + 1, 'one message for the one card delivered');
    await expectError(() => cards.create(full), 'param.cardAlreadyExist');
  });

  it("another app's or org's card answers like one that does not exist, on every route", async () => {
    const outTrackId = nextId();
    await cards.createAndDeliver(baseCard(outTrackId, { openSpaceId: groupSpace(), ...groupModel }));
    for (const api of [otherApp, globex]) {
      await expectError(() => api.update({ outTrackId, cardData: { cardParamMap: { hijacked: 'yes' } } }), 'param.cardNotExist');
      await expectError(() => api.deliver({ outTrackId, openSpaceId: groupSpace(), ...groupModel }), 'param.cardNotExist');
      await expectError(() => api.stream({ outTrackId, guid: 'x', key: 'content', content: 'hijacked' }), 'param.stream.outTrackId');
    }
    await expectError(() => cards.update({ outTrackId: 'track-unknown', cardData: { cardParamMap: {} } }), 'param.cardNotExist');
    const card = await view(outTrackId);
    assert.equal(card.cardData['hijacked'], undefined);
    assert.equal(card.deliveries.length, 1);
    assert.equal(card.cardData['content'], '**3 days** off');
  });

  it('refuses bad updates, deliveries and streaming pieces with their documented codes', async () => {
    const outTrackId = nextId();
    await cards.create(baseCard(outTrackId));
    await expectError(() => cards.update({ cardData: { cardParamMap: { a: 'b' } } }), 'param.outTrackIdEmpty');
    await expectError(() => cards.update({ outTrackId }), 'param.cardDataAndPrivateDataBothEmpty');
    await expectError(() => cards.update({ outTrackId, privateData: { nobody: { cardParamMap: { a: 'b' } } } }), 'param.userIdNotExist');
    await expectError(() => cards.deliver({ openSpaceId: groupSpace(), ...groupModel }), 'param.outTrackIdEmpty');
    await expectError(() => cards.deliver({ outTrackId, ...groupModel }), 'param.openSpaceIdEmpty');
    await expectError(() => cards.deliver({ outTrackId, openSpaceId: 'dtv1.card//IM_GROUP.', ...groupModel }), 'param.openSpaceIdInvalid');
    const piece = { outTrackId, guid: 'g', key: 'content', content: 'x' };
    await expectError(() => cards.stream({ ...piece, outTrackId: undefined }), 'param.stream.outTrackId');
    await expectError(() => cards.stream({ ...piece, outTrackId: 'track-unknown' }), 'param.stream.outTrackId');
    await expectError(() => cards.stream({ ...piece, guid: undefined }), 'param.stream.guidEmpty');
    await expectError(() => cards.stream({ ...piece, key: undefined }), 'param.stream.keyEmpty');
    await expectError(() => cards.stream({ ...piece, content: undefined }), 'param.stream.contentEmpty');
    await expectError(() => cards.stream({ ...piece, content: 'x'.repeat(64 * 1024 + 1) }), 'param.stream.content');
    const card = await view(outTrackId);
    assert.deepEqual(card.cardData, { title: 'Leave request', content: '**3 days** off' });
    assert.deepEqual(card.streaming, {});
    assert.deepEqual(card.deliveries, []);
  });

  it('needs Card.Instance.Write to create and Card.Streaming.Write to stream', async () => {
    const error = await expectError(() => robotOnly.create(baseCard(nextId())), 'Forbidden.AccessDenied.AccessTokenPermissionDenied', 403);
    assert.deepEqual(error.data.accessdenieddetail, { requiredScopes: ['Card.Instance.Write'] });
    const streaming = await expectError(
      () => robotOnly.stream({ outTrackId: 'x', guid: 'g', key: 'k', content: 'c' }),
      'Forbidden.AccessDenied.AccessTokenPermissionDenied',
      403,
    );
    assert.deepEqual(streaming.data.accessdenieddetail, { requiredScopes: ['Card.Streaming.Write'] });
    const noToken = await call(server.url, 'POST', '/v1.0/card/instances', { body: {} });
    assert.equal(noToken.status, 400);
    assert.equal(noToken.body.code, 'AuthenticationFailed.MissingParameter');
  });
});

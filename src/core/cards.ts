/**
 * Interactive cards (`/v1.0/card/*`, docs/cards.md): create and deliver to a group, a user's chat
 * with a robot or a person-to-person chat, update the card's variables (shared and per user),
 * stream one variable, and the callback of a button a simulated user presses, pushed through
 * Stream mode.
 *
 * A card belongs to the app that created it: another app's card answers like an unknown one. A
 * delivery by a robot is carried by an IM message (the `carrierId` DingTalk answers is its
 * processQueryKey), so the card's read status is that message's, through the same read-status
 * queries; where no robot delivers (a person-to-person chat) there is no read status.
 */
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import { newProcessQueryKey } from './ids.js';
import { resolveRobot } from './robot-access.js';
import { emitSent } from './sends.js';
import type {
  CardButton,
  CardDeliveryRecord,
  CardParams,
  CardRecord,
  CardSpaceType,
  CardStreamState,
  CardTemplateRecord,
  NewCard,
  NewCardDelivery,
  NewMessage,
} from './store.js';
import { newFrameMessageId } from './stream.js';
import type { DispatchStatus, StreamHub } from './stream-hub.js';
import type { Caller } from './tokens.js';

export const CARD_INSTANCE_SCOPE = 'Card.Instance.Write';
export const CARD_STREAMING_SCOPE = 'Card.Streaming.Write';
export const CARD_CALLBACK_TOPIC = '/v1.0/card/instances/callback';
/** The msgKey of the robot message that carries a card (not one a send accepts: cards come only through the card API). */
export const CARD_MSG_KEY = 'interactiveCard';

/** DingTalk's limits on cardParamMap: keys up to 100 bytes, values up to 1 KB ([OD-cad] in docs/cards.md). */
const MAX_PARAM_KEY_BYTES = 100;
const MAX_PARAM_VALUE_BYTES = 1024;
/**
 * One streamed piece. DingTalk advises 1 KB a call and 3 KB in all, but its plugins send a whole
 * markdown answer with `isFull` and it is taken; dingread refuses only what no answer needs.
 */
export const MAX_STREAM_CONTENT_BYTES = 64 * 1024;

/**
 * DingTalk's public templates that bots use without making their own: the AI card and the
 * ask-the-user card of the `@soimy/dingtalk` plugin (its `card/card-template.ts`), and the older
 * AI markdown card (variables `msgContent` and `flowStatus`) that `@openclaw-china/dingtalk` and
 * many other bots create their cards from. Every org has them; an org's own templates are added
 * through the control plane.
 */
export const PUBLIC_TEMPLATES: readonly CardTemplateRecord[] = [
  {
    orgId: null,
    cardTemplateId: '675cde2f-f526-40cb-b828-f5b2b57b8b77.schema',
    name: 'AI card',
    buttons: [{ text: 'Stop', actionId: 'btn_stop' }],
  },
  {
    orgId: null,
    cardTemplateId: 'c2a6355b-9724-4f7e-9653-d33fcb3311bb.schema',
    name: 'Ask the user',
    buttons: [],
  },
  {
    orgId: null,
    cardTemplateId: '382e4302-551d-4880-bf29-a30acfab2e71.schema',
    name: 'AI markdown card',
    buttons: [],
  },
];

export interface OpenSpaceModels {
  imGroupOpenDeliverModel?: { robotCode?: string; atUserIds?: Record<string, string>; recipients?: string[]; extension?: Record<string, string> };
  imRobotOpenDeliverModel?: { robotCode?: string; spaceType?: string; extension?: Record<string, string> };
  imSingleOpenDeliverModel?: { atUserIds?: Record<string, string>; extension?: Record<string, string> };
}

export interface CreateCardInput extends OpenSpaceModels {
  outTrackId?: string;
  cardTemplateId?: string;
  cardData?: { cardParamMap?: Record<string, string> };
  privateData?: Record<string, { cardParamMap?: Record<string, string> }>;
  callbackType?: string;
  callbackRouteKey?: string;
  openSpaceId?: string;
  userIdType?: number;
}

export interface DeliverCardInput extends OpenSpaceModels {
  outTrackId?: string;
  openSpaceId?: string;
  userIdType?: number;
}

export interface UpdateCardInput {
  outTrackId?: string;
  cardData?: { cardParamMap?: Record<string, string> };
  privateData?: Record<string, { cardParamMap?: Record<string, string> }>;
  cardUpdateOptions?: { updateCardDataByKey?: boolean; updatePrivateDataByKey?: boolean };
  userIdType?: number;
}

export interface StreamingInput {
  outTrackId?: string;
  guid?: string;
  key?: string;
  content?: string;
  isFull?: boolean;
  isFinalize?: boolean;
  isError?: boolean;
}

/** A deliverResults entry, as DingTalk answers it. */
export interface DeliverResult {
  spaceType: string;
  spaceId: string;
  success: boolean;
  carrierId?: string;
  errorMsg?: string;
}

interface Space {
  type: string;
  id: string;
}

const KNOWN_SPACES: readonly string[] = ['IM_GROUP', 'IM_ROBOT', 'IM_SINGLE', 'ONE_BOX', 'CO_FEED', 'TOP', 'DOC'];

/** `dtv1.card//IM_GROUP.cid…;IM_ROBOT.user1`: the spaces, or param.openSpaceIdInvalid. Types are case-insensitive, as the SDK's example writes them in lower case. */
export function parseOpenSpaceId(openSpaceId: string): Space[] {
  const prefix = 'dtv1.card//';
  if (openSpaceId.slice(0, prefix.length).toLowerCase() !== prefix) fail('param.openSpaceIdInvalid', `${openSpaceId} does not start with ${prefix}`);
  const spaces: Space[] = [];
  for (const part of openSpaceId.slice(prefix.length).split(';')) {
    if (part === '') continue;
    const dot = part.indexOf('.');
    const type = dot < 0 ? '' : part.slice(0, dot).toUpperCase();
    const id = dot < 0 ? '' : part.slice(dot + 1);
    if (!KNOWN_SPACES.includes(type) || id === '') fail('param.openSpaceIdInvalid', `${part} is not TYPE.id with a known TYPE`);
    spaces.push({ type, id });
  }
  if (spaces.length === 0) fail('param.openSpaceIdInvalid', 'it names no space');
  return spaces;
}

/** The map checked against DingTalk's limits; built with own properties, so a key `__proto__` stays a key. */
function paramsOf(map: Record<string, string> | undefined, where: string): CardParams {
  const entries = Object.entries(map ?? {});
  for (const [key, value] of entries) {
    if (Buffer.byteLength(key) > MAX_PARAM_KEY_BYTES) fail('param.invalid', `${where}: key ${key.slice(0, 20)}… is longer than ${MAX_PARAM_KEY_BYTES} bytes`);
    if (Buffer.byteLength(value) > MAX_PARAM_VALUE_BYTES) fail('param.invalid', `${where}.${key} is longer than ${MAX_PARAM_VALUE_BYTES} bytes`);
  }
  return Object.fromEntries(entries);
}

function checkUserIdType(userIdType: number | undefined): void {
  // dingread's directory knows users by userId; unionIds (type 2) are not modelled.
  if (userIdType !== undefined && userIdType !== 1) fail('param.invalid', 'userIdType: dingread knows users by userId (1) only');
}

async function privateDataOf(
  ctx: CoreContext,
  orgId: number,
  input: Record<string, { cardParamMap?: Record<string, string> }> | undefined,
): Promise<Record<string, CardParams>> {
  const userIds = Object.keys(input ?? {});
  if (userIds.length === 0) return {};
  const known = new Set((await ctx.store.findUsers(orgId, userIds)).map((user) => user.userId));
  for (const userId of userIds) if (!known.has(userId)) fail('param.userIdNotExist', `privateData: no user ${userId}`);
  return Object.fromEntries(userIds.map((userId) => [userId, paramsOf(input?.[userId]?.cardParamMap, `privateData.${userId}`)]));
}

/** The template in the caller's org, or DingTalk's public one of that id. */
async function templateOf(ctx: CoreContext, orgId: number, cardTemplateId: string): Promise<CardTemplateRecord | undefined> {
  return PUBLIC_TEMPLATES.find((template) => template.cardTemplateId === cardTemplateId) ?? (await ctx.store.findCardTemplate(orgId, cardTemplateId));
}

interface PlannedSpace {
  space: Space;
  delivery?: NewCardDelivery;
  /** Why a space of a kind dingread does not deliver to gets no card: a failed deliverResults entry. */
  skipped?: string;
}

/** What every delivery of one request shares: who sends, which card, when. */
interface Delivering {
  ctx: CoreContext;
  caller: Caller;
  input: DeliverCardInput;
  /** The msgParam of the robot messages that carry the card. */
  carrierParam: string;
  now: number;
}

/** The robot message that carries a delivery (its processQueryKey is the carrierId). */
function carrierMessage(d: Delivering, kind: NewMessage['kind'], robotId: number, conversationId: number | null, recipients?: string[]): NewMessage {
  return {
    processQueryKey: newProcessQueryKey(d.ctx.random, robotId, conversationId),
    kind,
    orgId: d.caller.orgId,
    appId: d.caller.appId,
    robotId,
    conversationId,
    msgKey: CARD_MSG_KEY,
    msgParam: d.carrierParam,
    sentAt: d.now,
    deliveredAt: d.now + d.ctx.options.deliveryDelayMs,
    ...(recipients ? { recipients } : {}),
  };
}

/** The deliver model's robot, checked as a send checks it. */
async function deliveringRobot(d: Delivering, model: { robotCode?: string } | undefined, name: string, space: Space) {
  if (!model) fail('param.openDeliverModelEmpty', `${name} is needed for ${space.type}.${space.id}`);
  if (!model.robotCode) fail('param.openDeliverModelError', `${name}.robotCode is empty`);
  return resolveRobot(d.ctx, d.caller, model.robotCode, 'send');
}

/**
 * IM_ROBOT's robot: the one named, or else the internal app's own bot (robotCode = appKey). Bots
 * in use deliver to IM_ROBOT with `imRobotOpenDeliverModel: {spaceType: "IM_ROBOT"}` alone
 * (`@openclaw-china/dingtalk`, among others) and DingTalk delivers their cards, so the robot
 * is optional there (the SDK's model marks no field required); a group's deliver model still
 * needs one, as a group may hold several of the app's robots.
 */
async function robotChatRobot(d: Delivering, space: Space) {
  const model = d.input.imRobotOpenDeliverModel;
  if (model && !model.robotCode && d.caller.suiteKey === null) {
    const own = await d.ctx.store.findRobot(d.caller.appKey);
    if (own && own.orgId === d.caller.orgId) return resolveRobot(d.ctx, d.caller, d.caller.appKey, 'send');
    fail('param.openDeliverModelError', 'imRobotOpenDeliverModel.robotCode is empty, and the app has no bot of its own (robotCode = appKey)');
  }
  return deliveringRobot(d, model, 'imRobotOpenDeliverModel', space);
}

/** `IM_GROUP.<openConversationId>`: a group of the caller's org with the robot in it; a group message carries the card. */
async function planGroup(d: Delivering, space: Space): Promise<NewCardDelivery> {
  const robot = await deliveringRobot(d, d.input.imGroupOpenDeliverModel, 'imGroupOpenDeliverModel', space);
  const conversation = await d.ctx.store.findConversation(space.id);
  if (!conversation || conversation.orgId !== d.caller.orgId || conversation.type !== 'group') fail('param.openSpaceIdInvalid', `no group ${space.id}`);
  if (!conversation.robotCodes.includes(robot.robotCode)) fail('resource.unavailable', `robot ${robot.robotCode} is not in group ${space.id}`);
  const message = carrierMessage(d, 'group', robot.id, conversation.id);
  return { spaceType: 'IM_GROUP', spaceId: space.id, conversationId: conversation.id, robotId: robot.id, message, deliveredAt: d.now };
}

/** `IM_ROBOT.<userId>`: the user's chat with the robot; a one-on-one message carries the card. */
async function planRobotChat(d: Delivering, space: Space): Promise<NewCardDelivery> {
  const robot = await robotChatRobot(d, space);
  const [user] = await d.ctx.store.findUsers(d.caller.orgId, [space.id]);
  if (!user) fail('param.userIdNotExist', `IM_ROBOT.${space.id}: no such user`);
  const message = carrierMessage(d, 'oto', robot.id, null, [user.userId]);
  return { spaceType: 'IM_ROBOT', spaceId: space.id, conversationId: null, robotId: robot.id, message, deliveredAt: d.now };
}

/** `IM_SINGLE.<openConversationId>`: a person-to-person chat; no robot sends, so nothing carries the card. */
async function planSingle(d: Delivering, space: Space): Promise<NewCardDelivery> {
  const conversation = await d.ctx.store.findConversation(space.id);
  if (!conversation || conversation.orgId !== d.caller.orgId || conversation.type !== 'privateChat') {
    fail('param.openSpaceIdInvalid', `no person-to-person chat ${space.id}`);
  }
  return { spaceType: 'IM_SINGLE', spaceId: space.id, conversationId: conversation.id, robotId: null, message: null, deliveredAt: d.now };
}

const PLANNERS: Record<CardSpaceType, (d: Delivering, space: Space) => Promise<NewCardDelivery>> = {
  IM_GROUP: planGroup,
  IM_ROBOT: planRobotChat,
  IM_SINGLE: planSingle,
};

/**
 * Each space of openSpaceId checked against the caller's directory, and what delivering there
 * writes. Every error is found before anything is written.
 */
async function planDeliveries(ctx: CoreContext, caller: Caller, input: DeliverCardInput, outTrackId: string, templateId: string): Promise<PlannedSpace[]> {
  if (!input.openSpaceId) fail('param.openSpaceIdEmpty');
  checkUserIdType(input.userIdType);
  const spaces = parseOpenSpaceId(input.openSpaceId);
  const d: Delivering = { ctx, caller, input, carrierParam: JSON.stringify({ outTrackId, cardTemplateId: templateId }), now: ctx.clock.now() };
  const planned: PlannedSpace[] = [];
  for (const space of spaces) {
    const plan = Object.hasOwn(PLANNERS, space.type) ? PLANNERS[space.type as CardSpaceType] : undefined;
    if (plan) planned.push({ space, delivery: await plan(d, space) });
    else planned.push({ space, skipped: `dingread delivers cards to IM_GROUP, IM_ROBOT and IM_SINGLE only, not ${space.type}` });
  }
  return planned;
}

function resultsOf(planned: PlannedSpace[], delivered: CardDeliveryRecord[]): DeliverResult[] {
  let next = 0;
  return planned.map(({ space, skipped }) => {
    if (skipped !== undefined) return { spaceType: space.type, spaceId: space.id, success: false, errorMsg: skipped };
    const delivery = delivered[next++] as CardDeliveryRecord;
    return { spaceType: space.type, spaceId: space.id, success: true, ...(delivery.carrierId === null ? {} : { carrierId: delivery.carrierId }) };
  });
}

/** The `sent` event of each robot message that carries a delivery, as a send has. */
async function emitCarried(ctx: CoreContext, delivered: CardDeliveryRecord[]): Promise<void> {
  if (!ctx.events.active) return;
  for (const delivery of delivered) {
    if (delivery.carrierId === null) continue;
    const message = await ctx.store.findMessage(delivery.carrierId);
    if (message) emitSent(ctx, message);
  }
}

function emitCardChanged(ctx: CoreContext, card: CardRecord): void {
  if (ctx.events.active) ctx.events.emit({ type: 'card', outTrackId: card.outTrackId, corpId: card.corpId, at: card.updatedAt });
}

async function newCard(ctx: CoreContext, caller: Caller, input: CreateCardInput): Promise<NewCard> {
  if (!input.outTrackId) fail('param.outTrackIdEmpty');
  if (!input.cardTemplateId) fail('param.cardTemplateIdEmpty');
  if (!input.cardData) fail('param.cardPublicDataEmpty');
  checkUserIdType(input.userIdType);
  const cardData = paramsOf(input.cardData.cardParamMap, 'cardData.cardParamMap');
  const privateData = await privateDataOf(ctx, caller.orgId, input.privateData);
  const template = await templateOf(ctx, caller.orgId, input.cardTemplateId);
  if (!template) fail('param.templateNotExist', `no template ${input.cardTemplateId} in this organization`);
  const callbackType: NewCard['callbackType'] = input.callbackType === 'STREAM' || input.callbackType === 'HTTP' ? input.callbackType : null;
  if (input.callbackType !== undefined && callbackType === null) fail('param.invalid', 'callbackType is STREAM or HTTP');
  return {
    orgId: caller.orgId,
    appId: caller.appId,
    clientId: caller.appKey,
    outTrackId: input.outTrackId,
    cardTemplateId: input.cardTemplateId,
    cardData,
    privateData,
    callbackType,
    callbackRouteKey: input.callbackRouteKey ?? null,
    createdAt: ctx.clock.now(),
  };
}

/** `POST /v1.0/card/instances/createAndDeliver`. */
export async function createAndDeliver(
  ctx: CoreContext,
  caller: Caller,
  input: CreateCardInput,
): Promise<{ success: true; result: { outTrackId: string; deliverResults: DeliverResult[] } }> {
  const card = await newCard(ctx, caller, input);
  const planned = await planDeliveries(ctx, caller, input, card.outTrackId, card.cardTemplateId);
  const created = await ctx.store.createCard(card, planned.flatMap((plan) => (plan.delivery ? [plan.delivery] : [])));
  if (!created) fail('param.cardAlreadyExist', `outTrackId ${card.outTrackId}`);
  await emitCarried(ctx, created.deliveries);
  emitCardChanged(ctx, created.card);
  return { success: true, result: { outTrackId: card.outTrackId, deliverResults: resultsOf(planned, created.deliveries) } };
}

/** `POST /v1.0/card/instances`: the card alone, delivered later. */
export async function createCard(ctx: CoreContext, caller: Caller, input: CreateCardInput): Promise<{ success: true; result: string }> {
  const card = await newCard(ctx, caller, input);
  const created = await ctx.store.createCard(card, []);
  if (!created) fail('param.cardAlreadyExist', `outTrackId ${card.outTrackId}`);
  emitCardChanged(ctx, created.card);
  return { success: true, result: card.outTrackId };
}

/** The caller's card; one of another app (or org) answers like one that does not exist. */
async function ownCard(ctx: CoreContext, caller: Caller, outTrackId: string, unknown: 'param.cardNotExist' | 'param.stream.outTrackId'): Promise<CardRecord> {
  const card = await ctx.store.findCard(caller.orgId, outTrackId);
  if (!card || card.appId !== caller.appId) fail(unknown, `no card ${outTrackId} of this app`);
  return card;
}

/** `POST /v1.0/card/instances/deliver`. */
export async function deliverCard(ctx: CoreContext, caller: Caller, input: DeliverCardInput): Promise<{ success: true; result: DeliverResult[] }> {
  if (!input.outTrackId) fail('param.outTrackIdEmpty');
  const card = await ownCard(ctx, caller, input.outTrackId, 'param.cardNotExist');
  const planned = await planDeliveries(ctx, caller, input, card.outTrackId, card.cardTemplateId);
  const delivered = await ctx.store.deliverCard(card.id, planned.flatMap((plan) => (plan.delivery ? [plan.delivery] : [])));
  await emitCarried(ctx, delivered);
  emitCardChanged(ctx, card);
  return { success: true, result: resultsOf(planned, delivered) };
}

/** `PUT /v1.0/card/instances`: the card's variables, and users' private ones; replaced unless updated by key. */
export async function updateCard(ctx: CoreContext, caller: Caller, input: UpdateCardInput): Promise<{ success: true; result: true }> {
  if (!input.outTrackId) fail('param.outTrackIdEmpty');
  if (!input.cardData && (!input.privateData || Object.keys(input.privateData).length === 0)) fail('param.cardDataAndPrivateDataBothEmpty');
  checkUserIdType(input.userIdType);
  const card = await ownCard(ctx, caller, input.outTrackId, 'param.cardNotExist');
  const cardData = input.cardData ? paramsOf(input.cardData.cardParamMap, 'cardData.cardParamMap') : undefined;
  const privateData = await privateDataOf(ctx, caller.orgId, input.privateData);
  const updated = await ctx.store.updateCard(card.id, {
    ...(cardData ? { cardData, cardDataByKey: input.cardUpdateOptions?.updateCardDataByKey ?? false } : {}),
    ...(Object.keys(privateData).length > 0 ? { privateData, privateDataByKey: input.cardUpdateOptions?.updatePrivateDataByKey ?? false } : {}),
    at: ctx.clock.now(),
  });
  if (updated) emitCardChanged(ctx, updated);
  return { success: true, result: true };
}

/** `PUT /v1.0/card/streaming`: one piece of one variable, appended (or whole with `isFull`), once per guid. */
export async function streamCard(ctx: CoreContext, caller: Caller, input: StreamingInput): Promise<{ success: true; result: true }> {
  if (!input.outTrackId) fail('param.stream.outTrackId', 'outTrackId is empty');
  if (!input.guid) fail('param.stream.guidEmpty');
  if (!input.key) fail('param.stream.keyEmpty');
  // An empty piece is a piece: the plugins open a card's stream with "" (isFull).
  if (input.content === undefined) fail('param.stream.contentEmpty');
  if (Buffer.byteLength(input.content) > MAX_STREAM_CONTENT_BYTES) fail('param.stream.content', `over ${MAX_STREAM_CONTENT_BYTES} bytes`);
  const card = await ownCard(ctx, caller, input.outTrackId, 'param.stream.outTrackId');
  const state: CardStreamState = input.isError ? 'failed' : input.isFinalize ? 'finished' : 'inputting';
  const updated = await ctx.store.updateCard(card.id, {
    stream: { key: input.key, content: input.content, isFull: input.isFull ?? false, state, guid: input.guid },
    at: ctx.clock.now(),
  });
  if (updated) emitCardChanged(ctx, updated);
  return { success: true, result: true };
}

/** A map's string values: a reply is the bot's, and only strings are card variables. */
function stringsOf(value: unknown): CardParams | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const map = (value as { cardParamMap?: unknown }).cardParamMap;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) return undefined;
  return Object.fromEntries(Object.entries(map).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/**
 * The bot's answer to a card callback, carried in its acknowledgement as `{"response": …}`:
 * `cardData` and `userPrivateData` (the pressing user's) change the card, replaced or by key as
 * `cardUpdateOptions` says, as an update does. An answer of any other shape changes nothing.
 */
export async function applyCallbackReply(ctx: CoreContext, callback: { data: string }, replyData: string): Promise<void> {
  let response: unknown;
  let pressed: { corpId?: unknown; outTrackId?: unknown; userId?: unknown };
  try {
    response = (JSON.parse(replyData) as { response?: unknown } | null)?.response;
    pressed = JSON.parse(callback.data) as typeof pressed;
  } catch {
    return;
  }
  if (response === null || typeof response !== 'object') return;
  const { cardData, userPrivateData, cardUpdateOptions } = response as Record<string, unknown>;
  const options = (cardUpdateOptions ?? {}) as { updateCardDataByKey?: unknown; updatePrivateDataByKey?: unknown };
  const shared = stringsOf(cardData);
  const own = stringsOf(userPrivateData);
  if ((!shared && !own) || typeof pressed.corpId !== 'string' || typeof pressed.outTrackId !== 'string' || typeof pressed.userId !== 'string') return;
  const org = await ctx.store.findOrg(pressed.corpId);
  const card = org && (await ctx.store.findCard(org.id, pressed.outTrackId));
  if (!card) return;
  const updated = await ctx.store.updateCard(card.id, {
    ...(shared ? { cardData: shared, cardDataByKey: options.updateCardDataByKey === true } : {}),
    ...(own ? { privateData: { [pressed.userId]: own }, privateDataByKey: options.updatePrivateDataByKey === true } : {}),
    at: ctx.clock.now(),
  });
  if (updated) emitCardChanged(ctx, updated);
}

// ------------------------------------------------------------------ the control plane

export interface CardView {
  outTrackId: string;
  corpId: string;
  cardTemplateId: string;
  templateName: string | null;
  /** The template's buttons, then those the card's data lists (`buttons`: a JSON array of {text, actionId, params?}). */
  buttons: CardButton[];
  cardData: CardParams;
  privateData: Record<string, CardParams>;
  callbackType: 'STREAM' | 'HTTP' | null;
  streaming: Record<string, CardStreamState>;
  deliveries: CardDeliveryRecord[];
  createdAt: number;
  updatedAt: number;
}

function buttonsInData(cardData: CardParams): CardButton[] {
  const text = cardData['buttons'];
  if (text === undefined) return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((item: unknown) => {
      if (item === null || typeof item !== 'object') return [];
      const { text: label, actionId, id, params } = item as Record<string, unknown>;
      const action = typeof actionId === 'string' ? actionId : typeof id === 'string' ? id : undefined;
      if (typeof label !== 'string' || action === undefined) return [];
      return [{ text: label, actionId: action, ...(params !== null && typeof params === 'object' ? { params: params as Record<string, unknown> } : {}) }];
    });
  } catch {
    return [];
  }
}

async function viewOf(ctx: CoreContext, card: CardRecord): Promise<CardView> {
  const template = await templateOf(ctx, card.orgId, card.cardTemplateId);
  return {
    outTrackId: card.outTrackId,
    corpId: card.corpId,
    cardTemplateId: card.cardTemplateId,
    templateName: template?.name ?? null,
    buttons: [...(template?.buttons ?? []), ...buttonsInData(card.cardData)],
    cardData: card.cardData,
    privateData: card.privateData,
    callbackType: card.callbackType,
    streaming: card.streaming,
    deliveries: await ctx.store.cardDeliveries(card.id),
    createdAt: card.createdAt,
    updatedAt: card.updatedAt,
  };
}

async function orgOrNotFound(ctx: CoreContext, corpId: string): Promise<number> {
  const org = await ctx.store.findOrg(corpId);
  if (!org) fail('object.notFound', `no organization ${corpId}`);
  return org.id;
}

async function cardOrNotFound(ctx: CoreContext, corpId: string, outTrackId: string): Promise<CardRecord> {
  const card = await ctx.store.findCard(await orgOrNotFound(ctx, corpId), outTrackId);
  if (!card) fail('object.notFound', `no card ${outTrackId} in ${corpId}`);
  return card;
}

/** `GET /_dingread/v1/cards/{outTrackId}?corpId=`. */
export async function inspectCard(ctx: CoreContext, corpId: string, outTrackId: string): Promise<CardView> {
  return viewOf(ctx, await cardOrNotFound(ctx, corpId, outTrackId));
}

/** `GET /_dingread/v1/messages/{processQueryKey}/card`: the card a robot message carries. */
export async function cardOfMessage(ctx: CoreContext, processQueryKey: string): Promise<CardView> {
  const card = await ctx.store.findCardByCarrier(processQueryKey);
  if (!card) fail('object.notFound', `message ${processQueryKey} carries no card`);
  return viewOf(ctx, card);
}

/** `POST /_dingread/v1/cardTemplates`. */
export async function saveTemplate(
  ctx: CoreContext,
  input: { corpId: string; cardTemplateId: string; name?: string; buttons?: CardButton[] },
): Promise<CardTemplateRecord> {
  const orgId = await orgOrNotFound(ctx, input.corpId);
  if (PUBLIC_TEMPLATES.some((template) => template.cardTemplateId === input.cardTemplateId)) {
    fail('invalidParameter.param.invalid', `cardTemplateId: ${input.cardTemplateId} is one of DingTalk's public templates`);
  }
  return ctx.store.saveCardTemplate({ orgId, cardTemplateId: input.cardTemplateId, name: input.name ?? input.cardTemplateId, buttons: input.buttons ?? [] });
}

/** `GET /_dingread/v1/cardTemplates?corpId=`: DingTalk's public templates, then the org's. */
export async function listTemplates(ctx: CoreContext, corpId: string): Promise<{ items: CardTemplateRecord[] }> {
  return { items: [...PUBLIC_TEMPLATES, ...(await ctx.store.cardTemplates(await orgOrNotFound(ctx, corpId)))] };
}

export interface PressInput {
  corpId: string;
  userId: string;
  actionId: string;
  params?: Record<string, unknown>;
}

export type PressStatus = DispatchStatus | 'noCallback';

/**
 * `POST /_dingread/v1/cards/{outTrackId}/actions`: a user of the card's org presses a button. A
 * card made with `callbackType: "STREAM"` calls back its app on topic
 * `/v1.0/card/instances/callback`; any other card has no callback dingread can make.
 */
export async function pressButton(ctx: CoreContext, hub: StreamHub, outTrackId: string, input: PressInput): Promise<{ status: PressStatus }> {
  const card = await cardOrNotFound(ctx, input.corpId, outTrackId);
  const [user] = await ctx.store.findUsers(card.orgId, [input.userId]);
  if (!user) fail('object.notFound', `no user ${input.userId} in ${input.corpId}`);
  if (card.callbackType !== 'STREAM') return { status: 'noCallback' };
  const deliveries = await ctx.store.cardDeliveries(card.id);
  const space = deliveries.find((delivery) => delivery.spaceType !== 'IM_ROBOT' || delivery.spaceId === user.userId) ?? deliveries[0];
  const now = ctx.clock.now();
  // The payload of DingTalk's card callback document, with the space fields its Go SDK reads.
  const payload = {
    type: 'actionCallback',
    outTrackId: card.outTrackId,
    corpId: card.corpId,
    userId: user.userId,
    userIdType: 1,
    ...(space ? { spaceType: space.spaceType, spaceId: space.spaceId } : {}),
    content: JSON.stringify({ cardPrivateData: { actionIds: [input.actionId], params: input.params ?? {} } }),
  };
  const stored = await ctx.store.insertCardCallback({
    messageId: newFrameMessageId(ctx.random, now),
    clientId: card.clientId,
    topic: CARD_CALLBACK_TOPIC,
    robotCode: space?.robotCode ?? '',
    msgId: card.outTrackId,
    data: JSON.stringify(payload),
    createdAt: now,
    dueAt: now + hub.options.redeliveryMs,
  });
  return { status: await hub.dispatch(stored) };
}


/** The SQL rules of interactive cards: templates, cards with their deliveries (and carrying messages), updates, button presses. */
import type {
  CardButton,
  CardChange,
  CardDeliveryRecord,
  CardParams,
  CardRecord,
  CardSpaceType,
  CardStreamState,
  CardTemplateRecord,
  DeliveryRecord,
  NewCard,
  NewCardDelivery,
  NewCardTemplate,
  NewDelivery,
} from '../../core/store.js';
import { insertMessage } from './messages.js';
import { insertDeliveries } from './stream.js';
import { all, get, run, type Work } from './unit.js';

/** How many guids of streamed pieces a card remembers: a retry comes soon after its first try. */
const REMEMBERED_GUIDS = 64;

interface TemplateRow {
  org_id: number;
  template_id: string;
  name: string;
  buttons: string;
}

interface CardRow {
  id: number;
  org_id: number;
  corp_id: string;
  app_id: number;
  client_id: string;
  out_track_id: string;
  template_id: string;
  card_data: string;
  private_data: string;
  callback_type: 'STREAM' | 'HTTP' | null;
  callback_route_key: string | null;
  streaming: string;
  stream_guids: string;
  created_at: number;
  updated_at: number;
}

interface CardDeliveryRow {
  space_type: CardSpaceType;
  space_id: string;
  open_conversation_id: string | null;
  robot_code: string | null;
  carrier_id: string | null;
  delivered_at: number;
}

const CARD_SELECT = `SELECT c.*, o.corp_id FROM cards c JOIN orgs o ON o.id = c.org_id`;
const DELIVERY_SELECT = `
  SELECT d.space_type, d.space_id, v.open_conversation_id, r.robot_code, d.carrier_id, d.delivered_at
  FROM card_deliveries d
  LEFT JOIN conversations v ON v.id = d.conversation_id
  LEFT JOIN robots r ON r.id = d.robot_id`;

function toTemplate(row: TemplateRow): CardTemplateRecord {
  return { orgId: row.org_id, cardTemplateId: row.template_id, name: row.name, buttons: JSON.parse(row.buttons) as CardButton[] };
}

function toCard(row: CardRow): CardRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    corpId: row.corp_id,
    appId: row.app_id,
    clientId: row.client_id,
    outTrackId: row.out_track_id,
    cardTemplateId: row.template_id,
    cardData: JSON.parse(row.card_data) as CardParams,
    privateData: JSON.parse(row.private_data) as Record<string, CardParams>,
    callbackType: row.callback_type,
    callbackRouteKey: row.callback_route_key,
    streaming: JSON.parse(row.streaming) as Record<string, CardStreamState>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toCardDelivery(row: CardDeliveryRow): CardDeliveryRecord {
  return {
    spaceType: row.space_type,
    spaceId: row.space_id,
    openConversationId: row.open_conversation_id,
    robotCode: row.robot_code,
    carrierId: row.carrier_id,
    deliveredAt: row.delivered_at,
  };
}

export function* saveCardTemplate(template: NewCardTemplate): Work<CardTemplateRecord> {
  yield* run(
    `INSERT INTO card_templates (org_id, template_id, name, buttons) VALUES (:orgId, :cardTemplateId, :name, :buttons)
     ON CONFLICT (org_id, template_id) DO UPDATE SET name = excluded.name, buttons = excluded.buttons`,
    { ...template, buttons: JSON.stringify(template.buttons) },
  );
  return (yield* findCardTemplate(template.orgId, template.cardTemplateId)) as CardTemplateRecord;
}

export function* cardTemplates(orgId: number): Work<CardTemplateRecord[]> {
  return (yield* all<TemplateRow>(`SELECT * FROM card_templates WHERE org_id = :orgId ORDER BY template_id`, { orgId })).map(toTemplate);
}

export function* findCardTemplate(orgId: number, cardTemplateId: string): Work<CardTemplateRecord | undefined> {
  const row = yield* get<TemplateRow>(`SELECT * FROM card_templates WHERE org_id = :orgId AND template_id = :cardTemplateId`, {
    orgId,
    cardTemplateId,
  });
  return row && toTemplate(row);
}

function* cardRowById(id: number): Work<CardRow | undefined> {
  return yield* get<CardRow>(`${CARD_SELECT} WHERE c.id = :id`, { id });
}

export function* createCard(
  card: NewCard,
  deliveries: NewCardDelivery[],
): Work<{ card: CardRecord; deliveries: CardDeliveryRecord[] } | undefined> {
  const inserted = yield* get<{ id: number }>(
    `INSERT INTO cards (org_id, app_id, client_id, out_track_id, template_id, card_data, private_data, callback_type,
       callback_route_key, streaming, stream_guids, created_at, updated_at)
     VALUES (:orgId, :appId, :clientId, :outTrackId, :cardTemplateId, :cardData, :privateData, :callbackType,
       :callbackRouteKey, '{}', '[]', :createdAt, :createdAt)
     ON CONFLICT (org_id, out_track_id) DO NOTHING
     RETURNING id`,
    { ...card, cardData: JSON.stringify(card.cardData), privateData: JSON.stringify(card.privateData) },
  );
  if (!inserted) return undefined;
  const stored = yield* deliverCard(inserted.id, deliveries);
  return { card: toCard((yield* cardRowById(inserted.id)) as CardRow), deliveries: stored };
}

export function* deliverCard(cardId: number, deliveries: NewCardDelivery[]): Work<CardDeliveryRecord[]> {
  const ids: number[] = [];
  for (const delivery of deliveries) {
    const carrier = delivery.message === null ? null : yield* insertMessage(delivery.message);
    const row = (yield* get<{ id: number }>(
      `INSERT INTO card_deliveries (card_id, space_type, space_id, conversation_id, robot_id, carrier_id, delivered_at)
       VALUES (:cardId, :spaceType, :spaceId, :conversationId, :robotId, :carrierId, :deliveredAt)
       RETURNING id`,
      {
        cardId,
        spaceType: delivery.spaceType,
        spaceId: delivery.spaceId,
        conversationId: delivery.conversationId,
        robotId: delivery.robotId,
        carrierId: carrier?.processQueryKey ?? null,
        deliveredAt: delivery.deliveredAt,
      },
    )) as { id: number };
    ids.push(row.id);
  }
  const stored: CardDeliveryRecord[] = [];
  for (const id of ids) stored.push(toCardDelivery((yield* get<CardDeliveryRow>(`${DELIVERY_SELECT} WHERE d.id = :id`, { id })) as CardDeliveryRow));
  return stored;
}

export function* findCard(orgId: number, outTrackId: string): Work<CardRecord | undefined> {
  const row = yield* get<CardRow>(`${CARD_SELECT} WHERE c.org_id = :orgId AND c.out_track_id = :outTrackId`, { orgId, outTrackId });
  return row && toCard(row);
}

export function* cardDeliveries(cardId: number): Work<CardDeliveryRecord[]> {
  return (yield* all<CardDeliveryRow>(`${DELIVERY_SELECT} WHERE d.card_id = :cardId ORDER BY d.id`, { cardId })).map(toCardDelivery);
}

export function* findCardByCarrier(processQueryKey: string): Work<CardRecord | undefined> {
  const row = yield* get<CardRow>(
    `${CARD_SELECT} WHERE c.id = (SELECT card_id FROM card_deliveries WHERE carrier_id = :processQueryKey LIMIT 1)`,
    { processQueryKey },
  );
  return row && toCard(row);
}

function merged(current: CardParams, change: CardParams, byKey: boolean): CardParams {
  return byKey ? { ...current, ...change } : { ...change };
}

/**
 * Read, changed and written in one unit, so two updates of one card never lose each other's keys.
 * The row is locked first on PostgreSQL (`FOR UPDATE` is not SQLite's: its writers never overlap,
 * so the lock is taken with an update that changes nothing).
 */
export function* updateCard(cardId: number, change: CardChange): Work<CardRecord | undefined> {
  yield* run(`UPDATE cards SET updated_at = updated_at WHERE id = :cardId`, { cardId });
  const row = yield* cardRowById(cardId);
  if (!row) return undefined;
  const card = toCard(row);
  let guids = JSON.parse(row.stream_guids) as string[];
  if (change.stream && guids.includes(change.stream.guid)) return card;
  let cardData = card.cardData;
  let privateData = card.privateData;
  const streaming = { ...card.streaming };
  if (change.cardData) cardData = merged(cardData, change.cardData, change.cardDataByKey ?? false);
  if (change.privateData) {
    // Own properties throughout: a userId or key `__proto__` is data, not a prototype.
    const changed = Object.entries(change.privateData).map(([userId, params]) => [
      userId,
      merged(Object.hasOwn(privateData, userId) ? (privateData[userId] as CardParams) : {}, params, change.privateDataByKey ?? false),
    ]);
    privateData = { ...privateData, ...Object.fromEntries(changed) };
  }
  if (change.stream) {
    const { key, content, isFull, state, guid } = change.stream;
    // A computed key is an own property even when it is `__proto__`; what was there is read the same way.
    const before = Object.hasOwn(cardData, key) ? (cardData[key] as string) : '';
    cardData = { ...cardData, [key]: isFull ? content : before + content };
    streaming[key] = state;
    guids = [...guids, guid].slice(-REMEMBERED_GUIDS);
  }
  yield* run(
    `UPDATE cards SET card_data = :cardData, private_data = :privateData, streaming = :streaming, stream_guids = :guids,
       updated_at = :at WHERE id = :cardId`,
    {
      cardId,
      cardData: JSON.stringify(cardData),
      privateData: JSON.stringify(privateData),
      streaming: JSON.stringify(streaming),
      guids: JSON.stringify(guids),
      at: change.at,
    },
  );
  return toCard((yield* cardRowById(cardId)) as CardRow);
}

export function* insertCardCallback(delivery: NewDelivery): Work<DeliveryRecord> {
  const [stored] = yield* insertDeliveries([delivery]);
  return stored as DeliveryRecord;
}

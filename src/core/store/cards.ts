/** The store contract for interactive cards: templates, card instances, their deliveries and the presses of their buttons. */
import type { NewMessage } from './messages.js';
import type { DeliveryRecord, NewDelivery } from './stream.js';

/** A card's variables: `cardParamMap`, string to string as DingTalk's API has them. */
export type CardParams = Record<string, string>;

/** The spaces dingread delivers cards to (docs/cards.md): a group, a user's chat with a robot, a person-to-person chat. */
export type CardSpaceType = 'IM_GROUP' | 'IM_ROBOT' | 'IM_SINGLE';

/** Where a streamed variable is: still being written, finished (`isFinalize`), or failed (`isError`). */
export type CardStreamState = 'inputting' | 'finished' | 'failed';

/** A button a template shows, for the dashboard to draw and a simulated user to press. */
export interface CardButton {
  text: string;
  actionId: string;
  /** The `params` of the callback's `cardPrivateData` when pressed. */
  params?: Record<string, unknown>;
}

export interface CardTemplateRecord {
  /** null: a public template of DingTalk's, usable in every org (core/cards.ts lists them). */
  orgId: number | null;
  cardTemplateId: string;
  name: string;
  buttons: CardButton[];
}

export interface NewCardTemplate {
  orgId: number;
  cardTemplateId: string;
  name: string;
  buttons: CardButton[];
}

export interface CardRecord {
  id: number;
  orgId: number;
  corpId: string;
  /** The app that created it: only it may update, stream to or deliver the card. */
  appId: number;
  /** The Stream client that hears its callbacks: the creating app's appKey, or its suite's suiteKey. */
  clientId: string;
  outTrackId: string;
  cardTemplateId: string;
  cardData: CardParams;
  /** Per user: the variables only that user sees, over cardData. */
  privateData: Record<string, CardParams>;
  callbackType: 'STREAM' | 'HTTP' | null;
  callbackRouteKey: string | null;
  /** The variables that were streamed, and where each is. */
  streaming: Record<string, CardStreamState>;
  createdAt: number;
  updatedAt: number;
}

export interface NewCard {
  orgId: number;
  appId: number;
  clientId: string;
  outTrackId: string;
  cardTemplateId: string;
  cardData: CardParams;
  privateData: Record<string, CardParams>;
  callbackType: 'STREAM' | 'HTTP' | null;
  callbackRouteKey: string | null;
  createdAt: number;
}

export interface NewCardDelivery {
  spaceType: CardSpaceType;
  /** The id after the type in openSpaceId: an openConversationId, or a userId for IM_ROBOT. */
  spaceId: string;
  conversationId: number | null;
  robotId: number | null;
  /** The IM message that carries the card when a robot delivers it: its read status is the card's (docs/cards.md). */
  message: NewMessage | null;
  deliveredAt: number;
}

export interface CardDeliveryRecord {
  spaceType: CardSpaceType;
  spaceId: string;
  openConversationId: string | null;
  robotCode: string | null;
  /** The carrying message's processQueryKey; null where no robot message carries the card. */
  carrierId: string | null;
  deliveredAt: number;
}

/** A change of a card's variables; `byKey` false replaces the whole map (DingTalk's default), true merges key by key. */
export interface CardChange {
  cardData?: CardParams;
  cardDataByKey?: boolean;
  privateData?: Record<string, CardParams>;
  privateDataByKey?: boolean;
  /** One streamed piece: appended to `key` (or replacing it when `isFull`), once per `guid`. */
  stream?: { key: string; content: string; isFull: boolean; state: CardStreamState; guid: string };
  at: number;
}

export interface CardStore {
  /** Adds or replaces an org's template. */
  saveCardTemplate(template: NewCardTemplate): Promise<CardTemplateRecord>;
  /** The org's templates, by id. */
  cardTemplates(orgId: number): Promise<CardTemplateRecord[]>;
  findCardTemplate(orgId: number, cardTemplateId: string): Promise<CardTemplateRecord | undefined>;
  /**
   * The card and its deliveries (and the messages that carry them), in one unit; undefined when
   * the org has a card under that outTrackId already, and then nothing is written.
   */
  createCard(card: NewCard, deliveries: NewCardDelivery[]): Promise<{ card: CardRecord; deliveries: CardDeliveryRecord[] } | undefined>;
  /** More deliveries of a card, with their messages, in one unit. */
  deliverCard(cardId: number, deliveries: NewCardDelivery[]): Promise<CardDeliveryRecord[]>;
  findCard(orgId: number, outTrackId: string): Promise<CardRecord | undefined>;
  cardDeliveries(cardId: number): Promise<CardDeliveryRecord[]>;
  /** Applies the change read and written in one unit; a stream piece whose guid was applied already changes nothing. */
  updateCard(cardId: number, change: CardChange): Promise<CardRecord | undefined>;
  /** The card behind the message that carries it, for the views of messages and chats. */
  findCardByCarrier(processQueryKey: string): Promise<CardRecord | undefined>;
  /** Stores the callback of a button press for Stream mode to push (stream-hub.ts). */
  insertCardCallback(delivery: NewDelivery): Promise<DeliveryRecord>;
}

/** The store contract for messages: sending, finding, recalling and listing them. */
import type { ChatKind } from './directory.js';

/** A robot's one-on-one message to users (`oto`), or a message into a conversation of that kind. */
export type MessageKind = 'oto' | ChatKind;

export interface MessageRecord {
  /** Also the message's place in the store-wide event sequence (see ReadStore.openChat). */
  id: number;
  processQueryKey: string;
  kind: MessageKind;
  orgId: number;
  corpId: string;
  appId: number;
  robotId: number;
  robotCode: string;
  conversationId: number | null;
  openConversationId: string | null;
  msgKey: string;
  msgParam: string;
  sentAt: number;
  /** When delivery finishes; until then the message is PROCESSING. Equal to sentAt by default. */
  deliveredAt: number;
  recipientCount: number;
  recalledAt: number | null;
}

export interface NewMessage {
  processQueryKey: string;
  kind: MessageKind;
  orgId: number;
  appId: number;
  robotId: number;
  conversationId: number | null;
  msgKey: string;
  msgParam: string;
  sentAt: number;
  deliveredAt: number;
  /** For `oto` only: the valid recipients in send order. Conversations take their members. */
  recipients?: string[];
  /** The media (store ids) the message refers to, kept while the message is (store/media.ts). */
  mediaIds?: number[];
}

export interface MessageFilter {
  orgId?: number;
  conversationId?: number;
  robotId?: number;
  /** Only messages with an id below this (the listing walks newest first). */
  beforeId?: number;
  /** Only recalled messages (true), or only those not recalled (false). */
  recalled?: boolean;
  /** Only messages still on their way at this time: delivered after it. */
  pendingAt?: number;
  /** Only messages delivered by this time. */
  deliveredBy?: number;
  /** Only messages sent after this time. */
  sentAfter?: number;
  /** Only messages sent at or before this time. */
  sentBy?: number;
  /**
   * Only messages whose msgParam holds this text, ignoring the case of ASCII letters, whether the
   * sender's JSON wrote its characters as they are or as escapes (`\"`, `\u4f60`).
   */
  text?: string;
}

export interface MessageStore {
  insertMessage(message: NewMessage): Promise<MessageRecord>;
  findMessage(processQueryKey: string): Promise<MessageRecord | undefined>;
  /** Marks the message recalled at `at`; a message already recalled keeps its first time. */
  recallMessage(message: MessageRecord, at: number): Promise<void>;
  listMessages(filter: MessageFilter, limit: number): Promise<MessageRecord[]>;
  /** How many messages match the filter (its `beforeId` included). */
  countMessages(filter: MessageFilter): Promise<number>;
}

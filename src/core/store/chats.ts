/** The store contract for chats as users see them: what users write, session webhooks, timelines. */
/*
 * Used by core/chats.ts and core/session-webhooks.ts: what users write, the session webhooks
 * through which robots answer, and the timeline that shows both beside the robots' messages. The
 * SQL backends implement it once in store/sql/chats.ts.
 *
 * The timeline does not copy robot messages: those live in `messages` (with their recipients and
 * reads) and are read from there; a chat entry holds what has no other home (a user's message) or
 * what a message lacks (that it came through a session webhook, and whom it @-mentioned). A
 * message a custom (webhook) robot posts is one more kind of entry, with no message row: nothing
 * can ask its read status (docs/webhook-robot.md).
 */
import type { MessageRecord, NewMessage } from './messages.js';
import type { DeliveryRecord, NewDelivery } from './stream.js';
import type { WebhookRobotRecord } from './directory.js';

/** A chat: a conversation (group or person-to-person), or one user's one-on-one chat with a robot. */
export type ChatThread = { kind: 'conversation'; conversationId: number } | { kind: 'robot'; robotId: number; userId: string };

/** How a robot message reached the chat. */
export type RobotVia = 'api' | 'sessionWebhook';

/** The `at` of a session-webhook reply, as the robot sent it. */
export interface ReplyAt {
  atUserIds?: string[];
  atMobiles?: string[];
  isAtAll?: boolean;
}

export interface NewSessionWebhook {
  tokenHash: string;
  orgId: number;
  robotId: number;
  /** The app the robot answers as (its messages hang on an app like any send). */
  appId: number;
  /** The group it answers into; null for the robot's one-on-one chat with `userId`. */
  conversationId: number | null;
  /** Who wrote the message the robot answers. */
  userId: string;
  expiresAt: number;
}

export interface SessionWebhookRecord extends Omit<NewSessionWebhook, 'tokenHash'> {
  robotCode: string;
  corpId: string;
  openConversationId: string | null;
}

export interface NewUserMessage {
  orgId: number;
  thread: ChatThread;
  userId: string;
  msgId: string;
  /** `text` when absent; `picture`, `file`, `audio` or `video` for a file the user sent, whose id `text` then holds. */
  msgtype?: string;
  text: string;
  /** The robots the user @-mentioned (groups). */
  atRobots: string[];
  createdAt: number;
  /** The server's time, against which the chat open judges delivery (Store.openChat's `now`). */
  now: number;
  sessions: NewSessionWebhook[];
  deliveries: NewDelivery[];
}

export interface NewReply {
  session: SessionWebhookRecord;
  message: NewMessage;
  /** The webhook body's msgtype (`text`, `markdown`…); the message holds its msgKey. */
  msgtype: string;
  at: ReplyAt | null;
}

/** What a custom (webhook) robot posts into its group (core/webhook-robots.ts). */
export interface NewWebhookMessage {
  robot: WebhookRobotRecord;
  msgId: string;
  msgtype: string;
  /** The body's section for its msgtype, as JSON text (`{"content": …}` for text). */
  content: string;
  at: ReplyAt | null;
  createdAt: number;
  /** DingTalk's limit: at most `perWindow` messages in any `windowMs`, else refused for `blockMs`. */
  limit: { perWindow: number; windowMs: number; blockMs: number };
}

/** `posted` with the entry's place in the sequence, or refused: too fast, or the robot is gone. */
export type WebhookPostOutcome = { posted: true; seq: number } | { posted: false; reason: 'throttled' | 'gone' };

export type TimelineRecord =
  | {
      kind: 'user';
      /** Place in the store-wide event sequence, shared with message ids: the timeline's order. */
      seq: number;
      msgId: string;
      userId: string;
      msgtype: string;
      content: string;
      atRobots: string[];
      createdAt: number;
    }
  | { kind: 'robot'; seq: number; message: MessageRecord; via: RobotVia; at: ReplyAt | null }
  | {
      kind: 'webhook';
      seq: number;
      msgId: string;
      /** The webhook robot's name when it posted. */
      robotName: string;
      msgtype: string;
      content: string;
      at: ReplyAt | null;
      createdAt: number;
    };

export interface ChatStore {
  /** The corpId of an org by its store id (robots and conversations carry the id only). */
  findCorpId(orgId: number): Promise<string | undefined>;
  /** Whether the user is a member of the conversation now. */
  isConversationMember(conversationId: number, userId: string): Promise<boolean>;
  /**
   * In one unit: the user's message; the chat opened by the user (everything delivered to them
   * there is read, as Store.openChat); the session webhooks and the deliveries it makes; and a
   * batch of expired session webhooks dropped. Answers how many messages the open marked read,
   * and the deliveries as stored (not pushed yet).
   */
  postUserMessage(message: NewUserMessage): Promise<{ marked: number; deliveries: DeliveryRecord[] }>;
  /** A session webhook by its token's hash, expired or not; undefined when unknown. */
  findSessionWebhook(tokenHash: string): Promise<SessionWebhookRecord | undefined>;
  /** A robot's reply through a session webhook: the message and its chat entry, in one unit. */
  postReply(reply: NewReply): Promise<MessageRecord>;
  /**
   * A webhook robot's message, in one unit with DingTalk's limit: refused (and the robot blocked)
   * when it already posted `limit.perWindow` messages in the window before `createdAt`.
   */
  postWebhookMessage(message: NewWebhookMessage): Promise<WebhookPostOutcome>;
  /** The last `limit` items of the chat, oldest first. */
  chatTimeline(thread: ChatThread, limit: number): Promise<TimelineRecord[]>;
  /** Retention: deletes at most `batchSize` chat entries written before `cutoff`; answers how many. */
  purgeChatEntriesBefore(cutoff: number, batchSize: number): Promise<number>;
}

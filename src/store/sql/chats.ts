/** The SQL rules of chats as users see them: users' messages, session webhooks, webhook robots' messages, timelines. */
/*
 * Timelines read robot messages from `messages` beside the entries (core/store/chats.ts).
 * A user's message opens the chat (reads.ts openChat, the very unit a chat open runs) in the
 * same transaction that stores it, so it takes the same locks first: the (chat, user) pair and the
 * chat. Its entry then takes the next number of the event sequence, the one message ids come
 * from, which puts users' and robots' messages of the chat in one order.
 */
import type {
  ChatThread,
  NewReply,
  NewUserMessage,
  ReplyAt,
  RobotVia,
  SessionWebhookRecord,
  TimelineRecord,
  NewWebhookMessage,
  WebhookPostOutcome,
} from '../../core/store.js';
import type { ChatRef, DeliveryRecord, MessageRecord } from '../../core/store.js';
import { insertMessage, MESSAGE_SELECT } from './messages.js';
import { openChat } from './reads.js';
import { chatKeyOfRef, OPEN_END, toMessage, type MessageRow } from './rows.js';
import { insertDeliveries } from './stream.js';
import { all, get, lock, nextSeq, run, type Work } from './unit.js';

/** Expired session webhooks dropped per user message: more than one message makes. */
const SESSION_PURGE_BATCH = 20;

interface EntryRow {
  seq: number;
  via: string;
  msg_id: string | null;
  sender_user_id: string | null;
  message_id: number | null;
  msgtype: string;
  content: string;
  at: string | null;
  created_at: number;
  sender_name: string | null;
}

function chatRefOf(thread: ChatThread): ChatRef {
  return thread.kind === 'conversation' ? thread : { kind: 'robot', robotId: thread.robotId };
}

/** Where a thread's entries are filed: under the chat's key as chat opens spell it, and the user's one-on-one chat under the user too. */
function threadKey(thread: ChatThread): { chatKey: string; chatUserId: string } {
  return { chatKey: chatKeyOfRef(chatRefOf(thread)), chatUserId: thread.kind === 'conversation' ? '' : thread.userId };
}

export function* findCorpId(orgId: number): Work<string | undefined> {
  return (yield* get<{ corp_id: string }>(`SELECT corp_id FROM orgs WHERE id = :orgId`, { orgId }))?.corp_id;
}

export function* isConversationMember(conversationId: number, userId: string): Work<boolean> {
  const row = yield* get(
    `SELECT 1 AS x FROM memberships WHERE conversation_id = :conversationId AND user_id = :userId AND to_version = :open`,
    { conversationId, userId, open: OPEN_END },
  );
  return row !== undefined;
}

export function* postUserMessage(message: NewUserMessage): Work<{ marked: number; deliveries: DeliveryRecord[] }> {
  // First: it takes the pair and chat locks before reading anything, as every open does.
  const marked = yield* openChat(message.orgId, chatRefOf(message.thread), message.userId, message.createdAt, message.now);
  const seq = yield* nextSeq();
  yield* run(
    `INSERT INTO chat_entries (seq, chat_key, chat_user_id, org_id, via, msg_id, sender_user_id, message_id, msgtype, content, at, created_at)
     VALUES (:seq, :chatKey, :chatUserId, :orgId, 'user', :msgId, :userId, NULL, :msgtype, :text, :at, :createdAt)`,
    {
      seq,
      ...threadKey(message.thread),
      orgId: message.orgId,
      msgId: message.msgId,
      userId: message.userId,
      msgtype: message.msgtype ?? 'text',
      text: message.text,
      at: message.atRobots.length > 0 ? JSON.stringify(message.atRobots) : null,
      createdAt: message.createdAt,
    },
  );
  yield* run(
    `DELETE FROM session_webhooks WHERE token_hash IN (
       SELECT token_hash FROM session_webhooks WHERE expires_at <= :now LIMIT :batch)`,
    { now: message.now, batch: SESSION_PURGE_BATCH },
  );
  for (const session of message.sessions) {
    yield* run(
      `INSERT INTO session_webhooks (token_hash, org_id, robot_id, app_id, conversation_id, user_id, expires_at)
       VALUES (:tokenHash, :orgId, :robotId, :appId, :conversationId, :userId, :expiresAt)`,
      { ...session },
    );
  }
  return { marked, deliveries: yield* insertDeliveries(message.deliveries) };
}

export function* findSessionWebhook(tokenHash: string): Work<SessionWebhookRecord | undefined> {
  const row = yield* get<{
    org_id: number;
    corp_id: string;
    robot_id: number;
    robot_code: string;
    app_id: number;
    conversation_id: number | null;
    open_conversation_id: string | null;
    user_id: string;
    expires_at: number;
  }>(
    `SELECT s.org_id, o.corp_id, s.robot_id, r.robot_code, s.app_id, s.conversation_id, c.open_conversation_id, s.user_id, s.expires_at
     FROM session_webhooks s JOIN orgs o ON o.id = s.org_id JOIN robots r ON r.id = s.robot_id
     LEFT JOIN conversations c ON c.id = s.conversation_id
     WHERE s.token_hash = :tokenHash`,
    { tokenHash },
  );
  return (
    row && {
      orgId: row.org_id,
      corpId: row.corp_id,
      robotId: row.robot_id,
      robotCode: row.robot_code,
      appId: row.app_id,
      conversationId: row.conversation_id,
      openConversationId: row.open_conversation_id,
      userId: row.user_id,
      expiresAt: row.expires_at,
    }
  );
}

export function* postReply(reply: NewReply): Work<MessageRecord> {
  const message = yield* insertMessage(reply.message);
  const thread: ChatThread =
    reply.session.conversationId === null
      ? { kind: 'robot', robotId: reply.session.robotId, userId: reply.session.userId }
      : { kind: 'conversation', conversationId: reply.session.conversationId };
  // The entry only says how the message came; it takes the message's number as its place.
  yield* run(
    `INSERT INTO chat_entries (seq, chat_key, chat_user_id, org_id, via, msg_id, sender_user_id, message_id, msgtype, content, at, created_at)
     VALUES (:seq, :chatKey, :chatUserId, :orgId, 'sessionWebhook', NULL, NULL, :seq, :msgtype, '', :at, :createdAt)`,
    {
      seq: message.id,
      ...threadKey(thread),
      orgId: message.orgId,
      msgtype: reply.msgtype,
      at: reply.at === null ? null : JSON.stringify(reply.at),
      createdAt: message.sentAt,
    },
  );
  return message;
}

export function* postWebhookMessage(message: NewWebhookMessage): Work<WebhookPostOutcome> {
  const { robot, limit, createdAt } = message;
  // The group's chat lock first: it orders the post among the chat's writes, and on PostgreSQL it
  // keeps two posts of one robot (which belongs to one group) from both seeing room under the limit.
  yield* lock({ kind: 'chat', chatKey: chatKeyOfRef({ kind: 'conversation', conversationId: robot.conversationId }), mode: 'exclusive' });
  const state = yield* get<{ throttled_until: number }>(`SELECT throttled_until FROM webhook_robots WHERE id = :id`, { id: robot.id });
  if (!state) return { posted: false, reason: 'gone' };
  if (Number(state.throttled_until) > createdAt) return { posted: false, reason: 'throttled' };
  // Posts up to a window after this one count too: a post that waited for the lock may carry an
  // earlier time than posts that committed meanwhile (another node's clock, or this node's a
  // moment later). Posts further ahead were made before the clock was set back, and do not.
  const recent = yield* get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM chat_entries WHERE webhook_robot_id = :id AND created_at > :since AND created_at <= :until`,
    { id: robot.id, since: createdAt - limit.windowMs, until: createdAt + limit.windowMs },
  );
  if (Number(recent?.n ?? 0) >= limit.perWindow) {
    yield* run(`UPDATE webhook_robots SET throttled_until = :until WHERE id = :id`, { id: robot.id, until: createdAt + limit.blockMs });
    return { posted: false, reason: 'throttled' };
  }
  const seq = yield* nextSeq();
  yield* run(
    `INSERT INTO chat_entries (seq, chat_key, chat_user_id, org_id, via, msg_id, sender_user_id, message_id, msgtype, content, at, created_at,
       webhook_robot_id, sender_name)
     VALUES (:seq, :chatKey, '', :orgId, 'webhook', :msgId, NULL, NULL, :msgtype, :content, :at, :createdAt, :robotId, :name)`,
    {
      seq,
      chatKey: chatKeyOfRef({ kind: 'conversation', conversationId: robot.conversationId }),
      orgId: robot.orgId,
      msgId: message.msgId,
      msgtype: message.msgtype,
      content: message.content,
      at: message.at === null ? null : JSON.stringify(message.at),
      createdAt,
      robotId: robot.id,
      name: robot.name,
    },
  );
  return { posted: true, seq };
}

/** An entry with no message row: what a user wrote, or what a webhook robot posted. */
function entryRecord(row: EntryRow): TimelineRecord {
  const at = row.at === null ? null : JSON.parse(row.at);
  if (row.via === 'webhook') {
    return {
      kind: 'webhook',
      seq: Number(row.seq),
      msgId: row.msg_id ?? '',
      robotName: row.sender_name ?? '',
      msgtype: row.msgtype,
      content: row.content,
      at: at as ReplyAt | null,
      createdAt: Number(row.created_at),
    };
  }
  return {
    kind: 'user',
    seq: row.seq,
    msgId: row.msg_id ?? '',
    userId: row.sender_user_id ?? '',
    msgtype: row.msgtype,
    content: row.content,
    atRobots: (at as string[] | null) ?? [],
    createdAt: row.created_at,
  };
}

export function* chatTimeline(thread: ChatThread, limit: number): Work<TimelineRecord[]> {
  const key = threadKey(thread);
  const users = yield* all<EntryRow>(
    `SELECT * FROM chat_entries WHERE chat_key = :chatKey AND chat_user_id = :chatUserId AND message_id IS NULL
     ORDER BY seq DESC LIMIT :limit`,
    { ...key, limit },
  );
  const messages =
    thread.kind === 'conversation'
      ? yield* all<MessageRow>(`${MESSAGE_SELECT} WHERE m.chat_key = :chatKey ORDER BY m.id DESC LIMIT :limit`, {
          chatKey: key.chatKey,
          limit,
        })
      : // The robot's one-on-one messages to this user: the chat's, through the user's recipient rows.
        yield* all<MessageRow>(
          `${MESSAGE_SELECT} JOIN message_recipients mr ON mr.chat_key = :chatKey AND mr.message_id = m.id AND mr.user_id = :userId
           WHERE m.chat_key = :chatKey ORDER BY m.id DESC LIMIT :limit`,
          { chatKey: key.chatKey, userId: thread.userId, limit },
        );
  const items: TimelineRecord[] = [
    ...users.map(entryRecord),
    ...messages.map((row): TimelineRecord => ({ kind: 'robot', seq: row.id, message: toMessage(row), via: 'api', at: null })),
  ]
    .sort((a, b) => b.seq - a.seq)
    .slice(0, limit)
    .reverse();
  const robotItems = items.filter((item) => item.kind === 'robot');
  const oldest = robotItems[0]?.seq;
  if (oldest !== undefined) {
    // Which of these robot messages came through a session webhook: their entries, in one range.
    const notes = new Map<number, { via: RobotVia; at: ReplyAt | null }>();
    for (const row of yield* all<{ message_id: number; via: RobotVia; at: string | null }>(
      `SELECT message_id, via, at FROM chat_entries WHERE chat_key = :chatKey AND chat_user_id = :chatUserId
       AND message_id IS NOT NULL AND seq >= :oldest`,
      { ...key, oldest },
    )) {
      notes.set(row.message_id, { via: row.via, at: row.at === null ? null : (JSON.parse(row.at) as ReplyAt) });
    }
    for (const item of robotItems) Object.assign(item, notes.get(item.seq));
  }
  return items;
}

export function* purgeChatEntriesBefore(cutoff: number, batchSize: number): Work<number> {
  return yield* run(
    `DELETE FROM chat_entries WHERE seq IN (SELECT seq FROM chat_entries WHERE created_at < :cutoff ORDER BY created_at LIMIT :batchSize)`,
    { cutoff, batchSize },
  );
}

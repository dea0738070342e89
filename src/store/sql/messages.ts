/** The SQL rules of messages: sending (one row however big the group), finding, recalling and listing. */
import type { ChatRef, MessageFilter, MessageRecord, NewMessage } from '../../core/store.js';
import { linkMessageMedia } from './media.js';
import { chatKeyOfMessage, chatKeyOfProcessQueryKey, chatKeyOfRef, toMessage, type MessageRow } from './rows.js';
import { all, answersChanged, get, lock, NEXT_NUMBER, nextSeq, run, type Work } from './unit.js';

/** A message row with its org's, robot's and conversation's public ids (rows.ts MessageRow). */
export const MESSAGE_SELECT = `
  SELECT m.*, o.corp_id, r.robot_code, c.open_conversation_id
  FROM messages m
  JOIN orgs o ON o.id = m.org_id
  JOIN robots r ON r.id = m.robot_id
  LEFT JOIN conversations c ON c.id = m.conversation_id`;

/**
 * What an insert of a message returns beyond what the send gave it: its number, its recipient
 * count (a conversation's members) and its org's, robot's and conversation's public ids, so the
 * send needs no second statement to read its record back. Only these: every column returned is
 * described and parsed again on every send.
 */
const RETURNING_MESSAGE = `RETURNING id, recipient_count,
  (SELECT o.corp_id FROM orgs o WHERE o.id = messages.org_id) AS corp_id,
  (SELECT r.robot_code FROM robots r WHERE r.id = messages.robot_id) AS robot_code,
  (SELECT c.open_conversation_id FROM conversations c WHERE c.id = messages.conversation_id) AS open_conversation_id`;

/** Recipients are written this many to a statement (three parameters each, far below every backend's limit). */
const RECIPIENTS_PER_INSERT = 500;

/**
 * A send: the chat's lock (shared with the chat's other sends), then the message in one statement
 * that takes its number, a conversation's member version and count, and returns the row, then its
 * recipients a few hundred to a statement. On PostgreSQL a group send is one round trip: BEGIN, the
 * lock, the insert and the COMMIT (postgres-store.ts, Opening); a one-on-one send is two.
 */
export function* insertMessage(message: NewMessage, endsUnit = false): Work<MessageRecord> {
  const chat: ChatRef =
    message.conversationId === null ? { kind: 'robot', robotId: message.robotId } : { kind: 'conversation', conversationId: message.conversationId };
  const chatKey = chatKeyOfRef(chat);
  // Before the number, so that an open's number is above every send in flight in its chat.
  yield* lock({ kind: 'chat', chatKey, mode: 'send' });
  const params = {
    chatKey,
    processQueryKey: message.processQueryKey,
    kind: message.kind,
    orgId: message.orgId,
    appId: message.appId,
    robotId: message.robotId,
    conversationId: message.conversationId,
    msgKey: message.msgKey,
    msgParam: message.msgParam,
    sentAt: message.sentAt,
    deliveredAt: message.deliveredAt,
    recipientCount: message.recipients?.length ?? 0,
  };
  const columns = `(id, chat_key, process_query_key, kind, org_id, app_id, robot_id, conversation_id, msg_key,
       msg_param, sent_at, delivered_at, member_version, recipient_count)`;
  const recipients = message.recipients ?? [];
  // When the send is the whole unit, nothing follows the message's row in a group send, nor the
  // last recipients' in a one-on-one one (a unit that sends and goes on passes endsUnit false).
  const rowOptions = { numbered: true, last: endsUnit && recipients.length === 0 && !message.mediaIds };
  const row =
    message.conversationId === null
      ? yield* get<InsertedRow>(
          `INSERT INTO messages ${columns}
           VALUES (:${NEXT_NUMBER}, :chatKey, :processQueryKey, :kind, :orgId, :appId, :robotId, NULL, :msgKey, :msgParam,
             :sentAt, :deliveredAt, NULL, :recipientCount) ${RETURNING_MESSAGE}`,
          params,
          rowOptions,
        )
      : yield* get<InsertedRow>(
          `INSERT INTO messages ${columns}
           SELECT :${NEXT_NUMBER}, :chatKey, :processQueryKey, :kind, :orgId, :appId, :robotId, c.id, :msgKey, :msgParam,
             :sentAt, :deliveredAt, c.member_version, c.member_count
           FROM conversations c WHERE c.id = :conversationId ${RETURNING_MESSAGE}`,
          params,
          rowOptions,
        );
  if (!row) throw new Error(`conversation ${message.conversationId} vanished during the send`);
  const id = row.id;
  for (let start = 0; start < recipients.length; start += RECIPIENTS_PER_INSERT) {
    const rows: string[] = [];
    const values: Record<string, unknown> = { chatKey, id };
    recipients.slice(start, start + RECIPIENTS_PER_INSERT).forEach((userId, i) => {
      rows.push(`(:chatKey, :id, :u${i}, :p${i})`);
      values[`u${i}`] = userId;
      values[`p${i}`] = start + i;
    });
    const lastChunk = start + RECIPIENTS_PER_INSERT >= recipients.length;
    yield* run(`INSERT INTO message_recipients (chat_key, message_id, user_id, position) VALUES ${rows.join(', ')}`, values, {
      last: endsUnit && lastChunk && !message.mediaIds,
    });
  }
  if (message.mediaIds) yield* linkMessageMedia(chatKey, id, message.mediaIds);
  return {
    id,
    processQueryKey: message.processQueryKey,
    kind: message.kind,
    orgId: message.orgId,
    corpId: row.corp_id,
    appId: message.appId,
    robotId: message.robotId,
    robotCode: row.robot_code,
    conversationId: message.conversationId,
    openConversationId: row.open_conversation_id,
    msgKey: message.msgKey,
    msgParam: message.msgParam,
    sentAt: message.sentAt,
    deliveredAt: message.deliveredAt,
    recipientCount: row.recipient_count,
    recalledAt: null,
  };
}

/** What RETURNING_MESSAGE gives. */
type InsertedRow = Pick<MessageRow, 'id' | 'recipient_count' | 'corp_id' | 'robot_code' | 'open_conversation_id'>;

export function* messageRowById(chatKey: string, id: number): Work<MessageRow | undefined> {
  return yield* get<MessageRow>(`${MESSAGE_SELECT} WHERE m.chat_key = :chatKey AND m.id = :id`, { chatKey, id });
}

/** The message by its key in one chat: one shard of a distributed PostgreSQL. */
export function* messageRowInChat(chatKey: string, processQueryKey: string): Work<MessageRow | undefined> {
  return yield* get<MessageRow>(`${MESSAGE_SELECT} WHERE m.chat_key = :chatKey AND m.process_query_key = :processQueryKey`, {
    chatKey,
    processQueryKey,
  });
}

/**
 * The chat of the message with this key, looked for in every chat: for a key not found in the chat
 * it names (core/ids.ts), one this store did not make (an earlier version's, or made up). On a
 * distributed PostgreSQL an index probe on every shard, the only lookup by key that is.
 */
export function* chatOfKey(processQueryKey: string): Work<string | undefined> {
  return (yield* get<{ chat_key: string }>(`SELECT chat_key FROM messages WHERE process_query_key = :processQueryKey`, { processQueryKey }))
    ?.chat_key;
}

/** The message by its key, in the chat the key names, or else wherever it is (chatOfKey), in a unit of several statements. */
export function* messageRowByKey(processQueryKey: string): Work<MessageRow | undefined> {
  const named = chatKeyOfProcessQueryKey(processQueryKey);
  const row = named === undefined ? undefined : yield* messageRowInChat(named, processQueryKey);
  if (row !== undefined) return row;
  const chatKey = yield* chatOfKey(processQueryKey);
  return chatKey === undefined || chatKey === named ? undefined : yield* messageRowInChat(chatKey, processQueryKey);
}

export function* findMessage(chatKey: string, processQueryKey: string): Work<MessageRecord | undefined> {
  const row = yield* messageRowInChat(chatKey, processQueryKey);
  return row && toMessage(row);
}

export function* recallMessage(message: MessageRecord, at: number): Work<void> {
  const chatKey = chatKeyOfMessage(message);
  const row = yield* get<MessageRow>(`SELECT * FROM messages WHERE chat_key = :chatKey AND id = :messageId`, { chatKey, messageId: message.id });
  if (!row || row.recalled_at !== null) return;
  // The chat's lock, then the number: a recall is numbered in its chat's commit order like an open.
  // A recall that raced this one and won leaves the update nothing to change.
  yield* lock({ kind: 'chat', chatKey, mode: 'exclusive' });
  const seq = yield* nextSeq();
  const recalled = yield* run(
    `UPDATE messages SET recalled_at = :at, recall_seq = :seq WHERE chat_key = :chatKey AND id = :messageId AND recalled_at IS NULL`,
    { at, seq, chatKey, messageId: message.id },
  );
  if (recalled > 0) yield* answersChanged([{ chatKey, stripe: 0 }]);
}

export function* listMessages(filter: MessageFilter, limit: number): Work<MessageRecord[]> {
  const { where, params } = messageWhere(filter);
  const sql = `${MESSAGE_SELECT} ${where} ORDER BY m.id DESC LIMIT :limit`;
  return (yield* all<MessageRow>(sql, { ...params, limit })).map(toMessage);
}

export function* countMessages(filter: MessageFilter): Work<number> {
  const { where, params } = messageWhere(filter);
  return (yield* get<{ n: number }>(`SELECT count(*) AS n FROM messages m ${where}`, params))?.n ?? 0;
}

function messageWhere(filter: MessageFilter): { where: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  const compare = (name: keyof MessageFilter, sql: string): void => {
    if (filter[name] === undefined) return;
    clauses.push(sql);
    params[name] = filter[name];
  };
  compare('orgId', 'm.org_id = :orgId');
  // A conversation's messages by its chat's key: messages_open_scan, and one shard of a distributed PostgreSQL.
  if (filter.conversationId !== undefined) {
    clauses.push('m.chat_key = :conversationChat');
    params['conversationChat'] = chatKeyOfRef({ kind: 'conversation', conversationId: filter.conversationId });
  }
  compare('robotId', 'm.robot_id = :robotId');
  compare('beforeId', 'm.id < :beforeId');
  compare('pendingAt', 'm.delivered_at > :pendingAt');
  compare('deliveredBy', 'm.delivered_at <= :deliveredBy');
  compare('sentAfter', 'm.sent_at > :sentAfter');
  compare('sentBy', 'm.sent_at <= :sentBy');
  if (filter.recalled !== undefined) clauses.push(filter.recalled ? 'm.recalled_at IS NOT NULL' : 'm.recalled_at IS NULL');
  if (filter.text !== undefined) {
    const patterns = textPatterns(filter.text);
    clauses.push(`(${patterns.map((_, i) => `lower(m.msg_param) LIKE :text${i} ESCAPE '\\'`).join(' OR ')})`);
    patterns.forEach((pattern, i) => (params[`text${i}`] = pattern));
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/**
 * LIKE patterns for text inside a msgParam, which is JSON as the sender wrote it: quotes and
 * backslashes come escaped, and some senders (Python's json.dumps by default) escape every
 * non-ASCII character as \uXXXX. lower() folds ASCII letters on every backend and other letters
 * on some, so the text goes both with only its ASCII letters folded and with all of them.
 */
function textPatterns(text: string): string[] {
  const patterns = new Set<string>();
  for (const folded of [text.replace(/[A-Z]+/g, (s) => s.toLowerCase()), text.toLowerCase()]) {
    const json = JSON.stringify(folded).slice(1, -1);
    patterns.add(json);
    patterns.add(json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  }
  return [...patterns].map((s) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

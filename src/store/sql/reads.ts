/** The SQL rules of reads and chat opens, and of the read-status answers: reader pages, recipients' read times, counts. */
import type { ChatRef, MessageRecipients, MessageRecord, ReaderPage, ReadInput, ReadsOutcome } from '../../core/store.js';
import { MESSAGE_SELECT, messageRowById, messageRowByKey } from './messages.js';
import { chatKeyOfMessage, chatKeyOfRef, OPEN_END, toMessage, type MessageRow } from './rows.js';
import { all, answersChanged, get, inList, lock, nextSeq, run, STORE_WIDE, stripeOf, type AnswerStamp, type Work } from './unit.js';

/** Recipients of a conversation message: members whose interval holds the message's version. */
const IS_MEMBER = `EXISTS (SELECT 1 FROM memberships ms WHERE ms.conversation_id = :conversationId
  AND ms.user_id = cc.user_id AND ms.from_version <= :version AND ms.to_version > :version)`;
const IS_OTO_RECIPIENT = `EXISTS (SELECT 1 FROM message_recipients mr WHERE mr.chat_key = :chatKey AND mr.message_id = :id
  AND mr.user_id = cc.user_id)`;
/** An open counts for a recalled message only if it happened before the recall. */
const OPENED_BEFORE_RECALL = `EXISTS (SELECT 1 FROM chat_opens o WHERE o.chat_key = :chatKey
  AND o.user_id = cc.user_id AND o.covers_below > :id AND o.seq < :recallSeq)`;

function* isRecipient(message: MessageRow, userId: string): Work<boolean> {
  if (message.conversation_id === null) {
    const row = yield* get(`SELECT 1 AS x FROM message_recipients WHERE chat_key = :chatKey AND message_id = :id AND user_id = :userId`, {
      chatKey: message.chat_key,
      id: message.id,
      userId,
    });
    return row !== undefined;
  }
  const row = yield* get(
    `SELECT 1 AS x FROM memberships WHERE conversation_id = :conversationId AND user_id = :userId
     AND from_version <= :version AND to_version > :version`,
    { conversationId: message.conversation_id, userId, version: message.member_version },
  );
  return row !== undefined;
}

export function* recordReads(reads: ReadInput[], now: number): Work<ReadsOutcome> {
  const messages = new Map<string, MessageRow | undefined>();
  for (const key of new Set(reads.map((read) => read.processQueryKey))) messages.set(key, yield* messageRowByKey(key));
  const pairs = reads.flatMap((read) => {
    const message = messages.get(read.processQueryKey);
    return message ? [`${message.chat_key}\n${read.userId}`] : [];
  });
  if (pairs.length > 0) yield* lock({ kind: 'chatUsers', keys: pairs });
  const outcome: ReadsOutcome = { accepted: 0, ignored: [] };
  const changed: AnswerStamp[] = [];
  for (const [index, read] of reads.entries()) {
    const message = messages.get(read.processQueryKey);
    if (!message) {
      outcome.ignored.push({ index, reason: 'message.notFound' });
      continue;
    }
    if (message.recalled_at !== null) {
      outcome.ignored.push({ index, reason: 'message.recalled' });
      continue;
    }
    if (!(yield* isRecipient(message, read.userId))) {
      outcome.ignored.push({ index, reason: 'user.notRecipient' });
      continue;
    }
    // Nobody reads a message that has not reached them yet (a delivery delay keeps it PROCESSING).
    if (now < message.delivered_at) {
      outcome.ignored.push({ index, reason: 'message.notDelivered' });
      continue;
    }
    outcome.accepted++;
    // First read wins: an earlier open of the chat already counts as the read.
    const pair = { chatKey: message.chat_key, userId: read.userId };
    const cursor = yield* get<{ covers_below: number; reads_past_cover: number }>(
      `SELECT covers_below, reads_past_cover FROM chat_cursors WHERE chat_key = :chatKey AND user_id = :userId`,
      pair,
    );
    if (cursor && cursor.covers_below > message.id) continue;
    const inserted = yield* run(
      `INSERT INTO reads (chat_key, message_id, user_id, read_at) VALUES (:chatKey, :id, :userId, :readAt) ON CONFLICT DO NOTHING`,
      { chatKey: pair.chatKey, id: message.id, userId: read.userId, readAt: read.readAt },
    );
    if (inserted > 0) changed.push({ chatKey: pair.chatKey, stripe: stripeOf(read.userId) });
    // Tell the next open of this chat that it must look for reads to leave out of its count
    // (openChat). Written once per chat and user between opens, not once per read.
    if (inserted > 0 && !cursor?.reads_past_cover) {
      yield* run(
        `INSERT INTO chat_cursors (chat_key, user_id, covers_below, reads_past_cover) VALUES (:chatKey, :userId, 0, 1)
         ON CONFLICT (chat_key, user_id) DO UPDATE SET reads_past_cover = 1`,
        pair,
      );
    }
  }
  yield* answersChanged(changed);
  return outcome;
}

/**
 * What an open of the chat by the user would cover past the cursor `after`: `pending`, the first
 * of their messages still on its way (an open stops below it; null when none is), `covered`, how
 * many unrecalled messages lie below that, and `alreadyRead`, how many of those the user read one
 * by one (looked for only when recordReads flagged the pair, `lookForReads`).
 *
 * A conversation's count reads index entries only, so an open with 1,000 unread messages costs
 * close to one with 10 (BENCHMARKS.md, scenario 5): per membership interval, a count over
 * messages_open_scan minus the recalled ones (messages_recalled), and the pending message from
 * messages_delayed, which holds only messages sent with a delivery delay. A message sent after
 * `now` is on its way too; that happens only when the clock was set back, and then the slower scan
 * below finds it. A robot chat joins the user's recipient rows to their messages, one row each.
 * Every statement names the chat by its key, which leads those indexes: on a distributed
 * PostgreSQL each is planned for the chat's shard.
 */
function* openCoverage(
  orgId: number,
  chat: ChatRef,
  userId: string,
  after: number,
  now: number,
  lookForReads: boolean,
): Work<{ pending: number | null; covered: number; alreadyRead: number }> {
  const chatKey = chatKeyOfRef(chat);
  const readOneByOne = `AND EXISTS (SELECT 1 FROM reads r WHERE r.chat_key = :chatKey AND r.message_id = m.id AND r.user_id = :userId)`;
  if (chat.kind === 'robot') {
    const scope = `FROM message_recipients mr CROSS JOIN messages m
      WHERE mr.chat_key = :chatKey AND mr.user_id = :userId AND mr.message_id >= :after AND mr.message_id < :below
        AND m.chat_key = :chatKey AND m.id = mr.message_id AND m.org_id = :orgId AND m.recalled_at IS NULL`;
    const params = { chatKey, userId, after, orgId, now, below: OPEN_END };
    const pending = (yield* get<{ id: number | null }>(`SELECT min(m.id) AS id ${scope} AND m.delivered_at > :now`, params))?.id ?? null;
    const bounded = { ...params, below: pending ?? OPEN_END };
    const covered = (yield* get<{ n: number }>(`SELECT count(*) AS n ${scope}`, bounded))?.n ?? 0;
    const alreadyRead =
      lookForReads && covered > 0 ? ((yield* get<{ n: number }>(`SELECT count(*) AS n ${scope} ${readOneByOne}`, bounded))?.n ?? 0) : 0;
    return { pending, covered, alreadyRead };
  }
  // Only a clock set back leaves a message without a delivery delay on its way: asked first, so
  // that the usual case looks for the pending message among the delayed ones alone.
  const clockSetBack =
    (yield* get(`SELECT 1 AS x FROM messages WHERE chat_key = :chatKey AND sent_at > :now LIMIT 1`, { chatKey, now })) !== undefined;
  // A member received the messages sent while from_version <= member_version < to_version.
  const intervals = yield* all<{ from_version: number; to_version: number }>(
    `SELECT from_version, to_version FROM memberships WHERE conversation_id = :conversationId AND user_id = :userId`,
    { conversationId: chat.conversationId, userId },
  );
  const ranges = intervals.map((interval) => ({
    chatKey,
    userId,
    after,
    now,
    below: OPEN_END,
    from: interval.from_version,
    last: interval.to_version - 1,
  }));
  const inRange = `m.chat_key = :chatKey AND m.id >= :after AND m.id < :below
    AND m.member_version BETWEEN :from AND :last`;
  let pending: number | null = null;
  for (const range of ranges) {
    const first = (yield* get<{ id: number | null }>(
      clockSetBack
        ? `SELECT min(m.id) AS id FROM messages m WHERE ${inRange} AND m.recalled_at IS NULL AND m.delivered_at > :now`
        : `SELECT min(m.id) AS id FROM messages m WHERE ${inRange} AND m.recalled_at IS NULL
             AND m.delivered_at > m.sent_at AND m.delivered_at > :now`,
      range,
    ))?.id;
    if (first != null && (pending === null || first < pending)) pending = first;
  }
  let covered = 0;
  let alreadyRead = 0;
  for (const range of ranges) {
    const bounded = { ...range, below: pending ?? OPEN_END };
    covered +=
      (yield* get<{ n: number }>(
        `SELECT (SELECT count(*) FROM messages m WHERE ${inRange})
           - (SELECT count(*) FROM messages m WHERE ${inRange} AND m.recalled_at IS NOT NULL) AS n`,
        bounded,
      ))?.n ?? 0;
    if (lookForReads) {
      alreadyRead +=
        (yield* get<{ n: number }>(`SELECT count(*) AS n FROM messages m WHERE ${inRange} AND m.recalled_at IS NULL ${readOneByOne}`, bounded))
          ?.n ?? 0;
    }
  }
  return { pending, covered, alreadyRead };
}

export function* openChat(orgId: number, chat: ChatRef, userId: string, readAt: number, now: number): Work<number> {
  const chatKey = chatKeyOfRef(chat);
  // Both before anything is read: the pair so a concurrent read of this user waits, the chat so
  // every message of it numbered below the number this open may take has committed and is seen.
  yield* lock({ kind: 'chatUsers', keys: [`${chatKey}\n${userId}`] });
  yield* lock({ kind: 'chat', chatKey, mode: 'exclusive' });
  const cursor = yield* get<{ covers_below: number; reads_past_cover: number }>(
    `SELECT covers_below, reads_past_cover FROM chat_cursors WHERE chat_key = :chatKey AND user_id = :userId`,
    { chatKey, userId },
  );
  const after = cursor?.covers_below ?? 0;
  const { pending, covered, alreadyRead } = yield* openCoverage(orgId, chat, userId, after, now, !!cursor?.reads_past_cover);
  const marked = covered - alreadyRead;
  // Nothing new to cover: writing an open would change no answer, so write nothing.
  if (marked === 0) return 0;
  const seq = yield* nextSeq();
  const coversBelow = pending ?? seq;
  yield* run(
    `INSERT INTO chat_opens (chat_key, user_id, seq, covers_below, read_at)
     VALUES (:chatKey, :userId, :seq, :coversBelow, :readAt)`,
    { chatKey, userId, seq, coversBelow, readAt },
  );
  yield* run(
    `INSERT INTO chat_cursors (chat_key, user_id, covers_below, reads_past_cover)
     VALUES (:chatKey, :userId, :coversBelow, :readsPastCover)
     ON CONFLICT (chat_key, user_id) DO UPDATE SET covers_below = excluded.covers_below,
       reads_past_cover = excluded.reads_past_cover`,
    // Reads of messages still on their way cannot exist yet, but stay careful: only an open that
    // covers everything delivered so far, with nothing pending, clears the flag.
    { chatKey, userId, coversBelow, readsPastCover: pending !== null && cursor?.reads_past_cover ? 1 : 0 },
  );
  yield* answersChanged([{ chatKey, stripe: stripeOf(userId) }]);
  return marked;
}

/**
 * What the read-status statements begin with. `msg`: the message by its key in the chat `:chatKey`
 * as a one-row table. `k`: what the statements need of it (its id, its member version, its recall
 * number or OPEN_END). `st`: the sum of the chat's stamps and of the store-wide ones, to keep with
 * the answer (answerStamps). A chat query is one statement behind these: one snapshot on every
 * backend, one round trip to a database server. Every traffic table in it is asked for the chat by
 * `:chatKey` itself, not by a value the statement computes: on a distributed PostgreSQL the
 * statement is then planned for the chat's shard alone (docs/SCALING.md).
 */
const MESSAGE_AND_KEYS = `msg AS (${MESSAGE_SELECT} WHERE m.chat_key = :chatKey AND m.process_query_key = :processQueryKey),
  k AS (SELECT id, org_id, conversation_id, member_version, COALESCE(recall_seq, :open) AS recall_seq FROM msg),
  st AS (SELECT CAST(COALESCE((SELECT sum(s.n) FROM answer_stamps s WHERE s.chat_key = :chatKey), 0)
    + COALESCE((SELECT sum(w.n) FROM store_stamps w), 0) AS BIGINT) AS answer_stamp)`;

/**
 * An answer read with the sum of its chat's stamps (and the store-wide ones) as they were in the
 * same snapshot: a node may keep it while that sum stays the same (unit.ts answersChanged).
 */
export interface Stamped<T> {
  value: T;
  chatKey: string;
  stamp: number;
}

/** Most chats one stamp check reads (sql-store.ts, stampOf). */
export const MOST_STAMPS_A_CHECK = 64;

/** The sizes a check's list of chats is padded to, so that a backend keeps a plan for each of a few, not one per count. */
const STAMP_CHECK_SIZES = [1, 4, 16, MOST_STAMPS_A_CHECK];

/**
 * The sums `st` reads, as they are now, for each of a few chats: a node that keeps an answer asks
 * this before it serves it, for every chat asked about in one turn at once. A few index probes and
 * one narrow row a chat; folding it into the query (reading the page only when the sum moved) cost
 * a repeated query twice as much, for the wide row a union needs.
 */
export function* answerStamps(chatKeys: readonly string[]): Work<Map<string, number>> {
  const size = STAMP_CHECK_SIZES.find((n) => n >= chatKeys.length) ?? chatKeys.length;
  const padded = [...chatKeys, ...Array.from({ length: size - chatKeys.length }, () => chatKeys[0])];
  const list = inList('k', padded);
  // The store-wide stamps are a table of their own, which a distributed PostgreSQL keeps on every shard.
  const rows = yield* all<{ chat_key: string; stamp: number }>(
    `SELECT chat_key, CAST(sum(n) AS BIGINT) AS stamp FROM answer_stamps WHERE chat_key IN (${list.sql}) GROUP BY chat_key
     UNION ALL SELECT '${STORE_WIDE}', CAST(sum(n) AS BIGINT) FROM store_stamps`,
    list.params,
  );
  const sums = new Map(rows.map((row) => [row.chat_key, Number(row.stamp)]));
  const storeWide = sums.get(STORE_WIDE) ?? 0;
  return new Map(chatKeys.map((chatKey) => [chatKey, (sums.get(chatKey) ?? 0) + storeWide]));
}

/**
 * One value of `k`, as a scalar subquery: the database computes it once, before the scans, and uses
 * it as it would a parameter, so the scans below stay index ranges (a join on `k` would not).
 */
const K = (column: string): string => `(SELECT ${column} FROM k)`;

/**
 * Users whose chat cursor covers the message and who were its recipients (before any recall).
 * `covers_below > 0` lets the scan use chat_cursors_covering, which leaves out flag-only cursors.
 */
const OPENED_BY = `cc.chat_key = :chatKey AND cc.covers_below > 0 AND cc.covers_below > ${K('id')}
  AND CASE WHEN ${K('conversation_id')} IS NULL
    THEN EXISTS (SELECT 1 FROM message_recipients mr WHERE mr.chat_key = :chatKey AND mr.message_id = ${K('id')} AND mr.user_id = cc.user_id)
    ELSE EXISTS (SELECT 1 FROM memberships ms WHERE ms.conversation_id = ${K('conversation_id')} AND ms.user_id = cc.user_id
      AND ms.from_version <= ${K('member_version')} AND ms.to_version > ${K('member_version')}) END
  AND (${K('recall_seq')} = :open OR EXISTS (SELECT 1 FROM chat_opens o WHERE o.chat_key = :chatKey
    AND o.user_id = cc.user_id AND o.covers_below > ${K('id')} AND o.seq < ${K('recall_seq')}))`;

/**
 * The chat queries' one read: the message by its key, with its member version and recall number,
 * and one page of its readers past the cursor, two index range scans merged (docs/data-model.md),
 * in one statement: the message's row first (its reader_id NULL), then a row for each reader with
 * the message's columns NULL (none at all when there is no such message). Repeating the message's
 * columns on every reader's row cost PostgreSQL's driver 1.4 ms of parsing a page of 200, more than
 * the statement itself.
 */
export function* readerPage(
  chatKey: string,
  processQueryKey: string,
  afterUserId: string,
  limit: number,
): Work<Stamped<ReaderPage> | undefined> {
  const rows = yield* all<MessageRow & { reader_id: string | null; answer_stamp: number }>(
    `WITH ${MESSAGE_AND_KEYS},
     explicit AS (SELECT r.user_id FROM reads r WHERE r.chat_key = :chatKey AND r.message_id = ${K('id')} AND r.user_id > :after ORDER BY r.user_id LIMIT :limit),
     opened AS (SELECT cc.user_id FROM chat_cursors cc WHERE cc.user_id > :after AND ${OPENED_BY} ORDER BY cc.user_id LIMIT :limit),
     page AS (SELECT user_id FROM explicit UNION SELECT user_id FROM opened ORDER BY user_id LIMIT :limit)
     SELECT msg.*, NULL AS reader_id, (SELECT answer_stamp FROM st) AS answer_stamp FROM msg
     UNION ALL SELECT none.*, page.user_id, NULL FROM page LEFT JOIN msg none ON 1 = 0
     ORDER BY reader_id NULLS FIRST`,
    // One more than the page, to know whether more follow.
    { chatKey, processQueryKey, after: afterUserId, limit: limit + 1, open: OPEN_END },
  );
  const first = rows[0];
  if (!first) return undefined;
  const stamp = Number(first.answer_stamp);
  const readerIds: string[] = [];
  const end = Math.min(rows.length, limit + 1);
  // In code-point order: the user id columns' collation on every backend (rows.ts compareCodePoints).
  for (let i = 1; i < end; i++) readerIds.push((rows[i] as { reader_id: string }).reader_id);
  return { value: { message: toMessage(first), readerIds, more: rows.length > limit + 1 }, chatKey, stamp };
}

/**
 * The message by its key, with every recipient and the time of their first read, in one statement:
 * the message's row first, then one row a recipient with the message's columns NULL (parsing them
 * again for every recipient cost PostgreSQL's driver more than the query).
 */
export function* recipientReads(chatKey: string, processQueryKey: string): Work<Stamped<MessageRecipients> | undefined> {
  const rows = yield* all<
    MessageRow & { answer_stamp: number; recipient_id: string; recipient_name: string | null; recipient_read_at: number | null }
  >(
    `WITH ${MESSAGE_AND_KEYS},
     x AS (SELECT mr.user_id, mr.position AS sort_position, mr.user_id AS sort_user FROM message_recipients mr, k
             WHERE k.conversation_id IS NULL AND mr.chat_key = :chatKey AND mr.message_id = k.id
           UNION ALL
           SELECT ms.user_id, 0 AS sort_position, ms.user_id AS sort_user FROM memberships ms, k
             WHERE ms.conversation_id = k.conversation_id AND ms.from_version <= k.member_version AND ms.to_version > k.member_version),
     y AS (SELECT x.user_id, x.sort_position, x.sort_user, u.name,
             COALESCE(r.read_at, (SELECT o.read_at FROM chat_opens o WHERE o.chat_key = :chatKey AND o.user_id = x.user_id
               AND o.covers_below > k.id AND o.seq < k.recall_seq ORDER BY o.seq LIMIT 1)) AS read_at
           FROM x CROSS JOIN k
           LEFT JOIN users u ON u.org_id = k.org_id AND u.user_id = x.user_id
           LEFT JOIN reads r ON r.chat_key = :chatKey AND r.message_id = k.id AND r.user_id = x.user_id)
     SELECT msg.*, NULL AS recipient_id, NULL AS recipient_name, NULL AS recipient_read_at, NULL AS sort_position, NULL AS sort_user,
       (SELECT answer_stamp FROM st) AS answer_stamp FROM msg
     UNION ALL SELECT none.*, y.user_id, y.name, y.read_at, y.sort_position, y.sort_user, NULL FROM y LEFT JOIN msg none ON 1 = 0
     ORDER BY sort_position NULLS FIRST, sort_user`,
    { chatKey, processQueryKey, open: OPEN_END },
  );
  const first = rows[0];
  if (!first) return undefined;
  const stamp = Number(first.answer_stamp);
  const recipients: MessageRecipients['recipients'] = [];
  for (let i = 1; i < rows.length; i++) {
    const row = rows[i] as (typeof rows)[number];
    recipients.push({ userId: row.recipient_id, name: row.recipient_name ?? row.recipient_id, readAt: row.recipient_read_at });
  }
  return { value: { message: toMessage(first), recipients }, chatKey, stamp };
}

/** What countReaders's statement needs of a message, from its row. */
function messageParams(row: MessageRow) {
  return {
    id: row.id,
    chatKey: row.chat_key,
    conversationId: row.conversation_id,
    version: row.member_version,
    recallSeq: row.recall_seq ?? OPEN_END,
  };
}

/** Users whose chat cursor covers the message and who were its recipients (before any recall). */
function openedBy(row: MessageRow): string {
  const recipient = row.conversation_id === null ? IS_OTO_RECIPIENT : IS_MEMBER;
  const recalled = row.recall_seq === null ? '' : `AND ${OPENED_BEFORE_RECALL}`;
  return `cc.chat_key = :chatKey AND cc.covers_below > :id AND ${recipient} ${recalled}`;
}

export function* countReaders(message: MessageRecord): Work<number> {
  // A listing's records carry no member version or recall number: the row gives them.
  const row = yield* messageRowById(chatKeyOfMessage(message), message.id);
  if (!row) throw new Error(`message ${message.processQueryKey} vanished`);
  const counted = yield* get<{ n: number }>(
    `SELECT (SELECT count(*) FROM reads WHERE chat_key = :chatKey AND message_id = :id)
      + (SELECT count(*) FROM chat_cursors cc WHERE ${openedBy(row)}
         AND NOT EXISTS (SELECT 1 FROM reads r WHERE r.chat_key = :chatKey AND r.message_id = :id AND r.user_id = cc.user_id)) AS n`,
    messageParams(row),
  );
  return counted?.n ?? 0;
}

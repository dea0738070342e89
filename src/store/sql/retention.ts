/** The SQL rules of retention: purging old messages, their reads and the chat opens left covering nothing. */
import { OPEN_END } from './rows.js';
import { all, answersChanged, get, run, STORE_WIDE, type Work } from './unit.js';

export function* purgeMessagesBefore(cutoff: number, batchSize: number): Work<number> {
  const doomed = yield* all<{ id: number; chat_key: string }>(
    `SELECT id, chat_key FROM messages WHERE sent_at < :cutoff ORDER BY sent_at, id LIMIT :batchSize`,
    { cutoff, batchSize },
  );
  for (const { id, chat_key: chatKey } of doomed) {
    const message = { chatKey, id };
    yield* run(`DELETE FROM reads WHERE chat_key = :chatKey AND message_id = :id`, message);
    yield* run(`DELETE FROM message_recipients WHERE chat_key = :chatKey AND message_id = :id`, message);
    yield* run(`DELETE FROM message_media WHERE chat_key = :chatKey AND message_id = :id`, message);
    yield* run(`DELETE FROM messages WHERE chat_key = :chatKey AND id = :id`, message);
  }
  // An open whose bound is at or below every message left covers nothing any more (a later
  // message has a higher number than any bound drawn before it), so it can go too, in a batch.
  const oldest = (yield* get<{ id: number | null }>(`SELECT min(id) AS id FROM messages`))?.id ?? OPEN_END;
  yield* run(
    `DELETE FROM chat_opens WHERE (chat_key, user_id, seq) IN (
       SELECT chat_key, user_id, seq FROM chat_opens WHERE covers_below <= :oldest LIMIT :batchSize)`,
    { oldest, batchSize },
  );
  if (doomed.length > 0) yield* answersChanged([{ chatKey: STORE_WIDE, stripe: 0 }]);
  return doomed.length;
}

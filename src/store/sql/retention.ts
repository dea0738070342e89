/** The SQL rules of retention: purging old messages, their reads and the chat opens left covering nothing. */
import { OPEN_END } from './rows.js';
import { all, answersChanged, get, run, STORE_WIDE, type Work } from './unit.js';

export function* purgeMessagesBefore(cutoff: number, batchSize: number): Work<number> {
  const doomed = yield* all<{ id: number }>(
    `SELECT id FROM messages WHERE sent_at < :cutoff ORDER BY sent_at, id LIMIT :batchSize`,
    { cutoff, batchSize },
  );
  for (const { id } of doomed) {
    yield* run(`DELETE FROM reads WHERE message_id = :id`, { id });
    yield* run(`DELETE FROM message_recipients WHERE message_id = :id`, { id });
    yield* run(`DELETE FROM message_media WHERE message_id = :id`, { id });
    yield* run(`DELETE FROM messages WHERE id = :id`, { id });
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

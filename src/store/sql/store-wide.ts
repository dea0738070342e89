/** The store-wide SQL rules: the server secret and notes, reset, and the event sequence every writer numbers from. */
import { get, run, type Work } from './unit.js';

/** Children first, so foreign keys hold at every step. */
const TABLES_CHILDREN_FIRST = [
  'chat_cursors',
  'chat_opens',
  'reads',
  'message_recipients',
  'messages',
  'tokens',
  'suite_tokens',
  'memberships',
  'conversation_robots',
  'conversations',
  'robots',
  'users',
  'apps',
  'suites',
  'orgs',
] as const;

/** The next number of the event sequence (message ids, open and recall numbers); take the `seq` lock first. */
export function* nextSeq(): Work<number> {
  const row = yield* get<{ value: number }>(`UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value`);
  return (row as { value: number }).value;
}

export function* serverSecret(fresh: Buffer): Work<Buffer> {
  // Two nodes starting together both try; the first insert wins and both read it back.
  yield* run(`INSERT INTO meta (key, value) VALUES ('server_secret', :secret) ON CONFLICT (key) DO NOTHING`, {
    secret: fresh,
  });
  const row = yield* get<{ value: Buffer }>(`SELECT value FROM meta WHERE key = 'server_secret'`);
  return Buffer.from((row as { value: Buffer }).value);
}

/** Notes share the meta table with the server secret, under a prefix of their own. */
export function* readNote(key: string): Work<string | undefined> {
  const row = yield* get<{ value: Buffer }>(`SELECT value FROM meta WHERE key = :key`, { key: `note:${key}` });
  return row && Buffer.from(row.value).toString('utf8');
}

export function* writeNote(key: string, value: string): Work<void> {
  yield* run(`INSERT INTO meta (key, value) VALUES (:key, :value) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, {
    key: `note:${key}`,
    value: Buffer.from(value, 'utf8'),
  });
}

export function* reset(): Work<void> {
  for (const table of TABLES_CHILDREN_FIRST) yield* run(`DELETE FROM ${table}`);
  // The sequence and the server secret stay: cursors and keys issued before stay unforgeable.
}

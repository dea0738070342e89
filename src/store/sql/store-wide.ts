/** The store-wide SQL rules: the server secret, the local CA and notes, and reset. */
import type { LocalCaRecord } from '../../core/store.js';
import { answersChanged, get, run, STORE_WIDE, type Work } from './unit.js';

/** Children first, so foreign keys hold at every step. */
const TABLES_CHILDREN_FIRST = [
  'card_deliveries',
  'cards',
  'card_templates',
  'stream_deliveries',
  'stream_connections',
  'stream_tickets',
  'session_webhooks',
  'webhook_robots',
  'chat_entries',
  'chat_cursors',
  'chat_opens',
  'reads',
  'message_recipients',
  'message_media',
  'media_content',
  'media',
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

export function* serverSecret(fresh: Buffer): Work<Buffer> {
  // Two nodes starting together both try; the first insert wins and both read it back.
  yield* run(`INSERT INTO meta (key, value) VALUES ('server_secret', :secret) ON CONFLICT (key) DO NOTHING`, {
    secret: fresh,
  });
  const row = yield* get<{ value: Buffer }>(`SELECT value FROM meta WHERE key = 'server_secret'`);
  return Buffer.from((row as { value: Buffer }).value);
}

const LOCAL_CA_KEY = 'local_ca';

/** A stored CA is JSON text in a meta row: no table of its own for one row that never changes. */
function* storedLocalCa(): Work<LocalCaRecord | undefined> {
  const row = yield* get<{ value: Buffer | Uint8Array }>(`SELECT value FROM meta WHERE key = :key`, { key: LOCAL_CA_KEY });
  if (!row) return undefined;
  const { certificatePem, privateKeyPem } = JSON.parse(Buffer.from(row.value).toString('utf8')) as LocalCaRecord;
  return { certificatePem, privateKeyPem };
}

export function* findLocalCa(): Work<LocalCaRecord | undefined> {
  return yield* storedLocalCa();
}

export function* keepLocalCa(candidate: LocalCaRecord): Work<LocalCaRecord> {
  const value = Buffer.from(JSON.stringify({ certificatePem: candidate.certificatePem, privateKeyPem: candidate.privateKeyPem }));
  yield* run(`INSERT INTO meta (key, value) VALUES (:key, :value) ON CONFLICT (key) DO NOTHING`, { key: LOCAL_CA_KEY, value });
  return (yield* storedLocalCa()) as LocalCaRecord;
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
  // The sequence, the server secret and the local CA stay (all in meta or counters): cursors and
  // keys issued before stay unforgeable, and a CA a developer trusted stays trusted. The answer
  // stamps stay too, and grow: a stamp that fell back could match an answer kept from before.
  yield* answersChanged([{ chatKey: STORE_WIDE, stripe: 0 }]);
}

#!/usr/bin/env node
// Measures per-operation costs of a Store, for docs/SCALING.md. Run after `npm run build`:
//   node bench/store-costs.js sqlite          (a temporary SQLite file)
//   node bench/store-costs.js postgres [URL]  (a temporary schema, dropped afterwards)
// Prints one JSON object: operations per second for each operation run alone (one caller at a
// time, and `concurrency` callers at once on PostgreSQL), and bytes per row from the database.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { newProcessQueryKey } from '../dist/src/core/ids.js';
import { systemRandom } from '../dist/src/core/random.js';
import { PostgresStore } from '../dist/src/store/postgres/postgres-store.js';
import { SqliteStore } from '../dist/src/store/sqlite/sqlite-store.js';

const kind = process.argv[2] ?? 'sqlite';
const url = process.argv[3] ?? 'postgres://postgres@127.0.0.1:5432/test';
const MEMBERS = 500;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const schema = `dingread_bench_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'dingread-bench-'));
const store =
  kind === 'postgres'
    ? await PostgresStore.open({ url, schema, poolSize: CONCURRENCY })
    : // The database's own costs: without the lookup cache, which would answer repeated pages from memory.
      new SqliteStore({ path: join(dir, 'bench.db'), lookupCache: false });

const users = Array.from({ length: MEMBERS }, (_, i) => `user${String(i).padStart(5, '0')}`);
await store.applyFixture([
  {
    corpId: 'benchcorp',
    name: 'Bench',
    apps: [{ appKey: 'benchapp', secretHash: 'x', scopes: [] }],
    users: users.map((userId) => ({ userId, name: userId })),
    robots: [{ robotCode: 'benchbot', name: 'Bot', status: 'active', templateStatus: 'active', ownerAppKey: null }],
    conversations: [
      { openConversationId: 'cidBench==', type: 'group', title: 'G', coolAppCode: null, members: users, robots: ['benchbot'] },
    ],
  },
]);
const org = await store.findOrg('benchcorp');
const app = await store.findApp('benchapp');
const robot = await store.findRobot('benchbot');
const conversation = await store.findConversation('cidBench==');
const chat = { kind: 'conversation', conversationId: conversation.id };

/** Runs `op(i)` n times with `parallel` callers; returns operations per second. */
async function rate(n, parallel, op) {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) await op(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return Math.round(n / seconds);
}

let sent = 0;
const send = async () => {
  sent++;
  return store.insertMessage({
    // Made as the server makes them, naming their chat (src/core/ids.ts): found in it at once.
    processQueryKey: newProcessQueryKey(systemRandom, robot.id, conversation.id),
    kind: 'group',
    orgId: org.id,
    appId: app.id,
    robotId: robot.id,
    conversationId: conversation.id,
    msgKey: 'sampleText',
    msgParam: '{"content":"a message of about forty bytes"}',
    sentAt: Date.now(),
    deliveredAt: Date.now(),
  });
};

const results = { store: kind, members: MEMBERS, messages: MESSAGES, concurrency: CONCURRENCY, opsPerSecond: {} };
const parallelism = kind === 'postgres' ? [1, CONCURRENCY] : [1];
const keys = [];
for (const p of parallelism) {
  results.opsPerSecond[`send x${p}`] = await rate(MESSAGES / 2, p, async () => keys.push((await send()).processQueryKey));
}
const pagedKeys = keys.slice(0, 200);
for (const p of parallelism) {
  // One read of one user a call: the common case of a client reporting a read.
  results.opsPerSecond[`read x${p}`] = await rate(MESSAGES, p, (i) =>
    store.recordReads([{ processQueryKey: keys[i % keys.length], userId: users[(i * 7 + p) % MEMBERS], readAt: Date.now() }]),
  );
  results.opsPerSecond[`open chat x${p}`] = await rate(MEMBERS, p, (i) => store.openChat(org.id, chat, users[i], Date.now()));
  // A chat query's one read: the message by its key and a page of its readers.
  results.opsPerSecond[`reader page (200) x${p}`] = await rate(MESSAGES / 2, p, (i) =>
    store.readerPage(pagedKeys[i % pagedKeys.length], '', 200),
  );
  results.opsPerSecond[`find message x${p}`] = await rate(MESSAGES, p, (i) => store.findMessage(keys[i % keys.length]));
}
// Bytes per row: the database's own accounting (tables and indexes) over the rows it holds.
let client;
if (kind === 'postgres') {
  client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`ANALYZE ${schema}.messages, ${schema}.reads, ${schema}.chat_opens, ${schema}.chat_cursors`);
  const { rows } = await client.query(
    `SELECT c.relname AS table, c.reltuples::bigint AS rows, pg_total_relation_size(c.oid) AS bytes
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname IN ('messages', 'reads', 'chat_opens', 'chat_cursors')`,
    [schema],
  );
  results.tables = Object.fromEntries(
    rows.map((r) => [r.table, { rows: Number(r.rows), bytes: Number(r.bytes), bytesPerRow: Math.round(Number(r.bytes) / Math.max(1, Number(r.rows))) }]),
  );
}
// Purging: messages per second, each with its reads, in batches of 500.
const before = sent;
const purgeStarted = process.hrtime.bigint();
let purged = 0;
for (;;) {
  const n = await store.purgeMessagesBefore(Date.now() + 1, 500);
  purged += n;
  if (n < 500) break;
}
results.opsPerSecond['purge, messages'] = Math.round(purged / (Number(process.hrtime.bigint() - purgeStarted) / 1e9));
results.purged = `${purged} of ${before}`;
if (kind === 'postgres') {
  await store.close();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
} else {
  await store.close();
  results.fileBytes = statSync(join(dir, 'bench.db')).size;
}
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(results, null, 2));

/**
 * The distributed PostgreSQL of docs/SCALING.md (Citus-style: every traffic table sharded by its
 * chat, the directory replicated), with PostgreSQL's own hash partitions standing in for shards.
 *
 * The schema is the real one: the store's migrations run, then every traffic table is rebuilt as a
 * HASH-partitioned copy by its distribution key (SHARDS partitions), with its keys, indexes and
 * foreign keys recreated from the catalog, so the test follows the migrations. A key that does not
 * hold the distribution key cannot be unique across partitions, nor across Citus's shards: those
 * are listed (UNENFORCEABLE_KEYS) and become plain indexes.
 *
 * A server on that schema then runs every read-status API call. Each statement the store sends is
 * captured with its parameters and EXPLAINed as a custom plan (the key values known when the
 * statement is planned, which is what a router planner needs to send it to one shard), and the
 * partitions each plan reaches are compared with CROSSINGS: a new crossing fails the test, and so
 * does a listed one that no longer happens. What each call writes is recorded by row triggers on
 * the partitions and compared with WRITE_SPANS the same way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { ACME } from '../helpers/fixtures.js';
import { dropSchema, inSchema, newSchema, POSTGRES_URL, postgresSkipReason, schemaUrl } from '../helpers/postgres.js';
import { call, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';

/** Tables colocated by one key share a shard number: `chat/2` holds the rows of the same chats in every table by chat. */
type Colocation = 'chat';

/** The traffic tables and their distribution keys (docs/SCALING.md, "On a distributed PostgreSQL"). */
const DISTRIBUTED: Record<string, { key: string; by: Colocation }> = {
  messages: { key: 'chat_key', by: 'chat' },
  message_recipients: { key: 'chat_key', by: 'chat' },
  reads: { key: 'chat_key', by: 'chat' },
  message_media: { key: 'chat_key', by: 'chat' },
  chat_opens: { key: 'chat_key', by: 'chat' },
  chat_cursors: { key: 'chat_key', by: 'chat' },
  chat_entries: { key: 'chat_key', by: 'chat' },
  answer_stamps: { key: 'chat_key', by: 'chat' },
};

/** Small, read on every request: replicated to every worker. */
const REFERENCE = [
  'meta',
  'counters',
  'store_stamps',
  'schema_version',
  'orgs',
  'apps',
  'tokens',
  'suites',
  'suite_tokens',
  'users',
  'robots',
  'conversations',
  'conversation_robots',
  'memberships',
  'webhook_robots',
  'card_templates',
];

/**
 * Tables that grow with traffic but are outside the read-status path (Stream mode, cards, media):
 * left plain here, their distribution not decided yet. A new table must join one of the three lists.
 */
const NOT_YET_DISTRIBUTED = [
  'session_webhooks',
  'stream_tickets',
  'stream_connections',
  'stream_deliveries',
  'cards',
  'card_deliveries',
  'media',
  'media_content',
];

const SHARDS = 4;

/** Keys that do not hold their table's distribution key: no shard can check them alone. */
const UNENFORCEABLE_KEYS = [
  // Numbers from event_seq: unique by construction. (chat_key, id) is the key the others refer to.
  'messages PRIMARY KEY (id)',
  // Its 32 bytes (24 of them random) keep it unique in practice; found in the chat it names.
  'messages UNIQUE (process_query_key)',
  // Numbers from event_seq: unique by construction.
  'chat_entries PRIMARY KEY (seq)',
  // A user message's msgId, from a random source.
  'chat_entries UNIQUE (msg_id)',
];

/**
 * The statements that reach more than one shard when planned, by the API call that sent them and
 * the table, with the reason; `evenAtExecution` when they do so even where PostgreSQL prunes
 * partitions as the statement runs (the key is nowhere in the statement). Every read-status call,
 * send, read, open and recall names its chat in each statement it sends, so none is here.
 */
const CROSSINGS: Array<{ calls: string[]; tables: string[]; reason: string; evenAtExecution?: true }> = [
  {
    calls: ['unknown key'],
    tables: ['messages'],
    evenAtExecution: true,
    reason:
      'a processQueryKey that names no chat (made up, or made before keys named their chat, core/ids.ts) is looked for in every ' +
      'chat: an index probe on every shard. A key the server made is found in the chat it names',
  },
  {
    calls: ['purge'],
    tables: ['messages'],
    evenAtExecution: true,
    reason: 'retention picks the oldest messages by time, and the oldest one left, in every shard (on Citus, on every worker side by side)',
  },
  {
    calls: ['purge'],
    tables: ['chat_opens'],
    reason: 'and deletes the opens that cover nothing any more, by their bound, in every chat',
  },
];

/** Calls whose writes reach more than one shard (a distributed transaction on Citus), with the reason. */
const WRITE_SPANS: Record<string, string> = {
  reads: "a batch of reads of messages in several chats: each chat's shard",
  purge: 'a batch of messages of several chats, with their reads and recipients, and the opens left covering nothing in any chat',
};

interface Captured {
  call: string;
  sql: string;
  values: unknown[];
}

/**
 * The statements of one simple query (the store sends BEGIN, locks, a statement's PREPARE and its
 * EXECUTE with the arguments written in, and COMMIT as one), split at the semicolons outside
 * literals and comments.
 */
function splitStatements(text: string): string[] {
  return splitOutside(text, ';');
}

/** Text split at a separator that is outside literals, comments and parentheses. */
function splitOutside(text: string, separator: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'") {
      // E'…' (how the driver escapes text with backslashes) takes backslash escapes; '' is a quote in both.
      const backslashes = /[eE]/.test(text[i - 1] ?? '') && !/\w/.test(text[i - 2] ?? '');
      for (i++; i < text.length; i++) {
        if (backslashes && text[i] === '\\') i++;
        else if (text[i] === "'" && text[i + 1] === "'") i++;
        else if (text[i] === "'") break;
      }
    } else if (c === '"') {
      i = text.indexOf('"', i + 1);
      if (i < 0) break;
    } else if (c === '-' && text[i + 1] === '-') {
      i = text.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === separator && depth === 0) {
      statements.push(text.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  statements.push(text.slice(start));
  return statements.map((statement) => statement.trim()).filter((statement) => statement !== '');
}

/**
 * Every `Relation Name` in an EXPLAIN (FORMAT JSON) plan, at any depth; with `executedOnly`, of
 * EXPLAIN ANALYZE, only those of nodes that ran (a partition pruned at execution never runs).
 */
function relationsOf(plan: unknown, executedOnly: boolean, into = new Set<string>()): Set<string> {
  if (Array.isArray(plan)) for (const item of plan) relationsOf(item, executedOnly, into);
  else if (plan !== null && typeof plan === 'object') {
    const node = plan as Record<string, unknown>;
    const name = node['Relation Name'];
    if (typeof name === 'string' && (!executedOnly || Number(node['Actual Loops'] ?? 1) > 0)) into.add(name);
    for (const value of Object.values(node)) if (typeof value === 'object') relationsOf(value, executedOnly, into);
  }
  return into;
}

/** A partition's table and shard (`chat/3`), or undefined for any other relation. */
function shardOf(relation: string): { table: string; shard: string } | undefined {
  const match = /^(.+)_p(\d+)$/.exec(relation);
  const table = match?.[1];
  if (!match || table === undefined || !(table in DISTRIBUTED)) return undefined;
  return { table, shard: `${(DISTRIBUTED[table] as { by: Colocation }).by}/${match[2]}` };
}

/**
 * Rebuilds the traffic tables of a migrated schema as hash-partitioned copies, keys, indexes and
 * foreign keys taken from the catalog; returns the keys that could not stay unique.
 */
async function distribute(client: pg.Client, schema: string): Promise<string[]> {
  const names = Object.keys(DISTRIBUTED);
  const foreignKeys = (
    await client.query<{ name: string; owner: string; definition: string }>(
      `SELECT c.conname AS name, c.conrelid::regclass::text AS owner, pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
       WHERE n.nspname = $1 AND c.contype = 'f' AND (c.conrelid::regclass::text = ANY ($2) OR c.confrelid::regclass::text = ANY ($2))`,
      [schema, names],
    )
  ).rows;
  for (const fk of foreignKeys) await client.query(`ALTER TABLE ${fk.owner} DROP CONSTRAINT ${fk.name}`);
  const unenforceable: string[] = [];
  for (const [table, { key }] of Object.entries(DISTRIBUTED)) {
    const keys = (
      await client.query<{ name: string; type: string; columns: string[]; definition: string; index: string }>(
        `SELECT c.conname AS name, c.contype AS type, pg_get_constraintdef(c.oid) AS definition, c.conindid::regclass::text AS index,
           ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k (attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
         FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype IN ('p', 'u') ORDER BY c.conname`,
        [table],
      )
    ).rows;
    const indexes = (
      await client.query<{ definition: string }>(
        `SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
         WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
        [table],
      )
    ).rows;
    await client.query(`ALTER TABLE ${table} RENAME TO ${table}_plain`);
    await client.query(
      `CREATE TABLE ${table}_distributed (LIKE ${table}_plain INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY)
       PARTITION BY HASH (${key})`,
    );
    for (let i = 0; i < SHARDS; i++) {
      await client.query(`CREATE TABLE ${table}_p${i} PARTITION OF ${table}_distributed FOR VALUES WITH (MODULUS ${SHARDS}, REMAINDER ${i})`);
    }
    await client.query(`INSERT INTO ${table}_distributed SELECT * FROM ${table}_plain`);
    await client.query(`DROP TABLE ${table}_plain`);
    await client.query(`ALTER TABLE ${table}_distributed RENAME TO ${table}`);
    for (const constraint of keys) {
      if (constraint.columns.includes(key)) {
        await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${constraint.name} ${constraint.definition}`);
      } else {
        // Kept as an index, so lookups by it stay index scans in every partition.
        unenforceable.push(`${table} ${constraint.definition}`);
        await client.query(`CREATE INDEX ${constraint.index} ON ${table} (${constraint.columns.join(', ')})`);
      }
    }
    for (const index of indexes) await client.query(index.definition);
  }
  for (const fk of foreignKeys) await client.query(`ALTER TABLE ${fk.owner} ADD CONSTRAINT ${fk.name} ${fk.definition}`);
  // What each call writes, partition by partition (row triggers on a partitioned table fire on the partition).
  await client.query(`CREATE TABLE write_log (partition TEXT NOT NULL)`);
  await client.query(
    `CREATE FUNCTION log_write() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN INSERT INTO ${schema}.write_log (partition) VALUES (TG_TABLE_NAME); RETURN NULL; END $$`,
  );
  for (const table of names) {
    await client.query(`CREATE TRIGGER logged AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${schema}.log_write()`);
  }
  return unenforceable.sort();
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown;

describe('a distributed PostgreSQL, hash partitions standing in for shards', { skip: postgresSkipReason }, () => {
  const schema = newSchema();
  let server: TestServer | undefined;
  let explainer: pg.Client | undefined;
  const original = pg.Client.prototype.query as unknown as Query;
  const captured: Captured[] = [];
  /** The API call the statements being sent belong to (undefined: not captured). */
  let current: string | undefined;
  /** Per call, the partitions its writes reached. */
  const written = new Map<string, Set<string>>();
  let tablesBefore: string[] = [];
  let unenforceable: string[] = [];
  const answers: Record<string, unknown> = {};
  let recalledKey: string | undefined;

  /** Per crossing (`call: table`), the statements that made it: when planned, and as a read ran. */
  const planned = new Map<string, string[]>();
  const executed = new Map<string, string[]>();
  const seen = new Set<string>();

  const shardsOf = async (statement: Captured, analyze: boolean): Promise<Map<string, Set<string>>> => {
    const client = explainer as pg.Client;
    const explain = analyze ? 'EXPLAIN (ANALYZE, FORMAT JSON)' : 'EXPLAIN (FORMAT JSON)';
    const plan = (await client.query({ text: `${explain} ${statement.sql}`, values: statement.values })).rows[0]['QUERY PLAN'];
    const byTable = new Map<string, Set<string>>();
    for (const relation of relationsOf(plan, analyze)) {
      const found = shardOf(relation);
      if (found) byTable.set(found.table, (byTable.get(found.table) ?? new Set()).add(found.shard));
    }
    return byTable;
  };
  /**
   * Each table reached in more than one shard; or, if each is in one, a statement that joins shards
   * of different keys, named by the keys (`chat+message`): which of its tables ran can depend on the rows.
   */
  const crossingsOf = (call: string, byTable: Map<string, Set<string>>): string[] => {
    const crossed = [...byTable].filter(([, shards]) => shards.size > 1).map(([table]) => table);
    const shards = new Set([...byTable.values()].flatMap((set) => [...set]));
    if (crossed.length === 0 && shards.size > 1) crossed.push([...new Set([...shards].map((shard) => shard.split('/')[0]))].sort().join('+'));
    return crossed.map((table) => `${call}: ${table}`);
  };
  const note = (into: Map<string, string[]>, keys: string[], sql: string) => {
    for (const key of keys) into.set(key, [...(into.get(key) ?? []), sql.replace(/\s+/g, ' ').trim().slice(0, 100)]);
  };
  /**
   * Explains a call's statements as soon as it is done, while the rows they read are as the call
   * left them (a later call, such as the purge, may delete them).
   */
  async function explainAll(statements: Captured[]): Promise<void> {
    for (const statement of statements) {
      if (!/^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b/i.test(statement.sql)) continue;
      const id = `${statement.call}\n${statement.sql}\n${JSON.stringify(statement.values)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const byTable = await shardsOf(statement, false);
      if (byTable.size === 0) continue;
      note(planned, crossingsOf(statement.call, byTable), statement.sql);
      // A read runs again under ANALYZE: which partitions PostgreSQL reached once it knew the keys
      // the statement computes from its own rows (pruning at execution, which a router planner lacks).
      if (/^\s*(WITH|SELECT)\b/i.test(statement.sql) && !/\b(INSERT|UPDATE|DELETE)\b/i.test(statement.sql)) {
        note(executed, crossingsOf(statement.call, await shardsOf(statement, true)), statement.sql);
      }
    }
  }

  /** The texts the store PREPAREd, by name, whichever call prepared them. */
  const preparedTexts = new Map<string, string>();
  /** A simple query's statement as it runs: an EXECUTE becomes its prepared text with the arguments in. */
  function asRun(sql: string): string | undefined {
    const prepare = /^PREPARE\s+(\w+)\s+AS\s+([\s\S]*)$/i.exec(sql);
    if (prepare) {
      preparedTexts.set(prepare[1] as string, prepare[2] as string);
      return undefined;
    }
    const execute = /^EXECUTE\s+(\w+)\s*(?:\(([\s\S]*)\))?$/i.exec(sql);
    if (!execute) return sql;
    const text = preparedTexts.get(execute[1] as string);
    assert.ok(text !== undefined, `EXECUTE of a statement never prepared: ${sql}`);
    const args = splitOutside(execute[2] ?? '', ',');
    return text.replace(/\$(\d+)/g, (_match, n: string) => args[Number(n) - 1] as string);
  }

  function capture(first: unknown, second: unknown): void {
    const call = current;
    if (typeof first === 'string') {
      if (Array.isArray(second)) {
        if (call !== undefined) captured.push({ call, sql: first, values: second });
        return;
      }
      for (const statement of splitStatements(first)) {
        const sql = asRun(statement);
        if (sql !== undefined && call !== undefined) captured.push({ call, sql, values: [] });
      }
    } else if (call === undefined) {
      return;
    } else if (first !== null && typeof first === 'object' && typeof (first as { text?: unknown }).text === 'string') {
      const { text, values } = first as { text: string; values?: unknown[] };
      captured.push({ call, sql: text, values: values ?? [] });
    }
  }

  before(async () => {
    await (await PostgresStore.open({ url: POSTGRES_URL, schema })).close();
    await inSchema(schema, async (client) => {
      tablesBefore = (
        await client.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, [schema])
      ).rows.map((row) => row.name);
      unenforceable = await distribute(client, schema);
    });
    explainer = new pg.Client({ connectionString: POSTGRES_URL });
    await explainer.connect();
    await explainer.query(`SET search_path = ${schema}`);
    await explainer.query(`SET plan_cache_mode = force_custom_plan`);

    // Every statement of the server's pool (its connections name the schema in their options).
    const options = `-c search_path=${schema}`;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if ((this as unknown as { connectionParameters?: { options?: string } }).connectionParameters?.options === options) capture(args[0], args[1]);
      return original.apply(this, args);
    } as unknown as typeof pg.Client.prototype.query;

    server = await startTestServer({ storeSpec: schemaUrl(schema), retention: false });
    const s = server;
    const token = await tokenFor(s.url, ACME.appKey, ACME.appSecret);
    const msg = { msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'hello; world' }) };

    const log = async (): Promise<string[]> =>
      (await (explainer as pg.Client).query<{ partition: string }>(`DELETE FROM write_log RETURNING partition`)).rows.map((row) => row.partition);
    async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
      await log(); // what came before, such as the directory the server was seeded with
      current = name;
      const from = captured.length;
      try {
        return await work();
      } finally {
        current = undefined;
        written.set(name, new Set(await log()));
        await explainAll(captured.slice(from));
      }
    }
    async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
      const answer = await call(s.url, method, path, { token, ...(body === undefined ? {} : { body }) });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body as Record<string, unknown>;
    }
    const group = { robotCode: ACME.robot, openConversationId: ACME.smallGroup };
    const privateChat = { robotCode: ACME.robot, openConversationId: ACME.pair };

    const groupKey = (await step('group send', () => api('POST', '/v1.0/robot/groupMessages/send', { ...group, ...msg }))).processQueryKey as string;
    const otoKey = (
      await step('one-on-one send', () => api('POST', '/v1.0/robot/oToMessages/batchSend', { robotCode: ACME.robot, userIds: ['u0001', 'u0002'], ...msg }))
    ).processQueryKey as string;
    const privateKey = (
      await step('private chat send', () =>
        api('POST', '/v1.0/robot/privateChatMessages/send', { ...privateChat, coolAppCode: ACME.coolAppCode, ...msg }),
      )
    ).processQueryKey as string;
    answers['read'] = await step('read', () => s.admin('POST', '/reads', { reads: [{ processQueryKey: groupKey, userId: 'u0002' }] }));
    answers['reads'] = await step('reads', () =>
      s.admin('POST', '/reads', {
        reads: [
          { processQueryKey: groupKey, userId: 'u0003' },
          { processQueryKey: otoKey, userId: 'u0001' },
          { processQueryKey: privateKey, userId: 'u0002' },
        ],
      }),
    );
    answers['group open'] = await step('group open', () =>
      s.admin('POST', `/conversations/${encodeURIComponent(ACME.smallGroup)}/read`, { userId: 'u0004' }),
    );
    answers['robot chat open'] = await step('robot chat open', () => s.admin('POST', `/robots/${ACME.robot}/chats/u0002/read`, {}));
    const groupQuery = { ...group, processQueryKey: groupKey, maxResults: 50 };
    const readStatus = `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=${encodeURIComponent(otoKey)}`;
    const privateQuery = { ...privateChat, processQueryKey: privateKey, maxResults: 50 };
    // Each query twice: the second is served from the node's memory once its chat's stamp is checked.
    for (const again of ['', ' again']) {
      answers[`group query${again}`] = await step(`group query${again}`, () => api('POST', '/v1.0/robot/groupMessages/query', groupQuery));
      answers[`readStatus${again}`] = await step(`readStatus${again}`, () => api('GET', readStatus));
      answers[`private chat query${again}`] = await step(`private chat query${again}`, () =>
        api('POST', '/v1.0/robot/privateChatMessages/query', privateQuery),
      );
    }
    // A key no send made: it names no chat, so it is looked for in every one.
    answers['unknown key'] = await step('unknown key', async () => {
      const unknown = `/v1.0/robot/oToMessages/readStatus?robotCode=${ACME.robot}&processQueryKey=${encodeURIComponent('bWFkZSB1cA==')}`;
      const answer = await call(s.url, 'GET', unknown, { token });
      return { status: answer.status, code: (answer.body as { code?: string }).code };
    });
    recalledKey = groupKey;
    answers['recall'] = await step('recall', () => api('POST', '/v1.0/robot/groupMessages/recall', { ...group, processQueryKeys: [groupKey] }));
    answers['group query after recall'] = await step('group query after recall', () =>
      api('POST', '/v1.0/robot/groupMessages/query', groupQuery),
    );
    // What users write: an entry of the user's chat with the robot, which opens that chat too.
    answers['user message'] = await step('user message', () => s.admin('POST', `/robots/${ACME.robot}/chats/u0003/messages`, { text: 'hi; there' }));
    answers['chat timeline'] = await step('chat timeline', () => s.admin('GET', `/robots/${ACME.robot}/chats/u0003/messages`));
    answers['message listing'] = await step('message listing', () =>
      s.admin('GET', `/messages?openConversationId=${encodeURIComponent(ACME.smallGroup)}&total=true`),
    );
    // Retention's job, last: it deletes every message sent so far.
    answers['purge'] = await step('purge', () => s.ctx.store.purgeMessagesBefore(s.ctx.clock.now() + 1, 500));
  });

  after(async () => {
    pg.Client.prototype.query = original as unknown as typeof pg.Client.prototype.query;
    await server?.close();
    await explainer?.end();
    await dropSchema(schema);
  });

  it('distributes the traffic tables, replicates the directory, and knows which keys no shard can enforce', () => {
    assert.deepEqual(tablesBefore, [...Object.keys(DISTRIBUTED), ...REFERENCE, ...NOT_YET_DISTRIBUTED].sort(), 'every table is in one list');
    assert.deepEqual(unenforceable, [...UNENFORCEABLE_KEYS].sort());
  });

  it('answers every call on the distributed schema as on a plain one', () => {
    assert.deepEqual(answers['read'], { accepted: 1, ignored: [] });
    assert.deepEqual(answers['reads'], { accepted: 3, ignored: [] });
    assert.deepEqual(answers['group open'], { marked: 1 });
    assert.deepEqual(answers['robot chat open'], { marked: 1 });
    for (const again of ['', ' again']) {
      assert.deepEqual(answers[`group query${again}`], { sendStatus: 'SUCCESS', readUserIds: ['u0002', 'u0003', 'u0004'], hasMore: false });
      const readStatus = answers[`readStatus${again}`] as { sendStatus: string; messageReadInfoList: Array<{ readTimestamp?: unknown }> };
      assert.deepEqual(
        { ...readStatus, messageReadInfoList: readStatus.messageReadInfoList.map((info) => ({ ...info, readTimestamp: typeof info.readTimestamp })) },
        {
          sendStatus: 'SUCCESS',
          messageReadInfoList: [
            { name: 'User u0001', userId: 'u0001', readStatus: 'READ', readTimestamp: 'number' },
            { name: 'User u0002', userId: 'u0002', readStatus: 'READ', readTimestamp: 'number' },
          ],
        },
      );
      assert.deepEqual(answers[`private chat query${again}`], { sendStatus: 'SUCCESS', readUserIds: ['u0002'], hasMore: false });
    }
    assert.deepEqual(answers['recall'], { successResult: [recalledKey], failedResult: {} });
    assert.deepEqual(answers['unknown key'], { status: 400, code: 'invalid.processQueryKey' });
    const listing = answers['message listing'] as { total: number; items: Array<{ processQueryKey: string }> };
    assert.equal(listing.total, 1);
    assert.deepEqual(
      listing.items.map((item) => item.processQueryKey),
      [recalledKey],
    );
    const timeline = answers['chat timeline'] as { items: Array<{ via: string; text: string }> };
    assert.deepEqual(
      timeline.items.map(({ via, text }) => ({ via, text })),
      [{ via: 'user', text: 'hi; there' }],
    );
    assert.equal(answers['purge'], 3);
    assert.deepEqual(answers['group query after recall'], { sendStatus: 'RECALLED', readUserIds: ['u0002', 'u0003', 'u0004'], hasMore: false });
  });

  it('sends each statement to one shard, but for the crossings listed', () => {
    for (const name of written.keys()) assert.ok(captured.some((statement) => statement.call === name), `the statements of ${name} were captured`);
    const unexplained = (found: Map<string, string[]>, listed: string[]) =>
      [...found.keys()].filter((key) => !listed.includes(key)).map((key) => `${key} <- ${found.get(key)?.join(' | ')}`);
    const expand = (crossings: typeof CROSSINGS) => [
      ...new Set(crossings.flatMap(({ calls, tables }) => calls.flatMap((call) => tables.map((table) => `${call}: ${table}`)))),
    ];
    const listedPlanned = expand(CROSSINGS);
    const listedExecuted = expand(CROSSINGS.filter((crossing) => crossing.evenAtExecution));
    assert.deepEqual(unexplained(planned, listedPlanned), [], 'statements that cross shards and are not listed');
    assert.deepEqual(listedPlanned.filter((key) => !planned.has(key)), [], 'listed crossings that no longer happen');
    // Which other partitions a read reaches as it runs depends on its plan's shape (a join may or may
    // not carry the key as a value), so only the crossings no plan can avoid are asserted here.
    assert.deepEqual(listedExecuted.filter((key) => !executed.has(key)), [], 'listed as crossing even at execution, and no longer do');
  });

  it("keeps each call's writes on one shard, but for the spans listed", () => {
    const spans: string[] = [];
    for (const [name, partitions] of written) {
      const shards = new Set([...partitions].map((partition) => shardOf(partition)?.shard ?? partition));
      if (shards.size > 1) spans.push(`${name}: ${[...shards].sort().join(' ')}`);
    }
    for (const name of ['group send', 'one-on-one send', 'private chat send', 'read', 'group open', 'robot chat open', 'recall', 'user message']) {
      const shards = new Set([...(written.get(name) ?? [])].map((partition) => shardOf(partition)?.shard ?? partition));
      assert.equal(shards.size, 1, `${name} writes one shard`);
    }
    assert.deepEqual(spans.filter((span) => !(span.split(':')[0] as string in WRITE_SPANS)), [], 'calls whose writes span shards and are not listed');
    assert.deepEqual(
      Object.keys(WRITE_SPANS).filter((name) => !spans.some((span) => span.startsWith(`${name}:`))),
      [],
      'listed spans that no longer happen',
    );
  });
});

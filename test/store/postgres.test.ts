/**
 * The PostgreSQL store: the shared conformance suite, the differential test against the
 * in-memory store, and what only a shared database asks for (nodes migrating together, a schema
 * from the future, writers racing on the event sequence and on first-read-wins).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { after, describe, it } from 'node:test';
import { StoreConflictError, StoreUnavailableError, type MessageRecord, type Store } from '../../src/core/store.js';
import { newProcessQueryKey } from '../../src/core/ids.js';
import { systemRandom } from '../../src/core/random.js';
import { SchemaTooNewError } from '../../src/store/errors.js';
import { openStore, StoreSpecError } from '../../src/store/open-store.js';
import { MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { parsePostgresUrl, PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { get, lock, run, type UnitMode, type Work } from '../../src/store/sql/unit.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import {
  dropSchema,
  dropTestSchemas,
  freshPostgresStore,
  inSchema,
  newSchema,
  POSTGRES_URL,
  postgresSkipReason,
  schemaUrl,
} from '../helpers/postgres.js';
import { groupMessageRecord, readerIdsOf, recipientsOf } from '../helpers/store-records.js';
import { until } from '../helpers/wait.js';
import { storeConformance, storeDifferential } from './conformance.js';

after(dropTestSchemas);

const memoryStore = async (): Promise<Store> => new SqliteStore({ path: ':memory:' });

describe('the PostgreSQL driver', () => {
  it('is loaded only by a PostgreSQL store, never by a server on another store', () => {
    // A fresh process: this one has loaded the driver already (test/helpers/postgres.ts).
    const server = new URL('../../src/server.js', import.meta.url).href;
    const script = `
      import { createRequire } from 'node:module';
      import { startServer } from ${JSON.stringify(server)};
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => /[\\/]node_modules[\\/]pg[\\/]/.test(path));
      for (const store of ['memory', 'sqlite::memory:']) {
        const running = await startServer({ store, port: 0, retention: false });
        await running.close();
      }
      process.stdout.write(String(loaded()));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, 'false');
  });
});

if (postgresSkipReason) {
  describe('PostgreSQL store', { skip: postgresSkipReason }, () => {
    it('conformance, differential and concurrency suites');
  });
} else {
  storeConformance('postgres', freshPostgresStore);
  storeDifferential('memory vs postgres', memoryStore, freshPostgresStore, 60);

  describe('postgres store', () => {
    const plan = () => [
      {
        corpId: 'corp',
        name: 'Corp',
        apps: [{ appKey: 'app', secretHash: 'h', scopes: ['s'] }],
        users: Array.from({ length: 8 }, (_, i) => ({ userId: `u${i}`, name: `User ${i}` })),
        robots: [{ robotCode: 'bot', name: 'Bot', status: 'active' as const, templateStatus: 'active' as const, ownerAppKey: null }],
        conversations: [
          {
            openConversationId: 'cid==',
            type: 'group' as const,
            title: 'G',
            coolAppCode: null,
            members: Array.from({ length: 8 }, (_, i) => `u${i}`),
            robots: ['bot'],
          },
        ],
      },
    ];

    it('reports what it is, and opens from a --store URL with its schema', async () => {
      const schema = newSchema();
      const store = openStore(schemaUrl(schema));
      try {
        assert.equal(store.kind, 'postgres');
        assert.deepEqual(store.capabilities, { durable: true, sharedAcrossProcesses: true });
        await store.serverSecret();
        const tables = await inSchema(schema, async (client) => (await client.query(`SELECT count(*)::int AS n FROM ${schema}.orgs`)).rows[0]);
        assert.deepEqual(tables, { n: 0 });
      } finally {
        await store.close();
        await dropSchema(schema);
      }
      assert.throws(() => openStore(`${POSTGRES_URL}?schema=Bad-Name`), StoreSpecError);
      assert.throws(() => openStore(`${POSTGRES_URL}?pool=0`), StoreSpecError);
      assert.throws(() => openStore(`${POSTGRES_URL}?groupCommit=maybe`), StoreSpecError);
      assert.equal(parsePostgresUrl({ url: `${POSTGRES_URL}?groupCommit=off&pool=3` }).groupCommit, false);
      const on = parsePostgresUrl({ url: `${POSTGRES_URL}?groupCommit=on&schema=s1` });
      assert.deepEqual([on.groupCommit, on.schema, /groupCommit/.test(on.connectionString)], [true, 's1', false], 'read, and not passed on to the driver');
      assert.equal(parsePostgresUrl({ url: POSTGRES_URL }).groupCommit, true, 'on unless turned off');
    });

    it('two nodes starting together on an empty schema migrate it once and share one secret', async () => {
      const schema = newSchema();
      const nodes = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 2 })));
      try {
        const secrets = await Promise.all(nodes.map((node) => node.serverSecret()));
        for (const secret of secrets) assert.deepEqual(secret, secrets[0]);
        // Each node makes a CA of its own at once; the first write wins and every node keeps it.
        const cas = await Promise.all(nodes.map((node, i) => node.keepLocalCa({ certificatePem: `cert ${i}`, privateKeyPem: `key ${i}` })));
        for (const ca of cas) assert.deepEqual(ca, cas[0]);
        const versions = await inSchema(schema, async (client) => (await client.query(`SELECT version FROM schema_version ORDER BY version`)).rows);
        assert.deepEqual(versions, MIGRATIONS.map((_, i) => ({ version: i + 1 })));
      } finally {
        await Promise.all(nodes.map((node) => node.close()));
        await dropSchema(schema);
      }
    });

    it("upgrades a schema from before the chat led every key: messages, recipients, reads and stamps keep their meaning", async () => {
      // A schema as that version left it: its migrations only, and its rows as it wrote them (a
      // group message read by u2, a one-on-one message to u1 and u2 read by u1, stamps of the
      // chat and of the store).
      const schema = newSchema();
      const before = MIGRATIONS.findIndex((sql) => sql.includes('CREATE UNIQUE INDEX messages_by_chat'));
      const messageColumns = `(id, process_query_key, kind, org_id, app_id, robot_id, conversation_id, msg_key, msg_param, sent_at,
        delivered_at, member_version, recipient_count)`;
      const message = (id: number, key: string, conversation: number | null) =>
        `(${id}, '${key}', '${conversation === null ? 'oto' : 'group'}', 1, 1, 1, ${conversation ?? 'NULL'}, 'sampleText', '{}', 10, 10,
          ${conversation === null ? 'NULL' : 1}, 2)`;
      try {
        await inSchema(schema, async (client) => {
          await client.query(`CREATE SCHEMA ${schema}`);
          await client.query(`CREATE TABLE schema_version (version INTEGER NOT NULL)`);
          for (const [i, sql] of MIGRATIONS.slice(0, before).entries()) {
            await client.query(sql);
            await client.query(`INSERT INTO schema_version (version) VALUES ($1)`, [i + 1]);
          }
          await client.query(`INSERT INTO orgs (id, corp_id, name) VALUES (1, 'corp', 'Corp');
            INSERT INTO apps (id, org_id, app_key, secret_hash, scopes) VALUES (1, 1, 'app', 'h', '["s"]');
            INSERT INTO users (org_id, user_id, name) VALUES (1, 'u1', 'One'), (1, 'u2', 'Two');
            INSERT INTO robots (id, org_id, robot_code, name, status, template_status) VALUES (1, 1, 'bot', 'Bot', 'active', 'active');
            INSERT INTO conversations (id, org_id, open_conversation_id, type, member_version, member_count) VALUES (1, 1, 'cid==', 'group', 1, 2);
            INSERT INTO conversation_robots (conversation_id, robot_id) VALUES (1, 1);
            INSERT INTO memberships (conversation_id, user_id, from_version, to_version)
              VALUES (1, 'u1', 1, ${Number.MAX_SAFE_INTEGER}), (1, 'u2', 1, ${Number.MAX_SAFE_INTEGER});
            INSERT INTO messages ${messageColumns} VALUES ${message(1, 'g1', 1)}, ${message(2, 'o1', null)};
            INSERT INTO message_recipients (message_id, user_id, position) VALUES (2, 'u1', 0), (2, 'u2', 1);
            INSERT INTO reads (message_id, user_id, read_at) VALUES (1, 'u2', 20), (2, 'u1', 21);
            INSERT INTO answer_stamps (chat_key, stripe, n) VALUES ('*', 0, 5), ('c1', 0, 2);
            SELECT setval('event_seq', 2);`);
        });
        const store = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 2 });
        try {
          assert.deepEqual((await store.readerPage('g1', '', 10))?.readerIds, ['u2'], "the group message's read, in its chat");
          const readTimes = async () => (await store.recipientReads('o1'))?.recipients.map(({ userId, readAt }) => ({ userId, readAt }));
          assert.deepEqual(await readTimes(), [
            { userId: 'u1', readAt: 21 },
            { userId: 'u2', readAt: null },
          ]);
          assert.deepEqual(await store.recordReads([{ processQueryKey: 'o1', userId: 'u2', readAt: 30 }], 40), { accepted: 1, ignored: [] });
          assert.deepEqual(await readTimes(), [
            { userId: 'u1', readAt: 21 },
            { userId: 'u2', readAt: 30 },
          ]);
          const stamps = await inSchema(schema, async (client) => ({
            storeWide: (await client.query(`SELECT stripe, n FROM store_stamps`)).rows,
            chats: (await client.query(`SELECT chat_key, stripe, n FROM answer_stamps WHERE stripe = 0 ORDER BY chat_key`)).rows,
            chatKeys: (await client.query(`SELECT process_query_key, chat_key FROM messages ORDER BY id`)).rows,
          }));
          assert.deepEqual(stamps.storeWide, [{ stripe: 0, n: '5' }], 'the store-wide stamp moved to its own table, its count kept');
          assert.deepEqual(stamps.chats, [{ chat_key: 'c1', stripe: 0, n: '2' }]);
          assert.deepEqual(stamps.chatKeys, [
            { process_query_key: 'g1', chat_key: 'c1' },
            { process_query_key: 'o1', chat_key: 'r1' },
          ]);
          // A node of the version before, still running, fails its sends and its store-wide stamps
          // instead of writing a message of no chat, or a stamp no node reads any more.
          await assert.rejects(
            inSchema(schema, (client) => client.query(`INSERT INTO messages ${messageColumns} VALUES ${message(3, 'g3', 1)}`)),
            /messages_of_a_chat/,
          );
          await assert.rejects(
            inSchema(schema, (client) =>
              client.query(`INSERT INTO answer_stamps (chat_key, stripe, n) VALUES ('*', 0, 1)
                ON CONFLICT (chat_key, stripe) DO UPDATE SET n = answer_stamps.n + 1`),
            ),
            /answer_stamps_of_a_chat/,
          );
        } finally {
          await store.close();
        }
      } finally {
        await dropSchema(schema);
      }
    });

    it('refuses a schema written by a newer dingread, and leaves it as it was', async () => {
      const schema = newSchema();
      await (await PostgresStore.open({ url: POSTGRES_URL, schema })).close();
      await inSchema(schema, (client) => client.query(`INSERT INTO schema_version (version) VALUES ($1)`, [MIGRATIONS.length + 1]));
      await assert.rejects(PostgresStore.open({ url: POSTGRES_URL, schema }), (error: unknown) => {
        assert.ok(error instanceof SchemaTooNewError);
        assert.match(error.message, new RegExp(`schema version ${MIGRATIONS.length + 1}`));
        return true;
      });
      const lazily = openStore(schemaUrl(schema));
      await assert.rejects(lazily.serverSecret(), SchemaTooNewError, 'the first call of a store opened lazily fails the same way');
      await lazily.close();
      const max = await inSchema(schema, async (client) => (await client.query(`SELECT max(version) AS v FROM schema_version`)).rows[0]);
      assert.deepEqual(max, { v: MIGRATIONS.length + 1 });
      await dropSchema(schema);
    });

    it('keeps everything across a close and a reopen, and the sequence goes on', async () => {
      const schema = newSchema();
      const first = await PostgresStore.open({ url: POSTGRES_URL, schema });
      await first.applyFixture(plan());
      const secret = await first.serverSecret();
      const { message } = await sendOne(first, 'k1');
      await first.openChat(message.orgId, { kind: 'conversation', conversationId: message.conversationId as number }, 'u1', 5);
      const directory = await first.dumpDirectory();
      await first.close();
      const second = await PostgresStore.open({ url: POSTGRES_URL, schema });
      try {
        assert.deepEqual(await second.serverSecret(), secret);
        assert.deepEqual(await second.dumpDirectory(), directory);
        assert.deepEqual(await second.findMessage('k1'), message);
        const next = (await sendOne(second, 'k2')).message;
        assert.ok(next.id > message.id);
        assert.deepEqual(await readerIdsOf(second, next, '', 10), []);
        assert.deepEqual(await readerIdsOf(second, message, '', 10), ['u1']);
      } finally {
        await second.close();
        await dropSchema(schema);
      }
    });

    it('translates driver errors: a repeated key is a conflict, a database out of reach is unavailable', async () => {
      const store = await freshPostgresStore();
      try {
        await store.applyFixture(plan());
        await sendOne(store, 'dup');
        await assert.rejects(sendOne(store, 'dup'), StoreConflictError);
      } finally {
        await store.close();
      }
      const nowhere = openStore('postgres://postgres@127.0.0.1:1/test?schema=nowhere');
      await assert.rejects(nowhere.serverSecret(), StoreUnavailableError);
      await nowhere.close();
    });

    it('nodes keep records in memory and drop what another node changed once its signal arrives; answers are checked on every call', async () => {
      const schema = newSchema();
      const a = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 2 });
      const b = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 2 });
      try {
        await a.applyFixture(plan());
        // Renamed behind both stores' backs, so only a record kept in memory still has the old name.
        let renames = 0;
        const renameBehind = () => inSchema(schema, (client) => client.query(`UPDATE robots SET name = $1 WHERE robot_code = 'bot'`, [`behind ${++renames}`]));
        // The cache keeps nothing until the node listens for the others' signals: wait for that.
        await until('node a keeps the robot in memory', async () => {
          const before = (await a.findRobot('bot'))?.name;
          await renameBehind();
          return (await a.findRobot('bot'))?.name === before;
        });
        assert.notEqual((await a.findRobot('bot'))?.name, `behind ${renames}`, 'served from memory');
        // Any write on node b that may change the directory tells node a to drop its records.
        const app = (await b.findApp('app')) as { id: number };
        await b.saveAppToken(app.id, 1, 'token-hash', Date.now() + 60_000);
        await until("node a hears node b's write", async () => (await a.findRobot('bot'))?.name === `behind ${renames}`);
        // A read reported to one node shows at once in the other's answers.
        const { message } = await sendOne(a, 'cached');
        assert.deepEqual(await readerIdsOf(a, message, '', 10), []);
        await b.recordReads([{ processQueryKey: 'cached', userId: 'u1', readAt: 1 }]);
        assert.deepEqual(await readerIdsOf(a, message, '', 10), ['u1']);
      } finally {
        await a.close();
        await b.close();
        await dropSchema(schema);
      }
    });

    it("a node keeps a read-status answer while its chat's stamp stands; any node's read, open, recall or reset changes the stamp", async () => {
      const schema = newSchema();
      const a = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 2 });
      const b = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 2 });
      try {
        await a.applyFixture(plan());
        const { message } = await sendOne(a, 'stamped');
        const conversation = (await a.findConversation('cid==')) as { id: number; orgId: number };
        const readBehind = (userId: string) =>
          inSchema(schema, (client) =>
            client.query(`INSERT INTO reads (chat_key, message_id, user_id, read_at) VALUES ($1, $2, $3, 1)`, [
              `c${message.conversationId}`,
              message.id,
              userId,
            ]),
          );
        assert.deepEqual(await readerIdsOf(a, message, '', 10), []);
        assert.deepEqual(await recipientsOf(a, message).then((all) => all.filter((r) => r.readAt !== null)), []);
        // A read written behind the store's back changes no stamp: node a serves what it kept.
        await readBehind('u2');
        assert.deepEqual(await readerIdsOf(a, message, '', 10), [], 'served from memory');
        assert.deepEqual(await recipientsOf(a, message).then((all) => all.filter((r) => r.readAt !== null)), [], 'served from memory');
        // A read through node b changes the chat's stamp: node a reads again, at once, no signal awaited.
        await b.recordReads([{ processQueryKey: 'stamped', userId: 'u1', readAt: 2 }]);
        assert.deepEqual(await readerIdsOf(a, message, '', 10), ['u1', 'u2']);
        await readBehind('u3');
        assert.deepEqual(await readerIdsOf(a, message, '', 10), ['u1', 'u2'], 'kept again');
        assert.equal(await b.openChat(conversation.orgId, { kind: 'conversation', conversationId: conversation.id }, 'u4', 3), 1);
        assert.deepEqual(await readerIdsOf(a, message, '', 10), ['u1', 'u2', 'u3', 'u4']);
        await b.recallMessage(message, 4);
        assert.notEqual((await a.readerPage('stamped', '', 10))?.message.recalledAt, null, 'the recall shows');
        // A reset clears the tables but not the stamps, which grow: nothing kept from before matches.
        await b.reset();
        assert.equal(await a.readerPage('stamped', '', 10), undefined);
      } finally {
        await a.close();
        await b.close();
        await dropSchema(schema);
      }
    });

    it('calls for one chat share stamp checks, but never one that may have read the stamps before they came', async () => {
      /** A node whose one-statement reads can be held after they ran, as if their answer were still on its way. */
      class Held extends PostgresStore {
        oneStatementReads = 0;
        hold: Promise<void> | undefined;
        protected override async unit<T>(mode: UnitMode, make: () => Work<T>): Promise<T> {
          if (mode !== 'statement') return super.unit(mode, make);
          this.oneStatementReads++;
          const hold = this.hold;
          const result = await super.unit(mode, make);
          if (hold) await hold;
          return result;
        }
      }
      const schema = newSchema();
      const a = new Held({ url: POSTGRES_URL, schema, poolSize: 4 });
      const b = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 2 });
      try {
        await a.applyFixture(plan());
        const key = await madeKey(a, 'cid==');
        const { message } = await sendOne(a, key);
        assert.deepEqual(await readerIdsOf(a, message, '', 10), [], 'kept, with its stamp');
        let release = (): void => undefined;
        a.hold = new Promise<void>((resolve) => (release = resolve));
        a.oneStatementReads = 0;
        // The first call's check has read the stamps and is on its way back...
        const early = readerIdsOf(a, message, '', 10);
        await until('the early check ran', () => a.oneStatementReads === 1);
        a.hold = undefined;
        // ...when another node's read commits, and then two more calls come.
        await b.recordReads([{ processQueryKey: key, userId: 'u1', readAt: 2 }]);
        const late = [readerIdsOf(a, message, '', 10), readerIdsOf(a, message, '', 10)];
        assert.equal(a.oneStatementReads, 1, 'the late calls wait: the check on its way may be older than they are');
        release();
        assert.deepEqual(await early, [], 'the early call came before the read');
        assert.deepEqual(await Promise.all(late), [['u1'], ['u1']], 'the late calls see the read');
        assert.equal(a.oneStatementReads, 4, 'the early check, one check shared by both late calls, then each reads the page again');
      } finally {
        await a.close();
        await b.close();
        await dropSchema(schema);
      }
    });

    it("the stamp checks of one turn go as one statement for every chat asked about; each chat's answer stays exact", async () => {
      /** A node that counts its one-statement reads (stamp checks and pages). */
      class Counting extends PostgresStore {
        oneStatementReads = 0;
        protected override unit<T>(mode: UnitMode, make: () => Work<T>): Promise<T> {
          if (mode === 'statement') this.oneStatementReads++;
          return super.unit(mode, make);
        }
      }
      const schema = newSchema();
      const a = new Counting({ url: POSTGRES_URL, schema, poolSize: 4 });
      const b = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 2 });
      const chats = ['cid==', 'c1==', 'c2==', 'c3==', 'c4=='];
      try {
        await a.applyFixture(withChats(plan(), chats));
        const messages = await Promise.all(chats.map(async (chat) => sendTo(a, chat, await madeKey(a, chat))));
        for (const message of messages) assert.deepEqual(await readerIdsOf(a, message, '', 10), [], 'kept, with its stamp');
        a.oneStatementReads = 0;
        const pages = await Promise.all(messages.map((message) => readerIdsOf(a, message, '', 10)));
        assert.deepEqual(pages, chats.map(() => []));
        assert.equal(a.oneStatementReads, 1, "one check for the five chats' stamps");

        // Another node's read in one chat: that chat's next call reads its page again; the others are served as kept.
        await b.recordReads([{ processQueryKey: (messages[2] as MessageRecord).processQueryKey, userId: 'u1', readAt: 2 }]);
        a.oneStatementReads = 0;
        const again = await Promise.all(messages.map((message) => readerIdsOf(a, message, '', 10)));
        assert.deepEqual(again, [[], [], ['u1'], [], []]);
        assert.equal(a.oneStatementReads, 2, 'the check, then the one page that changed');

        // A key the server did not make (it names no chat) is looked for in every chat first: one statement more.
        const unnamed = await sendTo(a, 'c3==', 'made elsewhere');
        a.oneStatementReads = 0;
        assert.deepEqual(await readerIdsOf(a, unnamed, '', 10), []);
        assert.equal(a.oneStatementReads, 2, "the key's chat, then the page there");
        // One that names another chat than its message's: looked for where it says, then everywhere.
        const misnamed = await sendTo(a, 'c3==', await madeKey(a, 'c4=='));
        a.oneStatementReads = 0;
        assert.deepEqual(await readerIdsOf(a, misnamed, '', 10), []);
        assert.equal(a.oneStatementReads, 3, "the chat it names, the key's chat, then the page there");
      } finally {
        await a.close();
        await b.close();
        await dropSchema(schema);
      }
    });

    it('no lock all writers share: sends in two chats on two nodes complete while a third chat is held', { timeout: 120_000 }, async () => {
      const schema = newSchema();
      const gate = 0x6e0de;
      const { a, b, c, gatekeeper, close } = await nodesWithAGate(schema, gate);
      try {
        const groups = ['cid==', 'c2==', 'c3=='];
        const base = plan()[0] as ReturnType<typeof plan>[number];
        const template = base.conversations[0] as (typeof base.conversations)[number];
        await a.applyFixture([{ ...base, conversations: groups.map((id) => ({ ...template, openConversationId: id })) }]);
        await gatekeeper.query('SELECT pg_advisory_lock($1)', [gate]);
        const third = sendTo(c, 'c3==', 'held');
        await until('the send into the third chat holds its lock and waits at the gate', async () => {
          const { rows } = await gatekeeper.query(
            `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock_shared%'`,
          );
          return rows.length > 0;
        });
        const [first, second] = await Promise.all([sendTo(a, 'cid==', 'first'), sendTo(b, 'c2==', 'second')]);
        const conversation = (await a.findConversation('cid==')) as { id: number; orgId: number };
        assert.equal(await b.openChat(conversation.orgId, { kind: 'conversation', conversationId: conversation.id }, 'u1', 5), 1, 'an open of the first chat too');
        await gatekeeper.query('SELECT pg_advisory_unlock($1)', [gate]);
        const last = await third;
        assert.ok(first.id !== second.id && last.id !== first.id && last.id !== second.id, 'one sequence, no number twice');
        assert.deepEqual(await Promise.all(['first', 'second', 'held'].map(async (key) => (await b.findMessage(key))?.id)), [first.id, second.id, last.id]);
      } finally {
        await close();
        await dropSchema(schema);
      }
    });

    it("sends a unit's last statement with its COMMIT, parameters written in safely, and refuses a unit that goes on", async () => {
      const schema = newSchema();
      const probe = new WriteProbe({ url: POSTGRES_URL, schema, poolSize: 1 });
      try {
        const tricky = "it's a \\ backslash -- and 'quotes'; COMMIT; DROP TABLE messages";
        const row = await probe.runWrite(function* () {
          yield* run('CREATE TABLE probe (v TEXT, n BIGINT)');
          return yield* get<{ v: string; n: number }>('INSERT INTO probe (v, n) VALUES (:v, 1 - :n) RETURNING v, n', { v: tricky, n: -5 }, { last: true });
        });
        assert.deepEqual(row, { v: tricky, n: 6 });
        await assert.rejects(
          probe.runWrite(function* () {
            yield* run('INSERT INTO probe (v, n) VALUES (:v, 7)', { v: 'first' }, { last: true });
            yield* run('INSERT INTO probe (v, n) VALUES (:v, 8)', { v: 'second' });
          }),
          /went on after/,
        );
        const rows = await inSchema(schema, async (client) => (await client.query('SELECT v FROM probe ORDER BY n')).rows);
        assert.deepEqual(rows.map((r: { v: string }) => r.v), [tricky, 'first'], 'the statement marked last committed; nothing after it ran');
        assert.ok(await inSchema(schema, async (client) => (await client.query(`SELECT to_regclass('messages') AS t`)).rows[0].t), 'no statement smuggled in');
      } finally {
        await probe.close();
        await dropSchema(schema);
      }
    });

    it('a group send is one round trip, its insert prepared once per connection; a failed batch that prepared drops its connection', async () => {
      const schema = newSchema();
      const store = new WriteProbe({ url: POSTGRES_URL, schema, poolSize: 1 });
      try {
        await store.applyFixture(plan());
        const send = await sender(store);
        const sendWatched = async (key: string): Promise<{ message: MessageRecord; texts: string[] }> => {
          const { value, texts } = await watched(() => send('cid==', key));
          return { message: value, texts };
        };
        const first = await sendWatched('one');
        assert.equal(first.texts.length, 1, 'one query to the server');
        assert.match(first.texts[0] as string, /^BEGIN;\s*SELECT pg_advisory_xact_lock_shared\(.*PREPARE \w+ AS INSERT INTO messages[\s\S]*nextval\('event_seq'\)[\s\S]*;\s*EXECUTE \w+\(.*\);\s*COMMIT$/s);
        const second = await sendWatched('two');
        assert.equal(second.texts.length, 1);
        assert.doesNotMatch(second.texts[0] as string, /PREPARE/, 'the connection prepared the insert already');
        assert.match(second.texts[0] as string, /EXECUTE \w+\(/);
        assert.ok(second.message.id > first.message.id, 'the numbers come from the sequence, rising');
        assert.deepEqual(await Promise.all(['one', 'two'].map(async (key) => (await store.findMessage(key))?.id)), [first.message.id, second.message.id]);

        // A one-on-one send is two: its recipients go with the COMMIT, written out rather than
        // prepared when they are many (a plan per batch size and connection would cost memory).
        const many = Array.from({ length: 40 }, (_, i) => `r${String(i).padStart(2, '0')}`);
        const robot = (await store.findRobot('bot')) as { id: number };
        const ids = { org: { id: first.message.orgId }, app: { id: first.message.appId }, robot, conversation: { id: 0 } };
        const oto = await watched(() => store.insertMessage({ ...groupMessageRecord(ids, 'oto'), kind: 'oto', conversationId: null, recipients: many }));
        assert.equal(oto.texts.length, 2, 'the message with BEGIN and the lock; the recipients with the COMMIT');
        assert.match(oto.texts[1] as string, /^INSERT INTO message_recipients[\s\S]*'r39'[\s\S]*;\s*COMMIT$/);
        assert.deepEqual((await recipientsOf(store, oto.value)).map((r) => r.userId), many, 'every recipient, in order');

        // PREPARE outlives a rollback, so after a failed batch that prepared, which statements the
        // connection holds is unknown: the store drops the connection rather than guess.
        const backend = async (): Promise<number> =>
          ((await store.runWrite(function* () {
            return yield* get<{ pid: number }>('SELECT pg_backend_pid() AS pid', {}, { last: true });
          })) as { pid: number }).pid;
        await store.runWrite(function* () {
          yield* run('CREATE TABLE probe (v TEXT PRIMARY KEY)');
        });
        const before = await backend();
        const insert = (v: string) =>
          store.runWrite(function* () {
            return yield* run('INSERT INTO probe (v) VALUES (:v)', { v }, { last: true });
          });
        await store.runWrite(function* () {
          yield* run(`INSERT INTO probe (v) SELECT 'taken'`);
        });
        await assert.rejects(insert('taken'), StoreConflictError);
        assert.notEqual(await backend(), before, 'a fresh connection');
        assert.equal(await insert('free'), 1, 'prepared again on the fresh connection');
      } finally {
        await store.close();
        await dropSchema(schema);
      }
    });

    it('the sends of one event-loop turn commit together: one round trip, their chats locked in one order', async () => {
      const schema = newSchema();
      const store = new WriteProbe({ url: POSTGRES_URL, schema, poolSize: 2 });
      const alone = new WriteProbe({ url: POSTGRES_URL, schema, poolSize: 2, groupCommit: false });
      try {
        await store.applyFixture(withChats(plan(), ['cid==', 'cid2==']));
        const send = await sender(store);
        const keys = ['a1', 'b1', 'a2', 'b2'];
        const { value: sent, texts: all } = await watched(() => Promise.all(keys.map((key) => send(key.startsWith('a') ? 'cid==' : 'cid2==', key))));
        // (The bus's LISTEN, made on first use, is not the sends'.)
        const texts = all.filter((text) => !text.startsWith('LISTEN '));
        assert.equal(texts.length, 1, 'one query to the server for the four sends');
        const text = texts[0] as string;
        const locked = /^BEGIN;\s*SELECT CAST\(CASE WHEN bool_and\(pg_try_advisory_xact_lock_shared\(hashtextextended\(k, 0\)\)\)[\s\S]*?FROM unnest\(ARRAY\[([^\]]*)\]/.exec(text);
        assert.ok(locked, text);
        const chats = (locked[1] as string).split(', ');
        assert.equal(chats.length, 2, 'each chat locked once');
        assert.deepEqual(chats, [...chats].sort(), 'in one order for every group');
        assert.equal(text.match(/EXECUTE \w+\(/g)?.length, 4);
        assert.match(text, /;\s*COMMIT$/);
        const ids = sent.map((message) => message.id);
        assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'numbered in the order they came');
        assert.equal(new Set(ids).size, 4);
        for (const [i, key] of keys.entries()) assert.equal((await store.findMessage(key))?.id, ids[i]);
        assert.deepEqual(
          sent.map((message) => message.openConversationId),
          ['cid==', 'cid2==', 'cid==', 'cid2=='],
          'each answered with its own row',
        );

        // Turned off, each send is a transaction of its own.
        const sendAlone = await sender(alone);
        const one = await watched(() => Promise.all(['c1', 'c2'].map((key) => sendAlone('cid==', key))));
        assert.equal(one.texts.filter((text) => text.startsWith('BEGIN')).length, 2);
      } finally {
        await Promise.all([store.close(), alone.close()]);
        await dropSchema(schema);
      }
    });

    it("a send whose chat an open holds does not hold back the other chats' sends of its turn", { timeout: 60_000 }, async () => {
      const schema = newSchema();
      const store = new WriteProbe({ url: POSTGRES_URL, schema, poolSize: 4 });
      const holder = new pg.Client({ connectionString: POSTGRES_URL });
      await holder.connect();
      try {
        await store.applyFixture(withChats(plan(), ['cid==', 'cid2==']));
        const send = await sender(store);
        const held = (await store.findConversation('cid==')) as { id: number };
        const chatLock = `${schema}\nc${held.id}`;
        // The chat's lock held exclusively, as an open or a recall of it holds it.
        await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [chatLock]);
        let heldSent = false;
        const intoHeld = send('cid==', 'h1').then((message) => {
          heldSent = true;
          return message;
        });
        const other = await send('cid2==', 'o1');
        assert.equal((await store.findMessage('o1'))?.id, other.id, 'the other chat committed');
        await until('the send into the held chat waits for its lock', async () => {
          const { rows } = await holder.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock_shared(%'`);
          return rows.length > 0;
        });
        assert.equal(heldSent, false);
        await holder.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [chatLock]);
        const late = await intoHeld;
        assert.ok(late.id !== other.id);
        assert.equal((await store.findMessage('h1'))?.id, late.id);
      } finally {
        await holder.end();
        await store.close();
        await dropSchema(schema);
      }
    });

    it('a refused send of a group fails alone; a group whose COMMIT may be lost sends nothing twice', async () => {
      const schema = newSchema();
      const store = new WriteProbe({ url: POSTGRES_URL, schema, poolSize: 2 });
      const count = async (): Promise<number> => inSchema(schema, async (client) => (await client.query('SELECT count(*)::int AS n FROM messages')).rows[0].n as number);
      try {
        await store.applyFixture(plan());
        const send = await sender(store);
        await send('cid==', 'taken');
        // The group fails on the taken key, nothing of it kept; each then runs alone.
        const outcomes = await Promise.allSettled([send('cid==', 'x1'), send('cid==', 'taken'), send('cid==', 'x2')]);
        assert.equal(outcomes[0].status, 'fulfilled');
        assert.equal(outcomes[2].status, 'fulfilled');
        assert.equal(outcomes[1].status, 'rejected');
        assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof StoreConflictError);
        assert.equal(await count(), 3, 'taken, x1 and x2, each once');

        // The connection drops as the COMMIT's answer comes: the group may have committed, so no
        // send runs again, and each fails as a lone write would.
        const original = pg.Client.prototype.query;
        pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
          const answer = (original as (...a: unknown[]) => unknown).apply(this, args);
          if (typeof args[0] === 'string' && /EXECUTE[\s\S]*COMMIT$/.test(args[0])) {
            return (answer as Promise<unknown>).then(() => {
              throw new Error('Connection terminated unexpectedly');
            });
          }
          return answer;
        } as typeof original;
        let lost: Array<PromiseSettledResult<MessageRecord>>;
        try {
          lost = await Promise.allSettled([send('cid==', 'y1'), send('cid==', 'y2')]);
        } finally {
          pg.Client.prototype.query = original;
        }
        for (const outcome of lost) {
          assert.equal(outcome.status, 'rejected');
          assert.ok((outcome as PromiseRejectedResult).reason instanceof StoreUnavailableError);
        }
        assert.equal(await count(), 5, 'committed once, not sent again');
        assert.ok(await store.findMessage('y1'));
        assert.ok(await send('cid==', 'z'), 'the store goes on, on a fresh connection');
      } finally {
        await store.close();
        await dropSchema(schema);
      }
    });

    it('sends asked for as the store closes are committed and answered before its pool ends', async () => {
      const schema = newSchema();
      const setup = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 1 });
      // A node that has heard nothing on its bus yet closes in a few microtasks: before the end of
      // the turn, when its sends would have gone.
      const store = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 2 });
      try {
        await setup.applyFixture(plan());
        const sendThrough = await sender(setup, store);
        const send = (key: string): Promise<MessageRecord> => sendThrough('cid==', key);
        const sending = Promise.all(['q1', 'q2', 'q3'].map(send));
        await store.close();
        const sent = await sending;
        assert.equal(new Set(sent.map((message) => message.id)).size, 3);
        await assert.rejects(send('late'), StoreUnavailableError, 'a send after close is refused');
        for (const message of sent) assert.equal((await setup.findMessage(message.processQueryKey))?.id, message.id);
      } finally {
        await Promise.all([store.close(), setup.close()]);
        await dropSchema(schema);
      }
    });

    it('an append a group cannot take runs alone, and nothing of its group is lost', async () => {
      const schema = newSchema();
      const store = new WriteProbe({ url: POSTGRES_URL, schema, poolSize: 2 });
      try {
        await store.runWrite(function* () {
          yield* run('CREATE TABLE probe (v TEXT PRIMARY KEY)');
        });
        const append = (v: string, mode: 'send' | 'exclusive') =>
          store.runAppend(function* () {
            yield* lock({ kind: 'chat', chatKey: `c${v}`, mode });
            return yield* run('INSERT INTO probe (v) VALUES (:v)', { v }, { last: true });
          });
        const { value, texts } = await watched(() => Promise.all([append('shared', 'send'), append('exclusive', 'exclusive')]));
        assert.deepEqual(value, [1, 1]);
        assert.equal(texts.length, 2, 'no group reached the server: one transaction each');
        assert.match(texts[1] as string, /pg_advisory_xact_lock\(/, 'the exclusive lock, taken alone');
        const rows = await inSchema(schema, async (client) => (await client.query('SELECT v FROM probe ORDER BY v')).rows);
        assert.deepEqual(rows.map((r: { v: string }) => r.v), ['exclusive', 'shared']);
      } finally {
        await store.close();
        await dropSchema(schema);
      }
    });

    it('sends into one chat run side by side; an open of it waits for the sends in flight and covers them', { timeout: 120_000 }, async () => {
      const schema = newSchema();
      const gate = 0x6e0df;
      const { a, b, c, gatekeeper, close } = await nodesWithAGate(schema, gate);
      const waitingOn = async (lockFunction: string): Promise<boolean> => {
        const { rows } = await gatekeeper.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, [`%${lockFunction}(%`]);
        return rows.length > 0;
      };
      try {
        await a.applyFixture(plan());
        const conversation = (await a.findConversation('cid==')) as { id: number; orgId: number };
        await gatekeeper.query('SELECT pg_advisory_lock($1)', [gate]);
        const held = sendTo(c, 'cid==', 'held');
        await until('the send holds the chat and waits at the gate', () => waitingOn('pg_advisory_xact_lock_shared'));
        // Another send into the same chat, on another node, is not kept waiting by it.
        const beside = await sendTo(a, 'cid==', 'beside');
        // An open of the chat is: the held send may take a number below the open's any moment.
        let opened: number | undefined;
        const open = b.openChat(conversation.orgId, { kind: 'conversation', conversationId: conversation.id }, 'u1', 5).then((n) => (opened = n));
        await until('the open waits for the send in flight', () => waitingOn('pg_advisory_xact_lock'));
        assert.equal(opened, undefined, 'the open has not finished while a send of its chat is in flight');
        await gatekeeper.query('SELECT pg_advisory_unlock($1)', [gate]);
        const last = await held;
        assert.equal(await open, 2, 'the open covers both sends, the one it waited for included');
        for (const message of [last, beside]) assert.deepEqual(await readerIdsOf(a, message, '', 10), ['u1']);
      } finally {
        await close();
        await dropSchema(schema);
      }
    });

    it('writers racing on two nodes: no id twice, an open covers exactly what it saw, first read wins', async () => {
      const schema = newSchema();
      const a = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 4 });
      const b = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 4 });
      try {
        await a.applyFixture(plan());
        const conversation = (await a.findConversation('cid==')) as { id: number; orgId: number };
        const chat = { kind: 'conversation' as const, conversationId: conversation.id };
        const marked: Record<string, number> = {};
        const sent: MessageRecord[] = [];
        // Sends, opens and reads of the same users in the same chat, all at once, on both nodes.
        await Promise.all(
          Array.from({ length: 40 }, async (_, i) => {
            const node = i % 2 === 0 ? a : b;
            const user = `u${i % 8}`;
            if (i % 3 === 0) sent.push((await sendOne(node, `race${i}`)).message);
            else if (i % 3 === 1) marked[`${i}`] = await node.openChat(conversation.orgId, chat, user, 1000 + i);
            else if (sent.length > 0) {
              const target = sent[sent.length - 1] as MessageRecord;
              await node.recordReads([{ processQueryKey: target.processQueryKey, userId: user, readAt: 1000 + i }]);
            }
          }),
        );
        // Every message each user has read was counted exactly once across that user's opens and
        // reads, and every read time is the earliest: checked against a replay on SQLite in id order
        // would need the interleaving, so check the invariants instead.
        for (const message of sent) {
          const current = (await a.findMessage(message.processQueryKey)) as MessageRecord;
          const page = await readerIdsOf(b, current, '', 100);
          const times = await recipientsOf(a, current);
          assert.deepEqual(page, times.filter((t) => t.readAt !== null).map((t) => t.userId), 'pages and read times agree');
          assert.equal(await b.countReaders(current), page.length);
        }
        const ids = sent.map((m) => m.id).sort((x, y) => x - y);
        assert.equal(new Set(ids).size, ids.length, 'no id handed out twice');
        // Opening again marks nothing a previous open or read already covered.
        const again = await Promise.all(Array.from({ length: 8 }, (_, u) => a.openChat(conversation.orgId, chat, `u${u}`, 9999)));
        const totalMarked = Object.values(marked).reduce((x, y) => x + y, 0) + again.reduce((x, y) => x + y, 0);
        let readByOpen = 0;
        for (const message of sent) {
          const times = await recipientsOf(a, (await a.findMessage(message.processQueryKey)) as MessageRecord);
          assert.equal(times.length, 8);
          for (const t of times) assert.notEqual(t.readAt, null, 'after everyone opened, everyone has read');
          readByOpen += times.filter((t) => t.readAt !== null).length;
        }
        const explicitReads = await inSchema(schema, async (client) => (await client.query(`SELECT count(*)::int AS n FROM reads`)).rows[0].n as number);
        assert.equal(totalMarked + explicitReads, readByOpen, 'each (message, user) read exactly once: by one open or one read');
      } finally {
        await a.close();
        await b.close();
        await dropSchema(schema);
      }
    });
  });
}

/**
 * Two nodes on the schema, and a third, c, that stops inside each unit once it holds its chat's
 * lock, until the gate opens: the gatekeeper's connection holds the advisory lock `gate` to close it.
 */
async function nodesWithAGate(schema: string, gate: number) {
  class HeldStore extends PostgresStore {
    protected override unit<T>(mode: UnitMode, make: () => Work<T>): Promise<T> {
      return super.unit(mode, () => heldAfterChatLock(make(), gate));
    }
  }
  const a = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 2 });
  const b = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 2 });
  const c = new HeldStore({ url: POSTGRES_URL, schema, poolSize: 2 });
  const gatekeeper = new pg.Client({ connectionString: POSTGRES_URL });
  await gatekeeper.connect();
  const close = async (): Promise<void> => {
    await gatekeeper.end();
    await Promise.all([a.close(), b.close(), c.close()]);
  };
  return { a, b, c, gatekeeper, close };
}

/** The unit's steps, with a wait at the advisory lock `gate` (shared) right after it takes its chat's lock. */
function* heldAfterChatLock<T>(work: Work<T>, gate: number): Work<T> {
  let next = work.next();
  while (!next.done) {
    const step = next.value;
    const result: unknown = yield step;
    if (step.op === 'lock' && step.lock.kind === 'chat') yield { op: 'run', sql: 'SELECT pg_advisory_xact_lock_shared(:gate)', params: { gate } };
    next = work.next(result);
  }
  return next.value;
}

/** A store whose units of work a test can run directly. */
class WriteProbe extends PostgresStore {
  runWrite<T>(make: () => Work<T>): Promise<T> {
    return this.unit('write', make);
  }
  runAppend<T>(make: () => Work<T>): Promise<T> {
    return this.unit('append', make);
  }
}

/** What `work` sends to the server, a text a query. */
async function watched<T>(work: () => Promise<T>): Promise<{ value: T; texts: string[] }> {
  const original = pg.Client.prototype.query;
  const texts: string[] = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const head = args[0] as string | { text?: string };
    texts.push(typeof head === 'string' ? head : (head.text ?? ''));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    return { value: await work(), texts };
  } finally {
    pg.Client.prototype.query = original;
  }
}

/** The test's directory with its group chat's copies under these open ids (the first, cid==, kept as it is). */
function withChats<T extends { conversations: Array<{ openConversationId: string }> }>(orgs: T[], openConversationIds: string[]): T[] {
  return orgs.map((org) => {
    const first = org.conversations[0] as T['conversations'][number];
    const more = openConversationIds.filter((id) => id !== first.openConversationId).map((id) => ({ ...first, openConversationId: id }));
    return { ...org, conversations: [first, ...more] };
  });
}

/**
 * Sends into the test directory's group chats (by open id) through `into`, the ids looked up in
 * `store` first, so that sends asked for together reach the store in one event-loop turn.
 */
async function sender(store: Store, into: Store = store): Promise<(openConversationId: string, key: string) => Promise<MessageRecord>> {
  const org = (await store.findOrg('corp')) as { id: number };
  const app = (await store.findApp('app')) as { id: number };
  const robot = (await store.findRobot('bot')) as { id: number };
  const conversations = new Map<string, { id: number }>();
  for (const openConversationId of ['cid==', 'cid2==']) {
    const conversation = await store.findConversation(openConversationId);
    if (conversation) conversations.set(openConversationId, conversation);
  }
  return (openConversationId, key) =>
    into.insertMessage(groupMessageRecord({ org, app, robot, conversation: conversations.get(openConversationId) as { id: number } }, key));
}

/** A processQueryKey as the server makes one for the bot's message into the conversation (core/ids.ts): it names its chat. */
async function madeKey(store: Store, openConversationId: string): Promise<string> {
  const robot = (await store.findRobot('bot')) as { id: number };
  const conversation = (await store.findConversation(openConversationId)) as { id: number };
  return newProcessQueryKey(systemRandom, robot.id, conversation.id);
}

async function sendTo(store: Store, openConversationId: string, key: string): Promise<MessageRecord> {
  const org = (await store.findOrg('corp')) as { id: number };
  const app = (await store.findApp('app')) as { id: number };
  const robot = (await store.findRobot('bot')) as { id: number };
  const conversation = (await store.findConversation(openConversationId)) as { id: number };
  return store.insertMessage(groupMessageRecord({ org, app, robot, conversation }, key));
}

async function sendOne(store: Store, key: string): Promise<{ message: MessageRecord }> {
  const org = (await store.findOrg('corp')) as { id: number };
  const app = (await store.findApp('app')) as { id: number };
  const robot = (await store.findRobot('bot')) as { id: number };
  const conversation = (await store.findConversation('cid==')) as { id: number };
  return { message: await store.insertMessage(groupMessageRecord({ org, app, robot, conversation }, key)) };
}

/**
 * The SQLite store, in memory and in a file: the shared conformance suite for both, the two
 * compared with each other on random programs, and what only a file can do (survive a reopen,
 * refuse a schema from the future).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { fc } from '../helpers/property.js';
import { StoreConflictError, type Store } from '../../src/core/store.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { compareCodePoints, SchemaTooNewError, SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { groupMessageRecord, readerIdsOf, recipientsOf } from '../helpers/store-records.js';
import { storeConformance, storeDifferential } from './conformance.js';
import { byCodePoints } from './program.js';

const root = mkdtempSync(join(tmpdir(), 'dingread-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
function newFile(): string {
  files++;
  return join(root, `db${files}`, 'dingread.db');
}

const memoryStore = async (): Promise<Store> => new SqliteStore({ path: ':memory:' });
const fileStore = async (): Promise<Store> => new SqliteStore({ path: newFile() });

storeConformance('memory', memoryStore);
storeConformance('sqlite file', fileStore);

describe('memory and file stores side by side', () => {
  it('report what they are', async () => {
    const memory = await memoryStore();
    const file = await fileStore();
    assert.equal(memory.kind, 'memory');
    assert.deepEqual(memory.capabilities, { durable: false, sharedAcrossProcesses: false });
    assert.equal(file.kind, 'sqlite');
    assert.deepEqual(file.capabilities, { durable: true, sharedAcrossProcesses: false });
    await memory.close();
    await file.close();
  });
});

storeDifferential('memory vs sqlite file', memoryStore, fileStore);
// Every answer the lookup cache gives must be the one the database gives at that moment.
storeDifferential('cached vs uncached', memoryStore, async () => new SqliteStore({ path: ':memory:', lookupCache: false }));

/** One corp with one app, two users, one robot and a two-member group: their records, and messages to send. */
async function seedGroup(store: SqliteStore) {
  await store.applyFixture([
    {
      corpId: 'corp',
      name: 'Corp',
      apps: [{ appKey: 'app', secretHash: 'h', scopes: ['s'] }],
      users: [
        { userId: 'u1', name: 'One' },
        { userId: 'u2', name: 'Two' },
      ],
      robots: [{ robotCode: 'bot', name: 'Bot', status: 'active', templateStatus: 'active', ownerAppKey: null }],
      conversations: [
        { openConversationId: 'cid==', type: 'group', title: 'G', coolAppCode: null, members: ['u1', 'u2'], robots: ['bot'] },
      ],
    },
  ]);
  const org = await store.findOrg('corp');
  const app = await store.findApp('app');
  const robot = await store.findRobot('bot');
  const conversation = await store.findConversation('cid==');
  assert.ok(org && app && robot && conversation);
  /** A new group message of the seeded robot into the seeded group. */
  const groupMessage = (processQueryKey: string, sentAt = 10) => groupMessageRecord({ org, app, robot, conversation }, processQueryKey, sentAt);
  return { org, app, robot, conversation, groupMessage };
}

describe('sqlite file store', () => {
  it('keeps everything across a close and a reopen, secret and local CA included', async () => {
    const path = newFile();
    const first = new SqliteStore({ path });
    const secret = await first.serverSecret();
    const ca = await first.keepLocalCa({ certificatePem: 'cert', privateKeyPem: 'key' });
    const { org, app, conversation, groupMessage } = await seedGroup(first);
    const message = await first.insertMessage(groupMessage('key+/='));
    await first.recordReads([{ processQueryKey: 'key+/=', userId: 'u2', readAt: 20 }]);
    await first.openChat(org.id, { kind: 'conversation', conversationId: conversation.id }, 'u1', 30);
    await first.saveAppToken(app.id, 1, 'token-hash', 99);
    const directory = await first.dumpDirectory();
    await first.close();

    const second = new SqliteStore({ path });
    try {
      assert.deepEqual(await second.serverSecret(), secret);
      assert.deepEqual(await second.findLocalCa(), ca);
      assert.deepEqual(await second.dumpDirectory(), directory);
      assert.deepEqual(await second.findMessage('key+/='), message);
      assert.deepEqual(await recipientsOf(second, message), [
        { userId: 'u1', name: 'One', readAt: 30 },
        { userId: 'u2', name: 'Two', readAt: 20 },
      ]);
      assert.equal((await second.findToken('token-hash'))?.expiresAt, 99);
      // The event sequence goes on where it stopped: a new message is not covered by the old open.
      const next = await second.insertMessage(groupMessage('key2', 40));
      assert.ok(next.id > message.id);
      assert.deepEqual(await readerIdsOf(second, next, '', 10), []);
    } finally {
      await second.close();
    }
  });

  it('commits writes that arrive together as one group: a failing one leaves nothing, the others stay', async () => {
    const path = newFile();
    const store = new SqliteStore({ path });
    const { groupMessage: message } = await seedGroup(store);
    await store.insertMessage(message('taken'));
    // Asked for in one turn of the event loop: one transaction, one savepoint each.
    const [first, duplicate, second] = await Promise.allSettled([
      store.insertMessage(message('a')),
      store.insertMessage(message('taken')),
      store.insertMessage(message('b')),
    ]);
    assert.ok(first.status === 'fulfilled' && second.status === 'fulfilled');
    assert.ok(duplicate.status === 'rejected' && duplicate.reason instanceof StoreConflictError);
    // The failed send drew a sequence number before it failed; that was undone with it.
    assert.equal(second.value.id, first.value.id + 1);
    // A write still waiting when the store closes is committed before the file closes.
    const closing = store.insertMessage(message('c'));
    await store.close();
    const last = await closing;
    const reopened = new SqliteStore({ path });
    try {
      assert.deepEqual(await reopened.findMessage('a'), first.value);
      assert.deepEqual(await reopened.findMessage('b'), second.value);
      assert.deepEqual(await reopened.findMessage('c'), last);
      assert.equal(last.id, second.value.id + 1);
    } finally {
      await reopened.close();
    }
  });

  it('upgrades a file written before chat cursors flagged reads: an open still leaves them out of its count', async () => {
    // A file as that version left it: its migrations only, and its rows as it wrote them (a group
    // of two, three messages, two of them read one by one by u2). The migrations after it add the
    // flag, and the chat's key to the messages and their reads.
    const path = newFile();
    mkdirSync(dirname(path), { recursive: true });
    const flagMigration = MIGRATIONS.findIndex((sql) => sql.includes('ADD COLUMN reads_past_cover'));
    const raw = new Database(path);
    for (const sql of MIGRATIONS.slice(0, flagMigration)) raw.exec(sql);
    const message = (id: number) => `(${id}, 'm${id}', 'group', 1, 1, 1, 1, 'sampleText', '{}', 10, 10, 1, 2)`;
    raw.exec(`INSERT INTO orgs (id, corp_id, name) VALUES (1, 'corp', 'Corp');
      INSERT INTO apps (id, org_id, app_key, secret_hash, scopes) VALUES (1, 1, 'app', 'h', '["s"]');
      INSERT INTO users (org_id, user_id, name) VALUES (1, 'u1', 'One'), (1, 'u2', 'Two');
      INSERT INTO robots (id, org_id, robot_code, name, status, template_status) VALUES (1, 1, 'bot', 'Bot', 'active', 'active');
      INSERT INTO conversations (id, org_id, open_conversation_id, type, member_version, member_count) VALUES (1, 1, 'cid==', 'group', 1, 2);
      INSERT INTO conversation_robots (conversation_id, robot_id) VALUES (1, 1);
      INSERT INTO memberships (conversation_id, user_id, from_version, to_version) VALUES (1, 'u1', 1, ${Number.MAX_SAFE_INTEGER}),
        (1, 'u2', 1, ${Number.MAX_SAFE_INTEGER});
      INSERT INTO messages (id, process_query_key, kind, org_id, app_id, robot_id, conversation_id, msg_key, msg_param, sent_at,
        delivered_at, member_version, recipient_count) VALUES ${[1, 2, 3].map(message).join(', ')};
      INSERT INTO reads (message_id, user_id, read_at) VALUES (1, 'u2', 20), (2, 'u2', 20);
      UPDATE counters SET value = 3 WHERE name = 'seq';`);
    raw.pragma(`user_version = ${flagMigration}`);
    raw.close();

    const upgraded = new SqliteStore({ path });
    try {
      const readers = async (key: string) => (await upgraded.readerPage(key, '', 10))?.readerIds;
      assert.deepEqual(await readers('m1'), ['u2'], "the read kept, in its message's chat");
      const chat = { kind: 'conversation', conversationId: 1 } as const;
      assert.equal(await upgraded.openChat(1, chat, 'u2', 30), 1, 'u2 had read two of three already');
      assert.equal(await upgraded.openChat(1, chat, 'u1', 30), 3);
      assert.deepEqual(await readers('m3'), ['u1', 'u2']);
    } finally {
      await upgraded.close();
    }
  });

  it('refuses a database written by a newer schema, and leaves it as it was', async () => {
    const path = newFile();
    await new SqliteStore({ path }).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    assert.throws(() => new SqliteStore({ path }), (error: unknown) => {
      assert.ok(error instanceof SchemaTooNewError);
      assert.match(error.message, new RegExp(`schema version ${MIGRATIONS.length + 1}`));
      return true;
    });
    const check = new Database(path);
    assert.equal(check.pragma('user_version', { simple: true }), MIGRATIONS.length + 1);
    check.close();
  });

  it('migrates a new file to the latest version, and opens a current one as it is', async () => {
    const path = newFile();
    const store = new SqliteStore({ path });
    await store.serverSecret();
    await store.close();
    const raw = new Database(path);
    assert.equal(raw.pragma('user_version', { simple: true }), MIGRATIONS.length);
    raw.close();
    const again = new SqliteStore({ path });
    await again.close();
  });
});

describe('reader-page merge helpers', () => {
  it('compareCodePoints orders as UTF-8 bytes do', () => {
    const ids = fc.string({ unit: 'grapheme', maxLength: 6 });
    fc.assert(
      fc.property(ids, ids, (a, b) => {
        assert.equal(Math.sign(compareCodePoints(a, b)), Math.sign(byCodePoints(a, b)));
      }),
    );
    assert.ok(compareCodePoints('\uff5e', '😀') < 0, 'U+FF5E before U+1F600, unlike UTF-16 order');
  });
});

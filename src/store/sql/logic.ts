/**
 * The Store's rules, written once as units of work (sql/unit.ts) over SQL that SQLite and
 * PostgreSQL both accept. docs/data-model.md explains the tables; each function here is one Store
 * method and runs in one transaction of whichever backend drives it.
 */
import {
  authorizationAppKey,
  type AuthorizationRecord,
  type SuitePlan,
  type SuiteRecord,
  type SuiteTokenRecord,
} from '../../core/store.js';
import type {
  AppRecord,
  ChatRef,
  ConversationRecord,
  DirectoryDump,
  LocalCaRecord,
  MessageFilter,
  MessageRecord,
  NewMessage,
  OrgPlan,
  OrgRecord,
  ReadInput,
  ReadsOutcome,
  RecipientRead,
  RobotRecord,
  TokenRecord,
  UserRecord,
} from '../../core/store.js';
import {
  chatKeyOf,
  chatKeyOfRef,
  mergeSortedUnique,
  OPEN_END,
  toApp,
  toMessage,
  toRobot,
  toSuite,
  type AppRow,
  type ConversationRow,
  type MessageRow,
  type RobotRow,
  type SuiteRow,
} from './rows.js';
import { all, column, get, lock, run, type Work } from './unit.js';

const MESSAGE_SELECT = `
  SELECT m.*, o.corp_id, r.robot_code, c.open_conversation_id
  FROM messages m
  JOIN orgs o ON o.id = m.org_id
  JOIN robots r ON r.id = m.robot_id
  LEFT JOIN conversations c ON c.id = m.conversation_id`;

/** Recipients of a conversation message: members whose interval holds the message's version. */
const IS_MEMBER = `EXISTS (SELECT 1 FROM memberships ms WHERE ms.conversation_id = :conversationId
  AND ms.user_id = cc.user_id AND ms.from_version <= :version AND ms.to_version > :version)`;
const IS_OTO_RECIPIENT = `EXISTS (SELECT 1 FROM message_recipients mr WHERE mr.message_id = :id
  AND mr.user_id = cc.user_id)`;
/** An open counts for a recalled message only if it happened before the recall. */
const OPENED_BEFORE_RECALL = `EXISTS (SELECT 1 FROM chat_opens o WHERE o.chat_key = cc.chat_key
  AND o.user_id = cc.user_id AND o.covers_below > :id AND o.seq < :recallSeq)`;
const FIRST_OPEN_READ_AT = `(SELECT o.read_at FROM chat_opens o WHERE o.chat_key = :chatKey
  AND o.user_id = x.user_id AND o.covers_below > :id AND o.seq < :recallSeq ORDER BY o.seq LIMIT 1)`;

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

function* nextSeq(): Work<number> {
  const row = yield* get<{ value: number }>(`UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value`);
  return (row as { value: number }).value;
}

// ------------------------------------------------------------------ secrets and reset

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
  // keys issued before stay unforgeable, and a CA a developer trusted stays trusted.
}

// ------------------------------------------------------------------ directory

export function* applyFixture(plans: OrgPlan[], suites: SuitePlan[]): Work<void> {
  for (const suite of suites) {
    yield* run(
      `INSERT INTO suites (suite_key, secret_hash, scopes, ticket_hash) VALUES (:suiteKey, :secretHash, :scopes, :ticketHash)
       ON CONFLICT (suite_key) DO UPDATE SET scopes = excluded.scopes,
         secret_hash = COALESCE(:newHash, suites.secret_hash), ticket_hash = COALESCE(:ticketHash, suites.ticket_hash)`,
      {
        suiteKey: suite.suiteKey,
        secretHash: suite.secretHash ?? '',
        newHash: suite.secretHash ?? null,
        scopes: JSON.stringify(suite.scopes),
        ticketHash: suite.ticketHash ?? null,
      },
    );
  }
  for (const plan of plans) {
    const org = (yield* get<{ id: number }>(
      `INSERT INTO orgs (corp_id, name) VALUES (:corpId, :name)
       ON CONFLICT (corp_id) DO UPDATE SET name = excluded.name RETURNING id`,
      { corpId: plan.corpId, name: plan.name },
    )) as { id: number };
    for (const app of plan.apps) {
      yield* run(
        `INSERT INTO apps (org_id, app_key, secret_hash, scopes) VALUES (:orgId, :appKey, :secretHash, :scopes)
         ON CONFLICT (app_key) DO UPDATE SET scopes = excluded.scopes,
           secret_hash = COALESCE(:newHash, apps.secret_hash)`,
        {
          orgId: org.id,
          appKey: app.appKey,
          secretHash: app.secretHash ?? '',
          newHash: app.secretHash ?? null,
          scopes: JSON.stringify(app.scopes),
        },
      );
    }
    for (const user of plan.users) {
      yield* run(
        `INSERT INTO users (org_id, user_id, name) VALUES (:orgId, :userId, :name)
         ON CONFLICT (org_id, user_id) DO UPDATE SET name = excluded.name`,
        { orgId: org.id, userId: user.userId, name: user.name },
      );
    }
    for (const robot of plan.robots) {
      yield* run(
        `INSERT INTO robots (org_id, robot_code, name, status, template_status, owner_app_key, owner_suite_key)
         VALUES (:orgId, :robotCode, :name, :status, :templateStatus, :ownerAppKey, :ownerSuiteKey)
         ON CONFLICT (robot_code) DO UPDATE SET name = excluded.name, status = excluded.status,
           template_status = excluded.template_status, owner_app_key = excluded.owner_app_key,
           owner_suite_key = excluded.owner_suite_key`,
        {
          orgId: org.id,
          robotCode: robot.robotCode,
          name: robot.name,
          status: robot.status,
          templateStatus: robot.templateStatus,
          ownerAppKey: robot.ownerAppKey,
          ownerSuiteKey: robot.ownerSuiteKey ?? null,
        },
      );
    }
    for (const suiteKey of plan.authorizations ?? []) yield* authorize(suiteKey, org.id, plan.corpId);
    for (const conversation of plan.conversations) {
      const row = (yield* get<{ id: number; member_version: number }>(
        `INSERT INTO conversations (org_id, open_conversation_id, type, title, cool_app_code)
         VALUES (:orgId, :openConversationId, :type, :title, :coolAppCode)
         ON CONFLICT (open_conversation_id) DO UPDATE SET title = excluded.title,
           cool_app_code = excluded.cool_app_code
         RETURNING id, member_version`,
        {
          orgId: org.id,
          openConversationId: conversation.openConversationId,
          type: conversation.type,
          title: conversation.title,
          coolAppCode: conversation.coolAppCode,
        },
      )) as { id: number; member_version: number };
      if (conversation.members) yield* replaceMembers(row.id, row.member_version, conversation.members);
      if (conversation.robots) {
        yield* run(`DELETE FROM conversation_robots WHERE conversation_id = :id`, { id: row.id });
        for (const robotCode of conversation.robots) {
          yield* run(
            `INSERT INTO conversation_robots (conversation_id, robot_id)
             SELECT CAST(:id AS BIGINT), id FROM robots WHERE robot_code = :robotCode
             ON CONFLICT DO NOTHING`,
            { id: row.id, robotCode },
          );
        }
      }
    }
  }
}

/** Installs the suite in the org, or brings back a revoked installation (with fresh tokens). */
function* authorize(suiteKey: string, orgId: number, corpId: string): Work<void> {
  const suite = yield* get<{ id: number }>(`SELECT id FROM suites WHERE suite_key = :suiteKey`, { suiteKey });
  if (!suite) throw new Error(`suite ${suiteKey} vanished during the fixture`);
  // The row keeps an empty secret hash: no appSecret ever verifies against it.
  yield* run(
    `INSERT INTO apps (org_id, app_key, secret_hash, scopes, suite_id) VALUES (:orgId, :appKey, '', '[]', :suiteId)
     ON CONFLICT (app_key) DO UPDATE SET revoked = 0`,
    { orgId, appKey: authorizationAppKey(suiteKey, corpId), suiteId: suite.id },
  );
}

/** A new membership version only when the set of members really changes. */
function* replaceMembers(conversationId: number, version: number, members: string[]): Work<void> {
  const current = new Set(
    (yield* all<{ user_id: string }>(
      `SELECT user_id FROM memberships WHERE conversation_id = :conversationId AND to_version = :open`,
      { conversationId, open: OPEN_END },
    )).map((row) => row.user_id),
  );
  const wanted = new Set(members);
  const leaving = [...current].filter((userId) => !wanted.has(userId));
  const joining = [...wanted].filter((userId) => !current.has(userId));
  if (leaving.length === 0 && joining.length === 0) return;
  const next = version + 1;
  for (const userId of leaving) {
    yield* run(
      `UPDATE memberships SET to_version = :next
       WHERE conversation_id = :conversationId AND user_id = :userId AND to_version = :open`,
      { next, conversationId, userId, open: OPEN_END },
    );
  }
  for (const userId of joining) {
    yield* run(
      `INSERT INTO memberships (conversation_id, user_id, from_version, to_version)
       VALUES (:conversationId, :userId, :next, :open)`,
      { conversationId, userId, next, open: OPEN_END },
    );
  }
  yield* run(`UPDATE conversations SET member_version = :next, member_count = :count WHERE id = :conversationId`, {
    next,
    count: wanted.size,
    conversationId,
  });
}

function* toConversation(row: ConversationRow): Work<ConversationRecord> {
  const robots = yield* all<{ robot_code: string }>(
    `SELECT r.robot_code FROM conversation_robots cr JOIN robots r ON r.id = cr.robot_id
     WHERE cr.conversation_id = :id ORDER BY r.robot_code`,
    { id: row.id },
  );
  return {
    id: row.id,
    orgId: row.org_id,
    openConversationId: row.open_conversation_id,
    type: row.type,
    title: row.title,
    coolAppCode: row.cool_app_code,
    memberVersion: row.member_version,
    memberCount: row.member_count,
    robotCodes: robots.map((robot) => robot.robot_code),
  };
}

export function* dumpDirectory(): Work<DirectoryDump> {
  const suites = (yield* all<SuiteRow>(`SELECT * FROM suites ORDER BY id`)).map(toSuite);
  const dump: DirectoryDump = { suites, orgs: [] };
  for (const org of yield* all<OrgRecord>(`SELECT id, corp_id AS "corpId", name FROM orgs ORDER BY id`)) {
    const apps = yield* all<AppRow>(
      `SELECT a.*, o.corp_id FROM apps a JOIN orgs o ON o.id = a.org_id
       WHERE a.org_id = :id AND a.suite_id IS NULL ORDER BY a.id`,
      { id: org.id },
    );
    const authorizations = yield* column<string>(
      `SELECT s.suite_key FROM apps a JOIN suites s ON s.id = a.suite_id
       WHERE a.org_id = :id AND a.revoked = 0 ORDER BY a.id`,
      { id: org.id },
    );
    const users = yield* all<UserRecord>(
      `SELECT user_id AS "userId", name FROM users WHERE org_id = :id ORDER BY user_id`,
      { id: org.id },
    );
    const robots = yield* all<RobotRow>(`SELECT * FROM robots WHERE org_id = :id ORDER BY id`, { id: org.id });
    const conversations: DirectoryDump['orgs'][number]['conversations'] = [];
    for (const row of yield* all<ConversationRow>(`SELECT * FROM conversations WHERE org_id = :id ORDER BY id`, {
      id: org.id,
    })) {
      const members = yield* all<{ user_id: string }>(
        `SELECT user_id FROM memberships WHERE conversation_id = :id AND to_version = :open ORDER BY user_id`,
        { id: row.id, open: OPEN_END },
      );
      conversations.push({ ...(yield* toConversation(row)), members: members.map((member) => member.user_id) });
    }
    dump.orgs.push({ org, apps: apps.map(toApp), users, robots: robots.map(toRobot), conversations, authorizations });
  }
  return dump;
}

export function* findOrg(corpId: string): Work<OrgRecord | undefined> {
  return yield* get<OrgRecord>(`SELECT id, corp_id AS "corpId", name FROM orgs WHERE corp_id = :corpId`, { corpId });
}

export function* findApp(appKey: string): Work<AppRecord | undefined> {
  const row = yield* get<AppRow>(
    `SELECT a.*, o.corp_id FROM apps a JOIN orgs o ON o.id = a.org_id WHERE a.app_key = :appKey AND a.suite_id IS NULL`,
    { appKey },
  );
  return row && toApp(row);
}

export function* findRobot(robotCode: string): Work<RobotRecord | undefined> {
  const row = yield* get<RobotRow>(`SELECT * FROM robots WHERE robot_code = :robotCode`, { robotCode });
  return row && toRobot(row);
}

export function* findConversation(openConversationId: string): Work<ConversationRecord | undefined> {
  const row = yield* get<ConversationRow>(`SELECT * FROM conversations WHERE open_conversation_id = :openConversationId`, {
    openConversationId,
  });
  return row && (yield* toConversation(row));
}

export function* findUsers(orgId: number, userIds: string[]): Work<UserRecord[]> {
  const found: UserRecord[] = [];
  for (const userId of new Set(userIds)) {
    const row = yield* get<UserRecord>(
      `SELECT user_id AS "userId", name FROM users WHERE org_id = :orgId AND user_id = :userId`,
      { orgId, userId },
    );
    if (row) found.push(row);
  }
  return found;
}

// ------------------------------------------------------------------ tokens

/** Where a token owner keeps its generation, and where its tokens go (fixed names, never input). */
const TOKEN_OWNERS = {
  app: { owners: 'apps', tokens: 'tokens', ownerColumn: 'app_id' },
  suite: { owners: 'suites', tokens: 'suite_tokens', ownerColumn: 'suite_id' },
} as const;

/** Moves the owner to the token's generation and keeps the token's hash (saving again renews it). */
function* saveToken(
  kind: keyof typeof TOKEN_OWNERS,
  ownerId: number,
  generation: number,
  tokenHash: string,
  expiresAt: number,
): Work<void> {
  const { owners, tokens, ownerColumn } = TOKEN_OWNERS[kind];
  yield* run(`UPDATE ${owners} SET token_generation = :generation, token_expires_at = :expiresAt WHERE id = :ownerId`, {
    ownerId,
    generation,
    expiresAt,
  });
  yield* run(
    `INSERT INTO ${tokens} (token_hash, ${ownerColumn}, expires_at) VALUES (:tokenHash, :ownerId, :expiresAt)
     ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at`,
    { tokenHash, ownerId, expiresAt },
  );
}

export function* saveAppToken(appId: number, generation: number, tokenHash: string, expiresAt: number): Work<void> {
  yield* saveToken('app', appId, generation, tokenHash, expiresAt);
}

export function* findToken(tokenHash: string): Work<TokenRecord | undefined> {
  // A corp token takes its suite's key and scopes (changing the suite changes its tokens at once);
  // a revoked authorization's tokens are deleted, and the join refuses them besides.
  const row = yield* get<{
    app_id: number;
    app_key: string;
    org_id: number;
    corp_id: string;
    scopes: string;
    expires_at: number;
    suite_key: string | null;
    suite_scopes: string | null;
  }>(
    `SELECT t.app_id, t.expires_at, a.app_key, a.scopes, a.org_id, o.corp_id, s.suite_key, s.scopes AS suite_scopes
     FROM tokens t JOIN apps a ON a.id = t.app_id JOIN orgs o ON o.id = a.org_id
     LEFT JOIN suites s ON s.id = a.suite_id
     WHERE t.token_hash = :tokenHash AND a.revoked = 0`,
    { tokenHash },
  );
  return (
    row && {
      appId: row.app_id,
      appKey: row.suite_key ?? row.app_key,
      suiteKey: row.suite_key,
      orgId: row.org_id,
      corpId: row.corp_id,
      scopes: JSON.parse(row.suite_scopes ?? row.scopes) as string[],
      expiresAt: row.expires_at,
    }
  );
}

// ------------------------------------------------------------------ third-party suites

export function* findSuite(suiteKey: string): Work<SuiteRecord | undefined> {
  const row = yield* get<SuiteRow>(`SELECT * FROM suites WHERE suite_key = :suiteKey`, { suiteKey });
  return row && toSuite(row);
}

export function* setSuiteTicket(suiteKey: string, ticketHash: string): Work<boolean> {
  return (yield* run(`UPDATE suites SET ticket_hash = :ticketHash WHERE suite_key = :suiteKey`, { suiteKey, ticketHash })) > 0;
}

export function* findAuthorization(suiteKey: string, corpId: string): Work<AuthorizationRecord | undefined> {
  const row = yield* get<{
    app_id: number;
    app_key: string;
    org_id: number;
    suite_id: number;
    token_generation: number;
    token_expires_at: number;
  }>(
    `SELECT a.id AS app_id, a.app_key, a.org_id, a.suite_id, a.token_generation, a.token_expires_at
     FROM apps a JOIN suites s ON s.id = a.suite_id JOIN orgs o ON o.id = a.org_id
     WHERE s.suite_key = :suiteKey AND o.corp_id = :corpId AND a.revoked = 0`,
    { suiteKey, corpId },
  );
  return (
    row && {
      appId: row.app_id,
      appKey: row.app_key,
      orgId: row.org_id,
      corpId,
      suiteId: row.suite_id,
      suiteKey,
      tokenGeneration: row.token_generation,
      tokenExpiresAt: row.token_expires_at,
    }
  );
}

export function* revokeAuthorization(suiteKey: string, corpId: string): Work<boolean> {
  const authorization = yield* findAuthorization(suiteKey, corpId);
  if (!authorization) return false;
  // token_expires_at = 0: the next corp token after a new authorization is a new generation, so
  // no token issued before the revocation ever works again.
  yield* run(`UPDATE apps SET revoked = 1, token_expires_at = 0 WHERE id = :appId`, { appId: authorization.appId });
  yield* run(`DELETE FROM tokens WHERE app_id = :appId`, { appId: authorization.appId });
  return true;
}

export function* saveSuiteToken(suiteId: number, generation: number, tokenHash: string, expiresAt: number): Work<void> {
  yield* saveToken('suite', suiteId, generation, tokenHash, expiresAt);
}

export function* findSuiteToken(tokenHash: string): Work<SuiteTokenRecord | undefined> {
  const row = yield* get<{ suite_id: number; suite_key: string; expires_at: number }>(
    `SELECT t.suite_id, s.suite_key, t.expires_at FROM suite_tokens t JOIN suites s ON s.id = t.suite_id
     WHERE t.token_hash = :tokenHash`,
    { tokenHash },
  );
  return row && { suiteId: row.suite_id, suiteKey: row.suite_key, expiresAt: row.expires_at };
}

// ------------------------------------------------------------------ messages

export function* insertMessage(message: NewMessage): Work<MessageRecord> {
  yield* lock({ kind: 'seq' });
  const id = yield* nextSeq();
  let memberVersion: number | null = null;
  let recipientCount = message.recipients?.length ?? 0;
  if (message.conversationId !== null) {
    const conversation = yield* get<{ member_version: number; member_count: number }>(
      `SELECT member_version, member_count FROM conversations WHERE id = :id`,
      { id: message.conversationId },
    );
    if (!conversation) throw new Error(`conversation ${message.conversationId} vanished during the send`);
    memberVersion = conversation.member_version;
    recipientCount = conversation.member_count;
  }
  yield* run(
    `INSERT INTO messages (id, process_query_key, kind, org_id, app_id, robot_id, conversation_id, msg_key,
       msg_param, sent_at, delivered_at, member_version, recipient_count)
     VALUES (:id, :processQueryKey, :kind, :orgId, :appId, :robotId, :conversationId, :msgKey, :msgParam,
       :sentAt, :deliveredAt, :memberVersion, :recipientCount)`,
    {
      id,
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
      memberVersion,
      recipientCount,
    },
  );
  for (const [position, userId] of (message.recipients ?? []).entries()) {
    yield* run(`INSERT INTO message_recipients (message_id, user_id, position) VALUES (:id, :userId, :position)`, {
      id,
      userId,
      position,
    });
  }
  return toMessage((yield* messageRowById(id)) as MessageRow);
}

function* messageRowById(id: number): Work<MessageRow | undefined> {
  return yield* get<MessageRow>(`${MESSAGE_SELECT} WHERE m.id = :id`, { id });
}

function* messageRowByKey(processQueryKey: string): Work<MessageRow | undefined> {
  return yield* get<MessageRow>(`${MESSAGE_SELECT} WHERE m.process_query_key = :processQueryKey`, { processQueryKey });
}

export function* findMessage(processQueryKey: string): Work<MessageRecord | undefined> {
  const row = yield* messageRowByKey(processQueryKey);
  return row && toMessage(row);
}

export function* recallMessage(messageId: number, at: number): Work<void> {
  yield* lock({ kind: 'seq' });
  const row = yield* get<{ recalled_at: number | null }>(`SELECT recalled_at FROM messages WHERE id = :messageId`, {
    messageId,
  });
  if (!row || row.recalled_at !== null) return;
  const seq = yield* nextSeq();
  yield* run(`UPDATE messages SET recalled_at = :at, recall_seq = :seq WHERE id = :messageId`, { at, seq, messageId });
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
  compare('conversationId', 'm.conversation_id = :conversationId');
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

// ------------------------------------------------------------------ reads

function* isRecipient(message: MessageRow, userId: string): Work<boolean> {
  if (message.conversation_id === null) {
    const row = yield* get(`SELECT 1 AS x FROM message_recipients WHERE message_id = :id AND user_id = :userId`, {
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
    return message ? [`${chatKeyOf(message)}\n${read.userId}`] : [];
  });
  if (pairs.length > 0) yield* lock({ kind: 'chatUsers', keys: pairs });
  const outcome: ReadsOutcome = { accepted: 0, ignored: [] };
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
    const pair = { chatKey: chatKeyOf(message), userId: read.userId };
    const cursor = yield* get<{ covers_below: number; reads_past_cover: number }>(
      `SELECT covers_below, reads_past_cover FROM chat_cursors WHERE chat_key = :chatKey AND user_id = :userId`,
      pair,
    );
    if (cursor && cursor.covers_below > message.id) continue;
    const inserted = yield* run(
      `INSERT INTO reads (message_id, user_id, read_at) VALUES (:id, :userId, :readAt) ON CONFLICT DO NOTHING`,
      { id: message.id, userId: read.userId, readAt: read.readAt },
    );
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
 */
function* openCoverage(
  orgId: number,
  chat: ChatRef,
  userId: string,
  after: number,
  now: number,
  lookForReads: boolean,
): Work<{ pending: number | null; covered: number; alreadyRead: number }> {
  const readOneByOne = `AND EXISTS (SELECT 1 FROM reads r WHERE r.message_id = m.id AND r.user_id = :userId)`;
  const clockSetBack = (yield* get(`SELECT 1 AS x FROM messages WHERE sent_at > :now LIMIT 1`, { now })) !== undefined;
  if (chat.kind === 'robot') {
    const scope = `FROM message_recipients mr CROSS JOIN messages m
      WHERE mr.user_id = :userId AND mr.message_id >= :after AND mr.message_id < :below
        AND m.id = mr.message_id AND m.robot_id = :robotId AND m.org_id = :orgId AND m.recalled_at IS NULL`;
    const params = { userId, after, orgId, robotId: chat.robotId, now, below: OPEN_END };
    const pending = (yield* get<{ id: number | null }>(`SELECT min(m.id) AS id ${scope} AND m.delivered_at > :now`, params))?.id ?? null;
    const bounded = { ...params, below: pending ?? OPEN_END };
    const covered = (yield* get<{ n: number }>(`SELECT count(*) AS n ${scope}`, bounded))?.n ?? 0;
    const alreadyRead =
      lookForReads && covered > 0 ? ((yield* get<{ n: number }>(`SELECT count(*) AS n ${scope} ${readOneByOne}`, bounded))?.n ?? 0) : 0;
    return { pending, covered, alreadyRead };
  }
  // A member received the messages sent while from_version <= member_version < to_version.
  const intervals = yield* all<{ from_version: number; to_version: number }>(
    `SELECT from_version, to_version FROM memberships WHERE conversation_id = :conversationId AND user_id = :userId`,
    { conversationId: chat.conversationId, userId },
  );
  const ranges = intervals.map((interval) => ({
    conversationId: chat.conversationId,
    userId,
    after,
    now,
    below: OPEN_END,
    from: interval.from_version,
    last: interval.to_version - 1,
  }));
  const inRange = `m.conversation_id = :conversationId AND m.id >= :after AND m.id < :below
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
  // Both before anything is read: the pair so a concurrent read of this user waits, the sequence
  // so every message numbered below the number this open may take has committed and is seen.
  yield* lock({ kind: 'chatUsers', keys: [`${chatKey}\n${userId}`] });
  yield* lock({ kind: 'seq' });
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
  return marked;
}

interface MessageParams {
  row: MessageRow;
  params: { id: number; chatKey: string; conversationId: number | null; version: number | null; recallSeq: number };
}

function* messageParams(message: MessageRecord): Work<MessageParams> {
  const row = yield* messageRowById(message.id);
  if (!row) throw new Error(`message ${message.processQueryKey} vanished`);
  return {
    row,
    params: {
      id: row.id,
      chatKey: chatKeyOf(row),
      conversationId: row.conversation_id,
      version: row.member_version,
      recallSeq: row.recall_seq ?? OPEN_END,
    },
  };
}

/** Users whose chat cursor covers the message and who were its recipients (before any recall). */
function openedBy(row: MessageRow): string {
  const recipient = row.conversation_id === null ? IS_OTO_RECIPIENT : IS_MEMBER;
  const recalled = row.recall_seq === null ? '' : `AND ${OPENED_BEFORE_RECALL}`;
  return `cc.chat_key = :chatKey AND cc.covers_below > :id AND ${recipient} ${recalled}`;
}

export function* readerPage(message: MessageRecord, afterUserId: string, limit: number): Work<string[]> {
  const { row, params } = yield* messageParams(message);
  const explicit = yield* column<string>(
    `SELECT user_id FROM reads WHERE message_id = :id AND user_id > :after ORDER BY user_id LIMIT :limit`,
    { id: row.id, after: afterUserId, limit },
  );
  const opened = yield* column<string>(
    `SELECT cc.user_id FROM chat_cursors cc WHERE cc.user_id > :after AND ${openedBy(row)}
     ORDER BY cc.user_id LIMIT :limit`,
    { ...params, after: afterUserId, limit },
  );
  return mergeSortedUnique(explicit, opened, limit);
}

export function* recipientReads(message: MessageRecord): Work<RecipientRead[]> {
  const { row, params } = yield* messageParams(message);
  const recipients =
    row.conversation_id === null
      ? `SELECT user_id, position AS sort FROM message_recipients WHERE message_id = :id`
      : `SELECT user_id, user_id AS sort FROM memberships WHERE conversation_id = :conversationId
           AND from_version <= :version AND to_version > :version`;
  const rows = yield* all<{ user_id: string; name: string | null; read_at: number | null }>(
    `SELECT x.user_id, u.name, COALESCE(r.read_at, ${FIRST_OPEN_READ_AT}) AS read_at
     FROM (${recipients}) x
     LEFT JOIN users u ON u.org_id = :orgId AND u.user_id = x.user_id
     LEFT JOIN reads r ON r.message_id = :id AND r.user_id = x.user_id
     ORDER BY x.sort`,
    { ...params, orgId: row.org_id },
  );
  return rows.map((r) => ({ userId: r.user_id, name: r.name ?? r.user_id, readAt: r.read_at }));
}

export function* countReaders(message: MessageRecord): Work<number> {
  const { row, params } = yield* messageParams(message);
  const counted = yield* get<{ n: number }>(
    `SELECT (SELECT count(*) FROM reads WHERE message_id = :id)
      + (SELECT count(*) FROM chat_cursors cc WHERE ${openedBy(row)}
         AND NOT EXISTS (SELECT 1 FROM reads r WHERE r.message_id = :id AND r.user_id = cc.user_id)) AS n`,
    params,
  );
  return counted?.n ?? 0;
}

// ------------------------------------------------------------------ retention

export function* purgeMessagesBefore(cutoff: number, batchSize: number): Work<number> {
  const doomed = yield* all<{ id: number }>(
    `SELECT id FROM messages WHERE sent_at < :cutoff ORDER BY sent_at, id LIMIT :batchSize`,
    { cutoff, batchSize },
  );
  for (const { id } of doomed) {
    yield* run(`DELETE FROM reads WHERE message_id = :id`, { id });
    yield* run(`DELETE FROM message_recipients WHERE message_id = :id`, { id });
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
  return doomed.length;
}

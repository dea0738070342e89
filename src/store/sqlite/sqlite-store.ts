/**
 * The embedded store: SQLite through better-sqlite3, in a file (WAL) or in memory.
 *
 * better-sqlite3 is synchronous, so every method runs its statements inside one `transaction()`
 * and returns an already-settled promise: no other request can interleave with a unit of work.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type {
  AppRecord,
  ChatRef,
  ConversationRecord,
  DirectoryDump,
  MessageFilter,
  MessageKind,
  MessageRecord,
  NewMessage,
  OrgPlan,
  OrgRecord,
  ReadInput,
  ReadsOutcome,
  RecipientRead,
  RobotRecord,
  RobotStatus,
  Store,
  StoreCapabilities,
  TemplateStatus,
  TokenRecord,
  UserRecord,
  ConversationType,
} from '../../core/store.js';
import { MIGRATIONS } from './migrations.js';

/** Upper bound of an open interval (a current membership, a message not recalled). */
const OPEN_END = Number.MAX_SAFE_INTEGER;

export type SqliteSynchronous = 'NORMAL' | 'FULL';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for a store that lives and dies with the process. */
  path: string;
  /**
   * NORMAL (default) keeps every committed transaction across a crash of the process; FULL also
   * across a crash of the machine, at the cost of an fsync per commit.
   */
  synchronous?: SqliteSynchronous;
}

export class SchemaTooNewError extends Error {
  constructor(found: number, known: number) {
    super(
      `The database has schema version ${found}, but this dingread knows versions up to ${known}. ` +
        'It was written by a newer dingread: upgrade dingread, or point it at another database.',
    );
    this.name = 'SchemaTooNewError';
  }
}

interface MessageRow {
  id: number;
  process_query_key: string;
  kind: MessageKind;
  org_id: number;
  corp_id: string;
  app_id: number;
  robot_id: number;
  robot_code: string;
  conversation_id: number | null;
  open_conversation_id: string | null;
  msg_key: string;
  msg_param: string;
  sent_at: number;
  delivered_at: number;
  member_version: number | null;
  recipient_count: number;
  recalled_at: number | null;
  recall_seq: number | null;
}

interface AppRow {
  id: number;
  org_id: number;
  corp_id: string;
  app_key: string;
  secret_hash: string;
  scopes: string;
  token_generation: number;
  token_expires_at: number;
}

interface RobotRow {
  id: number;
  org_id: number;
  robot_code: string;
  name: string;
  status: RobotStatus;
  template_status: TemplateStatus;
  owner_app_key: string | null;
}

interface ConversationRow {
  id: number;
  org_id: number;
  open_conversation_id: string;
  type: ConversationType;
  title: string | null;
  cool_app_code: string | null;
  member_version: number;
  member_count: number;
}

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

function chatKeyOf(message: MessageRow): string {
  return message.conversation_id === null ? `r${message.robot_id}` : `c${message.conversation_id}`;
}

function chatKeyOfRef(chat: ChatRef): string {
  return chat.kind === 'conversation' ? `c${chat.conversationId}` : `r${chat.robotId}`;
}

function toMessage(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    processQueryKey: row.process_query_key,
    kind: row.kind,
    orgId: row.org_id,
    corpId: row.corp_id,
    appId: row.app_id,
    robotId: row.robot_id,
    robotCode: row.robot_code,
    conversationId: row.conversation_id,
    openConversationId: row.open_conversation_id,
    msgKey: row.msg_key,
    msgParam: row.msg_param,
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
    recipientCount: row.recipient_count,
    recalledAt: row.recalled_at,
  };
}

function toApp(row: AppRow): AppRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    corpId: row.corp_id,
    appKey: row.app_key,
    secretHash: row.secret_hash,
    scopes: JSON.parse(row.scopes) as string[],
    tokenGeneration: row.token_generation,
    tokenExpiresAt: row.token_expires_at,
  };
}

function toRobot(row: RobotRow): RobotRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    robotCode: row.robot_code,
    name: row.name,
    status: row.status,
    templateStatus: row.template_status,
    ownerAppKey: row.owner_app_key,
  };
}

export class SqliteStore implements Store {
  readonly kind: 'memory' | 'sqlite';
  readonly capabilities: StoreCapabilities;
  private readonly db: Database.Database;
  /** Prepared statements, by SQL text. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(options: SqliteStoreOptions) {
    const inMemory = options.path === ':memory:';
    if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });
    this.kind = inMemory ? 'memory' : 'sqlite';
    this.capabilities = { durable: !inMemory, sharedAcrossProcesses: false };
    this.db = new Database(options.path);
    if (!inMemory) this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) throw new SchemaTooNewError(current, MIGRATIONS.length);
    for (let version = current; version < MIGRATIONS.length; version++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version] as string);
        this.db.pragma(`user_version = ${version + 1}`);
      })();
    }
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private get<T>(sql: string, params: unknown = {}): T | undefined {
    return this.stmt(sql).get(params) as T | undefined;
  }

  private all<T>(sql: string, params: unknown = {}): T[] {
    return this.stmt(sql).all(params) as T[];
  }

  /** The first column of every row: no object per row, which a page of 200 ids notices. */
  private column(sql: string, params: unknown = {}): string[] {
    return this.pluckStmt(sql).all(params) as string[];
  }

  private pluckStmt(sql: string): Database.Statement {
    const key = `pluck:${sql}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare(sql).pluck();
      this.statements.set(key, statement);
    }
    return statement;
  }

  private run(sql: string, params: unknown = {}): Database.RunResult {
    return this.stmt(sql).run(params);
  }

  private nextSeq(): number {
    return (this.get<{ value: number }>(`UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value`) as {
      value: number;
    }).value;
  }

  private tx<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(this.db.transaction(work).immediate());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  serverSecret(): Promise<Buffer> {
    return this.tx(() => {
      const row = this.get<{ value: Buffer }>(`SELECT value FROM meta WHERE key = 'server_secret'`);
      if (row) return row.value;
      const secret = randomBytes(32);
      this.run(`INSERT INTO meta (key, value) VALUES ('server_secret', :secret)`, { secret });
      return secret;
    });
  }

  reset(): Promise<void> {
    return this.tx(() => {
      for (const table of [
        'chat_cursors',
        'chat_opens',
        'reads',
        'message_recipients',
        'messages',
        'tokens',
        'memberships',
        'conversation_robots',
        'conversations',
        'robots',
        'users',
        'apps',
        'orgs',
      ]) {
        this.run(`DELETE FROM ${table}`);
      }
      // The sequence and the server secret stay: cursors and keys issued before stay unforgeable.
    });
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }

  // ---------------------------------------------------------------- directory

  applyFixture(plans: OrgPlan[]): Promise<void> {
    return this.tx(() => {
      for (const plan of plans) {
        const org = this.get<{ id: number }>(
          `INSERT INTO orgs (corp_id, name) VALUES (:corpId, :name)
           ON CONFLICT (corp_id) DO UPDATE SET name = excluded.name RETURNING id`,
          { corpId: plan.corpId, name: plan.name },
        ) as { id: number };
        for (const app of plan.apps) {
          this.run(
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
          this.run(
            `INSERT INTO users (org_id, user_id, name) VALUES (:orgId, :userId, :name)
             ON CONFLICT (org_id, user_id) DO UPDATE SET name = excluded.name`,
            { orgId: org.id, userId: user.userId, name: user.name },
          );
        }
        for (const robot of plan.robots) {
          this.run(
            `INSERT INTO robots (org_id, robot_code, name, status, template_status, owner_app_key)
             VALUES (:orgId, :robotCode, :name, :status, :templateStatus, :ownerAppKey)
             ON CONFLICT (robot_code) DO UPDATE SET name = excluded.name, status = excluded.status,
               template_status = excluded.template_status, owner_app_key = excluded.owner_app_key`,
            { orgId: org.id, ...robot },
          );
        }
        for (const conversation of plan.conversations) {
          const row = this.get<{ id: number; member_version: number }>(
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
          ) as { id: number; member_version: number };
          if (conversation.members) this.replaceMembers(row.id, row.member_version, conversation.members);
          if (conversation.robots) {
            this.run(`DELETE FROM conversation_robots WHERE conversation_id = :id`, { id: row.id });
            for (const robotCode of conversation.robots) {
              this.run(
                `INSERT OR IGNORE INTO conversation_robots (conversation_id, robot_id)
                 SELECT :id, id FROM robots WHERE robot_code = :robotCode`,
                { id: row.id, robotCode },
              );
            }
          }
        }
      }
    });
  }

  /** A new membership version only when the set of members really changes. */
  private replaceMembers(conversationId: number, version: number, members: string[]): void {
    const current = new Set(
      this.all<{ user_id: string }>(
        `SELECT user_id FROM memberships WHERE conversation_id = :conversationId AND to_version = :open`,
        { conversationId, open: OPEN_END },
      ).map((row) => row.user_id),
    );
    const wanted = new Set(members);
    const leaving = [...current].filter((userId) => !wanted.has(userId));
    const joining = [...wanted].filter((userId) => !current.has(userId));
    if (leaving.length === 0 && joining.length === 0) return;
    const next = version + 1;
    for (const userId of leaving) {
      this.run(
        `UPDATE memberships SET to_version = :next
         WHERE conversation_id = :conversationId AND user_id = :userId AND to_version = :open`,
        { next, conversationId, userId, open: OPEN_END },
      );
    }
    for (const userId of joining) {
      this.run(
        `INSERT INTO memberships (conversation_id, user_id, from_version, to_version)
         VALUES (:conversationId, :userId, :next, :open)`,
        { conversationId, userId, next, open: OPEN_END },
      );
    }
    this.run(`UPDATE conversations SET member_version = :next, member_count = :count WHERE id = :conversationId`, {
      next,
      count: wanted.size,
      conversationId,
    });
  }

  dumpDirectory(): Promise<DirectoryDump> {
    return this.tx(() => ({
      orgs: this.all<OrgRecord & { corpId: string }>(`SELECT id, corp_id AS corpId, name FROM orgs ORDER BY id`).map(
        (org) => ({
          org,
          apps: this.all<AppRow>(
            `SELECT a.*, o.corp_id FROM apps a JOIN orgs o ON o.id = a.org_id WHERE a.org_id = :id ORDER BY a.id`,
            { id: org.id },
          ).map(toApp),
          users: this.all<UserRecord>(
            `SELECT user_id AS userId, name FROM users WHERE org_id = :id ORDER BY user_id`,
            { id: org.id },
          ),
          robots: this.all<RobotRow>(`SELECT * FROM robots WHERE org_id = :id ORDER BY id`, { id: org.id }).map(toRobot),
          conversations: this.all<ConversationRow>(`SELECT * FROM conversations WHERE org_id = :id ORDER BY id`, {
            id: org.id,
          }).map((row) => ({
            ...this.toConversation(row),
            members: this.all<{ user_id: string }>(
              `SELECT user_id FROM memberships WHERE conversation_id = :id AND to_version = :open ORDER BY user_id`,
              { id: row.id, open: OPEN_END },
            ).map((member) => member.user_id),
          })),
        }),
      ),
    }));
  }

  private toConversation(row: ConversationRow): ConversationRecord {
    return {
      id: row.id,
      orgId: row.org_id,
      openConversationId: row.open_conversation_id,
      type: row.type,
      title: row.title,
      coolAppCode: row.cool_app_code,
      memberVersion: row.member_version,
      memberCount: row.member_count,
      robotCodes: this.all<{ robot_code: string }>(
        `SELECT r.robot_code FROM conversation_robots cr JOIN robots r ON r.id = cr.robot_id
         WHERE cr.conversation_id = :id ORDER BY r.robot_code`,
        { id: row.id },
      ).map((robot) => robot.robot_code),
    };
  }

  findOrg(corpId: string): Promise<OrgRecord | undefined> {
    return Promise.resolve(this.get<OrgRecord>(`SELECT id, corp_id AS corpId, name FROM orgs WHERE corp_id = :corpId`, { corpId }));
  }

  findApp(appKey: string): Promise<AppRecord | undefined> {
    const row = this.get<AppRow>(
      `SELECT a.*, o.corp_id FROM apps a JOIN orgs o ON o.id = a.org_id WHERE a.app_key = :appKey`,
      { appKey },
    );
    return Promise.resolve(row && toApp(row));
  }

  findRobot(robotCode: string): Promise<RobotRecord | undefined> {
    const row = this.get<RobotRow>(`SELECT * FROM robots WHERE robot_code = :robotCode`, { robotCode });
    return Promise.resolve(row && toRobot(row));
  }

  findConversation(openConversationId: string): Promise<ConversationRecord | undefined> {
    const row = this.get<ConversationRow>(`SELECT * FROM conversations WHERE open_conversation_id = :openConversationId`, {
      openConversationId,
    });
    return Promise.resolve(row && this.toConversation(row));
  }

  findUsers(orgId: number, userIds: string[]): Promise<UserRecord[]> {
    const found: UserRecord[] = [];
    for (const userId of new Set(userIds)) {
      const row = this.get<UserRecord>(
        `SELECT user_id AS userId, name FROM users WHERE org_id = :orgId AND user_id = :userId`,
        { orgId, userId },
      );
      if (row) found.push(row);
    }
    return Promise.resolve(found);
  }

  // ---------------------------------------------------------------- tokens

  saveAppToken(appId: number, generation: number, tokenHash: string, expiresAt: number): Promise<void> {
    return this.tx(() => {
      this.run(`UPDATE apps SET token_generation = :generation, token_expires_at = :expiresAt WHERE id = :appId`, {
        appId,
        generation,
        expiresAt,
      });
      this.run(
        `INSERT INTO tokens (token_hash, app_id, expires_at) VALUES (:tokenHash, :appId, :expiresAt)
         ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at`,
        { tokenHash, appId, expiresAt },
      );
    });
  }

  findToken(tokenHash: string): Promise<TokenRecord | undefined> {
    const row = this.get<{ app_id: number; app_key: string; org_id: number; corp_id: string; scopes: string; expires_at: number }>(
      `SELECT t.app_id, t.expires_at, a.app_key, a.scopes, a.org_id, o.corp_id
       FROM tokens t JOIN apps a ON a.id = t.app_id JOIN orgs o ON o.id = a.org_id
       WHERE t.token_hash = :tokenHash`,
      { tokenHash },
    );
    return Promise.resolve(
      row && {
        appId: row.app_id,
        appKey: row.app_key,
        orgId: row.org_id,
        corpId: row.corp_id,
        scopes: JSON.parse(row.scopes) as string[],
        expiresAt: row.expires_at,
      },
    );
  }

  // ---------------------------------------------------------------- messages

  insertMessage(message: NewMessage): Promise<MessageRecord> {
    return this.tx(() => {
      const id = this.nextSeq();
      let memberVersion: number | null = null;
      let recipientCount = message.recipients?.length ?? 0;
      if (message.conversationId !== null) {
        const conversation = this.get<{ member_version: number; member_count: number }>(
          `SELECT member_version, member_count FROM conversations WHERE id = :id`,
          { id: message.conversationId },
        );
        if (!conversation) throw new Error(`conversation ${message.conversationId} vanished during the send`);
        memberVersion = conversation.member_version;
        recipientCount = conversation.member_count;
      }
      this.run(
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
      message.recipients?.forEach((userId, position) => {
        this.run(`INSERT INTO message_recipients (message_id, user_id, position) VALUES (:id, :userId, :position)`, {
          id,
          userId,
          position,
        });
      });
      return toMessage(this.messageRowById(id) as MessageRow);
    });
  }

  private messageRowById(id: number): MessageRow | undefined {
    return this.get<MessageRow>(`${MESSAGE_SELECT} WHERE m.id = :id`, { id });
  }

  private messageRowByKey(processQueryKey: string): MessageRow | undefined {
    return this.get<MessageRow>(`${MESSAGE_SELECT} WHERE m.process_query_key = :processQueryKey`, { processQueryKey });
  }

  findMessage(processQueryKey: string): Promise<MessageRecord | undefined> {
    const row = this.messageRowByKey(processQueryKey);
    return Promise.resolve(row && toMessage(row));
  }

  recallMessage(messageId: number, at: number): Promise<void> {
    return this.tx(() => {
      const row = this.get<{ recalled_at: number | null }>(`SELECT recalled_at FROM messages WHERE id = :messageId`, {
        messageId,
      });
      if (!row || row.recalled_at !== null) return;
      this.run(`UPDATE messages SET recalled_at = :at, recall_seq = :seq WHERE id = :messageId`, {
        at,
        seq: this.nextSeq(),
        messageId,
      });
    });
  }

  listMessages(filter: MessageFilter, limit: number): Promise<MessageRecord[]> {
    const where: string[] = [];
    if (filter.orgId !== undefined) where.push('m.org_id = :orgId');
    if (filter.conversationId !== undefined) where.push('m.conversation_id = :conversationId');
    if (filter.robotId !== undefined) where.push('m.robot_id = :robotId');
    if (filter.beforeId !== undefined) where.push('m.id < :beforeId');
    const sql = `${MESSAGE_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY m.id DESC LIMIT :limit`;
    return Promise.resolve(this.all<MessageRow>(sql, { ...filter, limit }).map(toMessage));
  }

  // ---------------------------------------------------------------- reads

  private isRecipient(message: MessageRow, userId: string): boolean {
    if (message.conversation_id === null) {
      return (
        this.get(`SELECT 1 AS x FROM message_recipients WHERE message_id = :id AND user_id = :userId`, {
          id: message.id,
          userId,
        }) !== undefined
      );
    }
    return (
      this.get(
        `SELECT 1 AS x FROM memberships WHERE conversation_id = :conversationId AND user_id = :userId
         AND from_version <= :version AND to_version > :version`,
        { conversationId: message.conversation_id, userId, version: message.member_version },
      ) !== undefined
    );
  }

  recordReads(reads: ReadInput[], now: number = OPEN_END): Promise<ReadsOutcome> {
    return this.tx(() => {
      const outcome: ReadsOutcome = { accepted: 0, ignored: [] };
      const messages = new Map<string, MessageRow | undefined>();
      reads.forEach((read, index) => {
        let message = messages.get(read.processQueryKey);
        if (!messages.has(read.processQueryKey)) {
          message = this.messageRowByKey(read.processQueryKey);
          messages.set(read.processQueryKey, message);
        }
        if (!message) return void outcome.ignored.push({ index, reason: 'message.notFound' });
        if (message.recalled_at !== null) return void outcome.ignored.push({ index, reason: 'message.recalled' });
        if (!this.isRecipient(message, read.userId)) {
          return void outcome.ignored.push({ index, reason: 'user.notRecipient' });
        }
        // Nobody reads a message that has not reached them yet (a delivery delay keeps it PROCESSING).
        if (now < message.delivered_at) return void outcome.ignored.push({ index, reason: 'message.notDelivered' });
        outcome.accepted++;
        // First read wins: an earlier open of the chat already counts as the read.
        const opened = this.get(
          `SELECT 1 AS x FROM chat_cursors WHERE chat_key = :chatKey AND user_id = :userId AND covers_below > :id`,
          { chatKey: chatKeyOf(message), userId: read.userId, id: message.id },
        );
        if (opened) return;
        this.run(`INSERT OR IGNORE INTO reads (message_id, user_id, read_at) VALUES (:id, :userId, :readAt)`, {
          id: message.id,
          userId: read.userId,
          readAt: read.readAt,
        });
      });
      return outcome;
    });
  }

  openChat(orgId: number, chat: ChatRef, userId: string, readAt: number, now: number = OPEN_END): Promise<number> {
    return this.tx(() => {
      const chatKey = chatKeyOfRef(chat);
      const after =
        this.get<{ covers_below: number }>(
          `SELECT covers_below FROM chat_cursors WHERE chat_key = :chatKey AND user_id = :userId`,
          { chatKey, userId },
        )?.covers_below ?? 0;
      // The user's messages in this chat that the previous open did not cover.
      const scope =
        chat.kind === 'conversation'
          ? `FROM messages m
             WHERE m.conversation_id = :conversationId AND m.id >= :after AND m.recalled_at IS NULL
               AND EXISTS (SELECT 1 FROM memberships ms WHERE ms.conversation_id = m.conversation_id
                 AND ms.user_id = :userId AND ms.from_version <= m.member_version AND ms.to_version > m.member_version)`
          : `FROM message_recipients mr JOIN messages m ON m.id = mr.message_id
             WHERE mr.user_id = :userId AND mr.message_id >= :after AND m.robot_id = :robotId
               AND m.org_id = :orgId AND m.recalled_at IS NULL`;
      const params = {
        userId,
        after,
        now,
        orgId,
        conversationId: chat.kind === 'conversation' ? chat.conversationId : null,
        robotId: chat.kind === 'robot' ? chat.robotId : null,
      };
      // An open covers what has been delivered: everything below the first message still on its
      // way (a delivery delay keeps it PROCESSING), or everything so far.
      const pending = this.get<{ id: number | null }>(`SELECT min(m.id) AS id ${scope} AND m.delivered_at > :now`, params)?.id ?? null;
      const counted = this.get<{ n: number }>(
        `SELECT count(*) AS n ${scope} AND m.id < :below
           AND NOT EXISTS (SELECT 1 FROM reads r WHERE r.message_id = m.id AND r.user_id = :userId)`,
        { ...params, below: pending ?? OPEN_END },
      );
      const marked = counted?.n ?? 0;
      // Nothing new to cover: writing an open would change no answer, so write nothing.
      if (marked === 0) return 0;
      const seq = this.nextSeq();
      const coversBelow = pending ?? seq;
      this.run(
        `INSERT INTO chat_opens (chat_key, user_id, seq, covers_below, read_at)
         VALUES (:chatKey, :userId, :seq, :coversBelow, :readAt)`,
        { chatKey, userId, seq, coversBelow, readAt },
      );
      this.run(
        `INSERT INTO chat_cursors (chat_key, user_id, covers_below) VALUES (:chatKey, :userId, :coversBelow)
         ON CONFLICT (chat_key, user_id) DO UPDATE SET covers_below = excluded.covers_below`,
        { chatKey, userId, coversBelow },
      );
      return marked;
    });
  }

  private messageParams(message: MessageRecord): {
    row: MessageRow;
    params: { id: number; chatKey: string; conversationId: number | null; version: number | null; recallSeq: number };
  } {
    const row = this.messageRowById(message.id);
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

  readerPage(message: MessageRecord, afterUserId: string, limit: number): Promise<string[]> {
    const { row, params } = this.messageParams(message);
    const explicit = this.column(
      `SELECT user_id FROM reads WHERE message_id = :id AND user_id > :after ORDER BY user_id LIMIT :limit`,
      { id: row.id, after: afterUserId, limit },
    );
    const recipient = row.conversation_id === null ? IS_OTO_RECIPIENT : IS_MEMBER;
    const recalled = row.recall_seq === null ? '' : `AND ${OPENED_BEFORE_RECALL}`;
    const opened = this.column(
      `SELECT cc.user_id FROM chat_cursors cc
       WHERE cc.chat_key = :chatKey AND cc.user_id > :after AND cc.covers_below > :id AND ${recipient} ${recalled}
       ORDER BY cc.user_id LIMIT :limit`,
      { ...params, after: afterUserId, limit },
    );
    return Promise.resolve(mergeSortedUnique(explicit, opened, limit));
  }

  recipientReads(message: MessageRecord): Promise<RecipientRead[]> {
    const { row, params } = this.messageParams(message);
    const recipients =
      row.conversation_id === null
        ? `SELECT user_id, position AS sort FROM message_recipients WHERE message_id = :id`
        : `SELECT user_id, user_id AS sort FROM memberships WHERE conversation_id = :conversationId
             AND from_version <= :version AND to_version > :version`;
    const rows = this.all<{ user_id: string; name: string | null; read_at: number | null }>(
      `SELECT x.user_id, u.name, COALESCE(r.read_at, ${FIRST_OPEN_READ_AT}) AS read_at
       FROM (${recipients}) x
       LEFT JOIN users u ON u.org_id = :orgId AND u.user_id = x.user_id
       LEFT JOIN reads r ON r.message_id = :id AND r.user_id = x.user_id
       ORDER BY x.sort`,
      { ...params, orgId: row.org_id },
    );
    return Promise.resolve(rows.map((r) => ({ userId: r.user_id, name: r.name ?? r.user_id, readAt: r.read_at })));
  }

  countReaders(message: MessageRecord): Promise<number> {
    const { row, params } = this.messageParams(message);
    const recipient = row.conversation_id === null ? IS_OTO_RECIPIENT : IS_MEMBER;
    const recalled = row.recall_seq === null ? '' : `AND ${OPENED_BEFORE_RECALL}`;
    const counted = this.get<{ n: number }>(
      `SELECT (SELECT count(*) FROM reads WHERE message_id = :id)
        + (SELECT count(*) FROM chat_cursors cc WHERE cc.chat_key = :chatKey AND cc.covers_below > :id AND ${recipient} ${recalled}
           AND NOT EXISTS (SELECT 1 FROM reads r WHERE r.message_id = :id AND r.user_id = cc.user_id)) AS n`,
      params,
    );
    return Promise.resolve(counted?.n ?? 0);
  }
}

/**
 * Merges two lists of ids, each ascending in SQLite's order (UTF-8 bytes, which is code-point
 * order), into one such list without repeats, at most `limit` long.
 */
export function mergeSortedUnique(a: string[], b: string[], limit: number): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    const order = x === undefined ? 1 : y === undefined ? -1 : compareCodePoints(x, y);
    let next: string;
    if (order < 0) {
      next = x as string;
      i++;
    } else if (order > 0) {
      next = y as string;
      j++;
    } else {
      next = x as string;
      i++;
      j++;
    }
    out.push(next);
  }
  return out;
}

/** Code-point order, the order SQLite's BINARY collation gives UTF-8 text (JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let k = 0; k < length; k++) {
    const ca = a.codePointAt(k) as number;
    const cb = b.codePointAt(k) as number;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) k++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

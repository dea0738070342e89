/**
 * The shared store: PostgreSQL through node-postgres, for several stateless dingread nodes on one
 * database. The rules are those of every SQL backend (sql/, one file per aggregate); this file runs them.
 *
 * Each Store method is one transaction on one pooled client (BEGIN … COMMIT, ROLLBACK on error).
 * Unlike SQLite, writers here run side by side, so the locks a unit asks for are real:
 * - `chat`: a transaction-scoped advisory lock on (schema, chat). The event sequence (`event_seq`)
 *   hands out numbers in call order, not commit order, and an open numbered n must cover exactly the
 *   messages of its chat below n that it has seen. Sends hold the chat's lock shared from before they
 *   draw their number to their commit; opens and recalls hold it exclusively, so they wait for the
 *   sends in flight and every message numbered below them has committed. Sends of one chat run side
 *   by side; opens and recalls take turns with everything in their chat; different chats never wait
 *   for each other (reads and queries never wait at all).
 * - `chatUsers`: transaction-scoped advisory locks on (schema, chat, user), so a read and an open
 *   of the same user in the same chat judge "first read wins" one after the other.
 * Writes run at READ COMMITTED, so every statement after a lock sees what committed before it;
 * a read of one statement (every chat query is one) runs alone, outside a transaction, since one
 * statement sees one snapshot; a read of several runs on one REPEATABLE READ snapshot.
 */
import type pg from 'pg';
import { OperatorError } from '../../core/operator-errors.js';
import { StoreConflictError, StoreUnavailableError, type StoreCapabilities } from '../../core/store.js';
import { SchemaTooNewError } from '../errors.js';
import { SqlStore } from '../sql/sql-store.js';
import { NEXT_NUMBER, STORE_WIDE, type AnswerStamp, type Lock, type Params, type Step, type UnitMode, type Work } from '../sql/unit.js';
import { GroupFailed, runTogether, type GroupRunner } from './group-commit.js';
import { MIGRATIONS } from './migrations.js';
import { literalOf, Opening, resultOf } from './opening.js';
import { PostgresBus } from './postgres-bus.js';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database; `?schema=NAME`, `?pool=N` and `?groupCommit=on|off` are read here. */
  url: string;
  /** The schema the tables live in (default `public`, or the URL's `schema`). */
  schema?: string;
  /** Most connections this node opens (default 10, or the URL's `pool`). */
  poolSize?: number;
  /**
   * Commit the sends of one event-loop turn together (default true, or the URL's `groupCommit`;
   * group-commit.ts). False runs each in a transaction of its own.
   */
  groupCommit?: boolean;
}

export class PostgresUrlError extends OperatorError {
  constructor(message: string) {
    super('store.invalidSpec', message);
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;
const RETRIES = 3;

/**
 * The driver, imported when the first PostgreSQL store is made, so that a server on another store
 * never loads it (it is a good part of a cold start).
 */
let driverImport: Promise<typeof pg> | undefined;
function loadDriver(): Promise<typeof pg> {
  driverImport ??= import('pg').then((module) => module.default);
  return driverImport;
}

/** BIGINT columns come back as numbers: every value dingread stores is below 2^53. */
function typeParsers(driver: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : driver.types.getTypeParser(oid, format ?? 'text'),
  } as pg.CustomTypesConfig;
}

export function parsePostgresUrl(options: PostgresStoreOptions): { connectionString: string; schema: string; poolSize: number; groupCommit: boolean } {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new PostgresUrlError('the PostgreSQL store needs a URL like postgres://user@host:5432/database');
  }
  const schema = options.schema ?? url.searchParams.get('schema') ?? 'public';
  const poolText = url.searchParams.get('pool');
  const poolSize = options.poolSize ?? (poolText === null ? 10 : Number(poolText));
  const groupText = url.searchParams.get('groupCommit');
  url.searchParams.delete('schema');
  url.searchParams.delete('pool');
  url.searchParams.delete('groupCommit');
  if (groupText !== null && groupText !== 'on' && groupText !== 'off') {
    throw new PostgresUrlError('groupCommit must be on or off');
  }
  const groupCommit = options.groupCommit ?? groupText !== 'off';
  if (!SCHEMA_NAME.test(schema)) {
    throw new PostgresUrlError(`schema ${JSON.stringify(schema)}: use lower-case letters, digits and _ (at most 63)`);
  }
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    throw new PostgresUrlError('pool must be a whole number of connections from 1 to 1000');
  }
  return { connectionString: url.toString(), schema, poolSize, groupCommit };
}

export class PostgresStore extends SqlStore {
  readonly kind = 'postgres' as const;
  readonly capabilities: StoreCapabilities = { durable: true, sharedAcrossProcesses: true };
  readonly schema: string;
  /** LISTEN/NOTIFY between the nodes on this schema (postgres-bus.ts). */
  readonly bus: PostgresBus;
  /** Made once the driver is loaded. */
  private readonly pool: Promise<pg.Pool>;
  /** Settles once the schema is migrated; every unit waits for it (and fails as it failed). */
  private readonly ready: Promise<void>;
  /** `:name` SQL rewritten to positional parameters, by SQL text. */
  private readonly statements = new Map<string, Statement>();
  /** The statements each connection has PREPAREd by name for EXECUTE (see executeSql). */
  private readonly preparedOn = new WeakMap<pg.PoolClient, Set<string>>();
  private closed: Promise<void> | undefined;
  private readonly groupCommit: boolean;
  /** Appends waiting for this turn's group commit, in arrival order. */
  private appends: QueuedAppend[] = [];
  /** Groups on their way (close waits for them). */
  private readonly committing = new Set<Promise<void>>();
  /** What a group needs of this store (group-commit.ts). */
  private readonly groupRunner: GroupRunner = {
    connect: () => this.connect(),
    stepText: (client, step, opening) => this.stepText(client, step, opening),
    sharedChatLocks: (client, chatKeys) => this.sharedChatLocks(client, chatKeys),
    stamping: (client, stamps) => this.stamping(client, stamps),
    isRefusal: (error) => typeof (error as { severity?: unknown }).severity === 'string' && !isConnectionError(error),
    isLockRefusal: (error) => String((error as Error).message).includes(LOCKED_CHAT),
  };

  constructor(options: PostgresStoreOptions) {
    super();
    const { connectionString, schema, poolSize, groupCommit } = parsePostgresUrl(options);
    this.schema = schema;
    this.groupCommit = groupCommit;
    this.pool = loadDriver().then((driver) => {
      const pool = new driver.Pool({ connectionString, max: poolSize, types: typeParsers(driver), options: `-c search_path=${schema}` });
      // An idle client losing its connection must not end the process: the next unit that needs a
      // connection fails with StoreUnavailableError instead.
      pool.on('error', () => undefined);
      return pool;
    });
    this.ready = this.migrate();
    this.ready.catch(() => undefined);
    this.bus = new PostgresBus({ driver: loadDriver, connectionString, schema, pool: this.pool });
  }

  /** Opens the store and waits for its schema: the way to learn at once that it cannot start. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.ready;
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /**
   * Brings the schema to the latest version under an advisory lock, so nodes starting together
   * against an empty database migrate once: the others wait, then find it current.
   */
  private async migrate(): Promise<void> {
    const client = await this.connect();
    try {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`dingread/migrate/${this.schema}`]);
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.schema}.schema_version (version INTEGER NOT NULL)`);
        const found = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${this.schema}.schema_version`);
        const current = found.rows[0]?.version ?? 0;
        if (current > MIGRATIONS.length) throw new SchemaTooNewError(current, MIGRATIONS.length);
        for (let version = current; version < MIGRATIONS.length; version++) {
          await client.query('BEGIN');
          try {
            await client.query(MIGRATIONS[version] as string);
            await client.query(`INSERT INTO ${this.schema}.schema_version (version) VALUES ($1)`, [version + 1]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`dingread/migrate/${this.schema}`]);
      }
    } catch (error) {
      throw translate(error);
    } finally {
      client.release();
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await (await this.pool).connect();
    } catch (error) {
      throw translate(error);
    }
  }

  private prepared(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      const names: string[] = [];
      const text = sql.replace(PARAMETER, (_match, name: string) => {
        if (name === NEXT_NUMBER) return NEXT_NUMBER_SQL;
        if (!names.includes(name)) names.push(name);
        return `$${names.indexOf(name) + 1}`;
      });
      statement = { name: `dingread_${this.statements.size}`, text, names, preparable: PREPARABLE.test(text) };
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private async query(client: pg.PoolClient, sql: string, params: Params): Promise<pg.QueryResult> {
    const { name, text, names } = this.prepared(sql);
    return client.query({ name, text, values: names.map((key) => params[key] ?? null) });
  }

  /**
   * The SQL of a lock, as text with its keys written in as literals: it has no result the unit
   * waits for, so it can ride in one round trip with the statements around it (see Opening).
   */
  private lockSql(client: pg.PoolClient, what: Lock): string {
    if (what.kind === 'chat') {
      const take = what.mode === 'send' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
      return `SELECT ${take}(hashtextextended(${client.escapeLiteral(`${this.schema}\n${what.chatKey}`)}, 0))`;
    }
    // One fixed order for every transaction, so two batches of reads cannot wait on each other.
    // (U+0000 is spelled out: text cannot hold it, and a shared lock for look-alikes is harmless.)
    const keys = [...new Set(what.keys.map((key) => `${this.schema}\n${key.replaceAll('\u0000', '\\0')}`))].sort();
    return `SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(ARRAY[${keys.map((key) => client.escapeLiteral(key)).join(', ')}]::text[]) AS k`;
  }

  /**
   * Adds one to each stamp, in one fixed order, so two units stamping the same rows cannot wait on
   * each other: the chats' in `answer_stamps`, the store-wide ones in `store_stamps` (a table of
   * their own, which a distributed PostgreSQL keeps on every shard). One statement either way, as a
   * batch counts its results by statement.
   */
  private stamping(client: pg.PoolClient, stamps: readonly AnswerStamp[]): string {
    const rowsOf = (of: readonly AnswerStamp[], row: (stamp: AnswerStamp) => string): string => [...new Set(of.map(row))].sort().join(', ');
    const storeWide = rowsOf(
      stamps.filter((stamp) => stamp.chatKey === STORE_WIDE),
      (stamp) => `(${Number(stamp.stripe)}, 1)`,
    );
    const chats = rowsOf(
      stamps.filter((stamp) => stamp.chatKey !== STORE_WIDE),
      (stamp) => `(${client.escapeLiteral(stamp.chatKey)}, ${Number(stamp.stripe)}, 1)`,
    );
    const storeWideSql = `INSERT INTO store_stamps (stripe, n) VALUES ${storeWide} ON CONFLICT (stripe) DO UPDATE SET n = store_stamps.n + 1`;
    const chatsSql = `INSERT INTO answer_stamps (chat_key, stripe, n) VALUES ${chats}
         ON CONFLICT (chat_key, stripe) DO UPDATE SET n = answer_stamps.n + 1`;
    if (chats === '') return storeWideSql;
    return storeWide === '' ? chatsSql : `WITH store_wide AS (${storeWideSql}) ${chatsSql}`;
  }

  /**
   * Several chats' locks in `send` mode, in the order given (a group's: group-commit.ts), each
   * taken only if it is free now: when one is not (an open or a recall of the chat holds it, or
   * waits for it), the statement fails, the group with it, and its sends run each alone, so that
   * no chat waits for another's open.
   */
  private sharedChatLocks(client: pg.PoolClient, chatKeys: readonly string[]): string {
    const keys = chatKeys.map((chatKey) => client.escapeLiteral(`${this.schema}\n${chatKey}`));
    // The cast fails only when a lock was not free: a CASE of constants would be folded, and
    // fail, when the statement is planned.
    return `SELECT CAST(CASE WHEN bool_and(pg_try_advisory_xact_lock_shared(hashtextextended(k, 0))) THEN 'true'
        ELSE '${LOCKED_CHAT}' END AS boolean) FROM unnest(ARRAY[${keys.join(', ')}]::text[]) AS k`;
  }

  /**
   * A step of a group's member as text for the group's simple query (group-commit.ts), or
   * undefined when it cannot go so: the member then runs alone.
   */
  private stepText(client: pg.PoolClient, step: Step, opening: Opening): string | undefined {
    if (step.op === 'sequence') return NEXT_VALUE;
    if (step.op === 'lock' || step.op === 'stamp' || holdsNul(step.params)) return undefined;
    return this.executeSql(client, step.sql, step.params, opening);
  }

  private async execute(client: pg.PoolClient, step: Step, opening: Opening): Promise<unknown> {
    if (opening.committed) throw new Error('a unit went on after the statement it said was its last');
    if (step.op === 'lock') {
      opening.statements.push(this.lockSql(client, step.lock));
      return undefined;
    }
    if (step.op === 'stamp') {
      // Last in most units, so it goes with the COMMIT: the rows stay locked for that round trip
      // only.
      opening.statements.push(this.stamping(client, step.stamps));
      return undefined;
    }
    if (step.op === 'sequence') {
      // The transaction's start, its locks and the number in one round trip: what a send waits
      // for before its first statement.
      opening.statements.push(NEXT_VALUE);
      const results = await opening.flush(client);
      return (results[results.length - 1] as pg.QueryResult).rows[0].value as number;
    }
    if (holdsNul(step.params)) {
      // PostgreSQL text cannot hold U+0000, so no stored value equals such a parameter: a lookup
      // finds nothing, as it does on SQLite (where such an id was never stored either). Writing
      // one is refused. Range parameters (reader-page cursors) only ever hold stored user ids.
      if (/^\s*(SELECT|WITH)\b/i.test(step.sql)) return step.op === 'get' ? undefined : step.op === 'run' ? 0 : [];
      throw new StoreConflictError('PostgreSQL cannot store text containing U+0000');
    }
    const last = (step.op === 'get' || step.op === 'run') && step.last === true && opening.inTransaction;
    if (last || opening.statements.length > 0) {
      // BEGIN and the locks are waiting, or the COMMIT may go along: the statement rides with them
      // in one simple query, as an EXECUTE of its prepared form.
      const executed = this.executeSql(client, step.sql, step.params, opening);
      if (executed !== undefined) {
        opening.statements.push(executed);
        if (last) {
          opening.statements.push('COMMIT');
          opening.committed = true;
        }
        const results = await opening.flush(client);
        return resultOf(step, results[results.length - (last ? 2 : 1)] as pg.QueryResult);
      }
    }
    await opening.flush(client);
    return resultOf(step, await this.query(client, step.sql, step.params));
  }

  /**
   * `EXECUTE name(arguments)` of a statement, for a simple query (which takes no parameters), with
   * its arguments written in as literals; the PREPARE goes first when this connection has not
   * prepared it yet. The server plans the statement once per connection instead of on every call,
   * as it does for the driver's own prepared statements. Undefined when an argument cannot be
   * written as a literal: the statement then goes on its own.
   */
  private executeSql(client: pg.PoolClient, sql: string, params: Params, opening: Opening): string | undefined {
    const { name, text, names, preparable } = this.prepared(sql);
    if (!preparable) return undefined;
    const literals: string[] = [];
    for (const key of names) {
      const literal = literalOf(client, params[key]);
      if (literal === undefined) return undefined;
      literals.push(literal);
    }
    if (names.length > MOST_PREPARED_PARAMETERS) {
      // A batch (hundreds of recipients): its text differs with its size, so a plan kept per size
      // and connection would cost the server memory for little; it goes written out instead.
      return sql.replace(PARAMETER, (_match, key: string) => (key === NEXT_NUMBER ? NEXT_NUMBER_SQL : (literals[names.indexOf(key)] as string)));
    }
    const sqlName = `${name}_simple`;
    let known = this.preparedOn.get(client);
    if (!known) {
      known = new Set();
      this.preparedOn.set(client, known);
    }
    if (!known.has(sqlName) && !opening.preparing.has(sqlName)) {
      opening.statements.push(`PREPARE ${sqlName} AS ${text}`);
      opening.preparing.set(sqlName, known);
    }
    return literals.length === 0 ? `EXECUTE ${sqlName}` : `EXECUTE ${sqlName}(${literals.join(', ')})`;
  }

  protected async unit<T>(mode: UnitMode, make: () => Work<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('the PostgreSQL store is closed');
    await this.ready;
    if (mode === 'statement') return this.statement(make);
    if (mode === 'append' && this.groupCommit) return this.append(make);
    return this.transaction(mode, make);
  }

  /** An append, committed with the others of this event-loop turn (group-commit.ts). */
  private append<T>(make: () => Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.appends.length === 0) setImmediate(() => this.commitAppends());
      this.appends.push({ make, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private commitAppends(): void {
    const queued = this.appends;
    this.appends = [];
    for (let start = 0; start < queued.length; start += MOST_IN_A_GROUP) {
      const committing = this.commitGroup(queued.slice(start, start + MOST_IN_A_GROUP));
      this.committing.add(committing);
      void committing.finally(() => this.committing.delete(committing));
    }
  }

  private async commitGroup(group: QueuedAppend[]): Promise<void> {
    if (group.length > 1) {
      try {
        const outcomes = await runTogether(this.groupRunner, group.map((queued) => queued.make));
        group.forEach((queued, i) => {
          const outcome = outcomes[i];
          if (outcome?.ok) queued.resolve(outcome.value);
          else queued.reject(translate(outcome?.error));
        });
        return;
      } catch (error) {
        if (!(error instanceof GroupFailed && error.runAlone)) {
          // Whether the group committed is not known: no send may run again.
          const cause = error instanceof GroupFailed ? error.error : error;
          for (const queued of group) queued.reject(translate(cause));
          return;
        }
        // Nothing of the group was kept: each runs alone, as without the group.
      }
    }
    await Promise.all(group.map((queued) => this.transaction('write', queued.make).then(queued.resolve, queued.reject)));
  }

  /** A unit in a transaction of its own. */
  private async transaction<T>(mode: UnitMode, make: () => Work<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      let broken = false;
      const opening = new Opening(mode === 'read' ? BEGIN_SNAPSHOT : 'BEGIN');
      try {
        const work = make();
        let next = work.next();
        while (!next.done) next = work.next(await this.execute(client, next.value, opening));
        if (!opening.committed) {
          opening.statements.push('COMMIT');
          await opening.flush(client);
        }
        return next.value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        // Whether a PREPARE in the failed batch ran is unknown: the connection goes, and with it
        // the statements it prepared.
        if (opening.unsure) broken = true;
        // A deadlock (two writers took hash-colliding locks in opposite orders) or a serialization
        // failure leaves nothing applied: run the unit again.
        if (isRetryable(error) && attempt < RETRIES) continue;
        throw translate(error);
      } finally {
        client.release(broken);
      }
    }
  }

  /**
   * A read of one statement, outside any transaction: at READ COMMITTED one statement sees one
   * snapshot by itself, so BEGIN and COMMIT would only add two round trips.
   */
  private async statement<T>(make: () => Work<T>): Promise<T> {
    const client = await this.connect();
    let broken = false;
    try {
      const work = make();
      let next = work.next();
      let statements = 0;
      while (!next.done) {
        if (++statements > 1) throw new Error('a unit run as one statement asked for a second: run it as a read');
        next = work.next(await this.execute(client, next.value, new Opening()));
      }
      return next.value;
    } catch (error) {
      broken = isConnectionError(error);
      throw translate(error);
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    this.closed ??= this.finish();
    return this.closed;
  }

  private async finish(): Promise<void> {
    // Sends already asked for are committed (and answered) before the pool ends, as on SQLite:
    // those still waiting for the schema join the queue first (they awaited it before this did).
    const sent = this.ready.then(
      () => {
        this.commitAppends();
        return Promise.all([...this.committing]);
      },
      () => undefined,
    );
    await Promise.allSettled([sent, this.bus.close(), this.removeTemporaryStaging()]);
    let pool: pg.Pool;
    try {
      pool = await this.pool;
    } catch {
      return; // the driver could not be loaded: there is no pool to end
    }
    await pool.end();
  }
}

/** A send waiting for its group (see commitAppends). */
interface QueuedAppend {
  make: () => Work<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** What sharedChatLocks' statement fails with when a lock is not free (in its error message). */
const LOCKED_CHAT = 'a chat of the group is locked';

/** Most appends in one group: a larger burst is split, its groups running side by side. */
const MOST_IN_A_GROUP = 64;

/** Whether a parameter holds U+0000, which PostgreSQL text cannot. */
function holdsNul(params: Params): boolean {
  for (const key in params) {
    const value = params[key];
    if (typeof value === 'string' && value.includes('\u0000')) return true;
  }
  return false;
}

/** A statement as the server gets it: positional parameters, and the names they stand for. */
interface Statement {
  name: string;
  text: string;
  names: string[];
  /** Whether PREPARE takes it (a query or a row change; not DDL). */
  preparable: boolean;
}

const PREPARABLE = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|VALUES)\b/i;

/** Statements with more parameters than this are written out rather than prepared (executeSql). */
const MOST_PREPARED_PARAMETERS = 64;

/** A `:name` parameter in dingread's SQL (not a `::type` cast). */
const PARAMETER = /(?<![:\w]):([A-Za-z_]\w*)/g;

/** What a numbered statement's `:nextNumber` becomes here (unit.ts NEXT_NUMBER). */
const NEXT_NUMBER_SQL = `nextval('event_seq')`;

/** A `sequence` step's statement: the next number, as `value`. */
const NEXT_VALUE = `SELECT ${NEXT_NUMBER_SQL} AS value`;

/** Several statements of a read see one snapshot. */
const BEGIN_SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY';

/** Whether the connection itself failed (it goes back to the pool to be dropped, not reused). */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_CODES.has(code))) || /Connection terminated/i.test(String((error as Error).message));
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '40P01' || code === '40001';
}

const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** Driver errors become the core's: a broken constraint, or a database out of reach. */
function translate(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (code === '23505' || code === '23503') return new StoreConflictError(error.message, { cause: error });
  if (
    (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_CODES.has(code))) ||
    isRetryable(error) ||
    /Connection terminated|connection timeout/i.test(error.message)
  ) {
    return new StoreUnavailableError(`PostgreSQL is unavailable: ${error.message}`, { cause: error });
  }
  return error;
}

/**
 * The embedded store: SQLite through better-sqlite3, in a file (WAL) or in memory.
 *
 * better-sqlite3 is synchronous, so a unit of work (sql/logic.ts) runs start to end inside one
 * `transaction()` and the method returns an already-settled promise: no other request can
 * interleave with it, which is why this backend needs none of the locks a unit asks for.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreConflictError, StoreUnavailableError, type StoreCapabilities } from '../../core/store.js';
import { SchemaTooNewError } from '../errors.js';
import { SqlStore } from '../sql/sql-store.js';
import type { Step, UnitMode, Work } from '../sql/unit.js';
import { MIGRATIONS } from './migrations.js';

export { SchemaTooNewError } from '../errors.js';
export { compareCodePoints, mergeSortedUnique } from '../sql/rows.js';

export type SqliteSynchronous = 'NORMAL' | 'FULL';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for a store that lives and dies with the process. */
  path: string;
  /**
   * NORMAL (default) keeps every committed transaction across a crash of the process; FULL also
   * across a crash of the machine, at the cost of an fsync per commit.
   */
  synchronous?: SqliteSynchronous;
  /** Keep lookups and query answers in memory between calls (default true; sql/lookup-cache.ts). */
  lookupCache?: boolean;
}

export class SqliteStore extends SqlStore {
  readonly kind: 'memory' | 'sqlite';
  readonly capabilities: StoreCapabilities;
  private readonly db: Database.Database;
  /** Prepared statements, by SQL text. */
  private readonly statements = new Map<string, Database.Statement>();
  private readonly lookupCache: boolean;

  constructor(options: SqliteStoreOptions) {
    super();
    const inMemory = options.path === ':memory:';
    if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });
    this.kind = inMemory ? 'memory' : 'sqlite';
    this.capabilities = { durable: !inMemory, sharedAcrossProcesses: false };
    this.lookupCache = options.lookupCache ?? true;
    this.db = new Database(options.path);
    if (!inMemory) this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  protected override keepsLookups(): boolean {
    return this.lookupCache && super.keepsLookups();
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

  private stmt(sql: string, pluck = false): Database.Statement {
    const key = pluck ? `pluck:${sql}` : sql;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (pluck) statement.pluck();
      this.statements.set(key, statement);
    }
    return statement;
  }

  private execute(step: Step): unknown {
    switch (step.op) {
      case 'get':
        return this.stmt(step.sql).get(step.params);
      case 'all':
        return this.stmt(step.sql).all(step.params);
      case 'column':
        return this.stmt(step.sql, true).all(step.params);
      case 'run':
        return this.stmt(step.sql).run(step.params).changes;
      case 'lock':
        return undefined; // every transaction here runs alone
    }
  }

  protected unit<T>(mode: UnitMode, make: () => Work<T>): Promise<T> {
    const drive = (): T => {
      const work = make();
      let next = work.next();
      while (!next.done) next = work.next(this.execute(next.value));
      return next.value;
    };
    try {
      // A read needs no transaction here: the unit runs synchronously on the process's only
      // connection, so no write can land between its statements (and no other process shares the
      // file: capabilities.sharedAcrossProcesses). That saves a BEGIN and a COMMIT per query.
      if (mode === 'read') return Promise.resolve(drive());
      return Promise.resolve(this.db.transaction(drive).immediate());
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

function translate(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return error;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new StoreConflictError((error as Error).message, { cause: error });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreUnavailableError(`the database is busy: ${(error as Error).message}`, { cause: error });
  }
  return error;
}

/**
 * The embedded store: SQLite through better-sqlite3, in a file (WAL) or in memory.
 *
 * better-sqlite3 is synchronous, so a unit of work (sql/unit.ts) runs start to end without
 * another request interleaving with it, which is why this backend needs none of the locks a unit
 * asks for. A read runs at once. Writes are committed in groups (group commit): those that
 * arrive in one turn of the event loop run one after another in one transaction, each in its own
 * savepoint, and each is answered after the shared commit. A file's commit writes the changed
 * pages to the WAL, the larger part of a small write's cost, and even in memory BEGIN and COMMIT
 * cost more than a send's statements, so a group pays them once. A write that fails rolls back to
 * its savepoint alone and the others still commit.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LocalBus } from '../../core/bus.js';
import { StoreConflictError, StoreUnavailableError, type StoreCapabilities } from '../../core/store.js';
import { SchemaTooNewError } from '../errors.js';
import { SqlStore } from '../sql/sql-store.js';
import { NEXT_NUMBER, type Params, type Step, type UnitMode, type Work } from '../sql/unit.js';
import { MIGRATIONS } from './migrations.js';

export { SchemaTooNewError } from '../errors.js';
export { compareCodePoints } from '../sql/rows.js';

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
  /** Commit writes in groups (default true; see above). False commits each on its own, at once. */
  groupCommit?: boolean;
}

interface QueuedWrite {
  drive: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class SqliteStore extends SqlStore {
  readonly kind: 'memory' | 'sqlite';
  readonly capabilities: StoreCapabilities;
  /** No other process shares the file: every node there is, is this one. */
  readonly bus = new LocalBus();
  private readonly db: Database.Database;
  /** Prepared statements, by SQL text. */
  private readonly statements = new Map<string, Database.Statement>();
  private readonly groupCommit: boolean;
  /** Writes waiting for the next group commit, in arrival order. */
  private queued: QueuedWrite[] = [];
  private readonly lookupCache: boolean;
  /** A file store's media live beside it, in `<file>-media/` (store/media.ts); in memory, in a table. */
  private readonly mediaDirectory: string | null;

  constructor(options: SqliteStoreOptions) {
    super();
    const inMemory = options.path === ':memory:';
    if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });
    this.kind = inMemory ? 'memory' : 'sqlite';
    this.mediaDirectory = inMemory ? null : `${options.path}-media`;
    if (this.mediaDirectory !== null) mkdirSync(this.mediaDirectory, { recursive: true });
    this.capabilities = { durable: !inMemory, sharedAcrossProcesses: false };
    this.lookupCache = options.lookupCache ?? true;
    this.groupCommit = options.groupCommit ?? true;
    this.db = new Database(options.path);
    if (!inMemory) this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  protected override mediaFolder(): string | null {
    return this.mediaDirectory;
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
        return this.stmt(step.sql).get(step.numbered ? this.numbered(step.params) : step.params);
      case 'all':
        return this.stmt(step.sql).all(step.params);
      case 'column':
        return this.stmt(step.sql, true).all(step.params);
      case 'run':
        return this.stmt(step.sql).run(step.numbered ? this.numbered(step.params) : step.params).changes;
      case 'lock':
        return undefined; // every transaction here runs alone
      case 'stamp':
        return undefined; // no other process keeps answers: sql-store.ts drops this one's as the write passes
      case 'sequence':
        return this.nextNumber();
    }
  }

  private nextNumber(): number {
    return (this.stmt(`UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value`).get() as { value: number }).value;
  }

  /** A numbered statement's parameters: the number drawn now, in the statement's transaction. */
  private numbered(params: Params): Params {
    return { ...params, [NEXT_NUMBER]: this.nextNumber() };
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
      if (mode === 'statement' || mode === 'read') return Promise.resolve(drive());
      if (this.groupCommit) {
        return new Promise<T>((resolve, reject) => {
          if (this.queued.length === 0) setImmediate(() => this.commitQueued());
          this.queued.push({ drive, resolve: resolve as (value: unknown) => void, reject });
        });
      }
      return Promise.resolve(this.db.transaction(drive).immediate());
    } catch (error) {
      return Promise.reject(translate(error));
    }
  }

  /** Runs the queued writes in one transaction, each in a savepoint, and answers them after the commit. */
  private commitQueued(): void {
    const group = this.queued;
    this.queued = [];
    if (group.length === 0) return;
    if (!this.db.open) {
      for (const write of group) write.reject(new StoreUnavailableError('the store is closed'));
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const write of group) {
        this.db.exec('SAVEPOINT write');
        try {
          outcomes.push({ ok: true, value: write.drive() });
          this.db.exec('RELEASE write');
        } catch (error) {
          // Nothing of a failed write stays: its own statements are undone, the group goes on.
          this.db.exec('ROLLBACK TO write');
          this.db.exec('RELEASE write');
          outcomes.push({ ok: false, error: translate(error) });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      // The commit itself failed (or BEGIN did): nothing of the group was kept, so none succeeded.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const write of group) write.reject(translate(error));
      return;
    }
    group.forEach((write, index) => {
      const outcome = outcomes[index] as (typeof outcomes)[number];
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }

  close(): Promise<void> {
    // Writes already asked for are committed (and answered) before the file closes.
    if (this.db.open) this.commitQueued();
    if (this.db.open) this.db.close();
    return Promise.all([this.bus.close(), this.removeTemporaryStaging()]).then(() => undefined);
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

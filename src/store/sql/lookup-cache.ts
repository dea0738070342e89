/** The lookup cache: records and query answers kept in memory by a store no other process writes to. */
/*
 * What DingTalk calls read, kept in memory between calls: the records every call looks up first
 * (its token, the robot, the conversation, the message) and the answers of the read-status
 * queries (who read a message), which bots ask again and again while nothing changes. Only for a
 * store no other process writes to (`capabilities.sharedAcrossProcesses` false: SQLite and the
 * in-memory store), where every write passes through this process and can drop what it may have
 * changed.
 *
 * The rule is coarse on purpose: a write drops every cached entry it could possibly touch
 * (sql-store.ts says which for each write). Sends touch nothing cached; reads and chat opens drop
 * the query answers; recalls and purges the messages too; anything else (the directory, tokens,
 * a reset) drops everything. Only records that exist are cached, so a record created later is
 * never hidden behind a remembered "not found". Callers share what is cached and must not change
 * it: records are frozen to make sure of it (see freeze); answers, which the queries only read or
 * copy, are left as they are.
 */

/** Which cached entries a write may change, each level including the ones before it. */
export type Invalidation = 'none' | 'answers' | 'messages' | 'all';

export type CacheArea = 'directory' | 'messages' | 'answers';

/** Sized so that a busy server's working set fits and a runaway one stays bounded. */
export const LOOKUP_CACHE_SIZE = 10_000;
/** Answers are bigger (a page holds up to 200 userIds): fewer of them. */
export const ANSWER_CACHE_SIZE = 1_000;

class BoundedMap<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly limit: number) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    // The oldest entry goes first: a Map iterates in insertion order.
    if (this.entries.size >= this.limit && !this.entries.has(key)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Records are frozen, with the small arrays they hold (scopes, robotCodes). Answers are not: V8
 * copies and serialises a frozen array through a slow path (slicing a page of 200 userIds took 40
 * times as long), and an answer holds such a page beside its message.
 */
function freeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (Array.isArray(inner)) Object.freeze(inner);
  return Object.freeze(value);
}

export class LookupCache {
  private readonly areas: Record<CacheArea, BoundedMap<object>>;
  /**
   * Bumped by every write that drops entries. A lookup that began before a write finished must
   * not store what it read, since it may have read the row as it was before the write.
   */
  private generation = 0;

  constructor(limit = LOOKUP_CACHE_SIZE, answerLimit = ANSWER_CACHE_SIZE) {
    this.areas = { directory: new BoundedMap(limit), messages: new BoundedMap(limit), answers: new BoundedMap(answerLimit) };
  }

  /** The value under `key`, from memory or else from `load` (remembered if it exists). */
  async lookup<T extends object>(area: CacheArea, key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const map = this.areas[area];
    const hit = map.get(key);
    if (hit !== undefined) return hit as T;
    const generation = this.generation;
    const record = await load();
    if (record === undefined || generation !== this.generation) return record;
    map.set(key, area === 'answers' ? record : freeze(record));
    return record;
  }

  invalidate(what: Invalidation): void {
    if (what === 'none') return;
    this.generation++;
    this.areas.answers.clear();
    if (what === 'answers') return;
    this.areas.messages.clear();
    if (what === 'all') this.areas.directory.clear();
  }
}

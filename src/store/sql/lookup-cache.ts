/** The lookup cache: records and query answers kept in memory, dropped by the writes that may change them, on every node. */
/*
 * What DingTalk calls read, kept in memory between calls: the records every call looks up first
 * (its token, the robot, the conversation, the message) and the answers of the read-status
 * queries (who read a message), which bots ask again and again while nothing changes. A store no
 * other process writes to (SQLite, the in-memory store) sees every write pass through it and drops
 * what it may have changed at once. A store several nodes share (PostgreSQL) keeps the records
 * here and hears of the other nodes' writes over the bus (BusInvalidation below): a record changed
 * on another node may be served as it was until that node's signal arrives (one NOTIFY after its
 * commit). Answers change with every read and open, and a read reported to one node must show on
 * the next query to any other, so a shared store keeps them elsewhere, with the stamp of their
 * chat, and checks that stamp in the query itself on every call (sql-store.ts, answer).
 *
 * The rule is coarse on purpose: a write drops every cached entry it could possibly touch
 * (sql-store.ts says which for each write). Sends touch nothing cached; reads and chat opens drop
 * the query answers; recalls and purges the messages too; anything else (the directory, tokens,
 * a reset) drops everything. Only records that exist are cached, so a record created later is
 * never hidden behind a remembered "not found". Callers share what is cached and must not change
 * it: records are frozen to make sure of it (see freeze); answers, which the queries only read or
 * copy, are left as they are.
 */

import type { Bus } from '../../core/bus.js';

/** Which cached entries a write may change, each level including the ones before it. */
export type Invalidation = 'none' | 'answers' | 'messages' | 'all';

const LEVELS: readonly Invalidation[] = ['none', 'answers', 'messages', 'all'];

export type CacheArea = 'directory' | 'messages' | 'answers';

/**
 * Where an entry is kept: each kind of record its own map, keyed by the record's own id as the
 * request gave it, so that a lookup builds no key string (a hot query makes four). A page of
 * readers is found by its message's key, then by where it starts and its size (PageShelf).
 */
export type Shelf = 'token' | 'robot' | 'conversation' | 'message' | 'recipients';

const AREA_OF: Record<Shelf, CacheArea> = {
  token: 'directory',
  robot: 'directory',
  conversation: 'directory',
  message: 'messages',
  recipients: 'answers',
};

/** Sized so that a busy server's working set fits and a runaway one stays bounded. */
export const LOOKUP_CACHE_SIZE = 10_000;
/** Answers are bigger (a page holds up to 200 userIds): fewer of them. */
export const ANSWER_CACHE_SIZE = 1_000;
/** A message's pages kept at once: a bot walking a long list of readers keeps its latest ones. */
const PAGES_PER_MESSAGE = 16;

export class BoundedMap<V> {
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

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

interface KeptPage<V> {
  after: string;
  size: number;
  value: V;
}

/**
 * Pages of readers by message key, each message's in a short list searched in order (a bot asks
 * for one page, or walks a few): no key is built per lookup. At most `limit` pages in all, the
 * oldest message's going first, and PAGES_PER_MESSAGE of one message, its oldest going first.
 */
export class PageShelf<V> {
  private readonly messages = new Map<string, KeptPage<V>[]>();
  private count = 0;

  constructor(private readonly limit: number) {}

  get(key: string, after: string, size: number): V | undefined {
    const pages = this.messages.get(key);
    if (pages === undefined) return undefined;
    for (let i = 0; i < pages.length; i++) {
      const page = pages[i] as KeptPage<V>;
      if (page.size === size && page.after === after) return page.value;
    }
    return undefined;
  }

  set(key: string, after: string, size: number, value: V): void {
    let pages = this.messages.get(key);
    if (pages === undefined) {
      pages = [];
      this.messages.set(key, pages);
    }
    const at = pages.findIndex((page) => page.size === size && page.after === after);
    if (at >= 0) {
      (pages[at] as KeptPage<V>).value = value;
      return;
    }
    if (pages.length >= PAGES_PER_MESSAGE) {
      pages.shift();
      this.count--;
    }
    pages.push({ after, size, value });
    this.count++;
    while (this.count > this.limit) {
      const oldest = this.messages.entries().next();
      if (oldest.done) break;
      const [oldestKey, oldestPages] = oldest.value;
      // Only this message's pages left: its oldest go, one by one, and the newest stays.
      if (oldestKey === key) {
        if (oldestPages.length <= 1) break;
        oldestPages.shift();
        this.count--;
        continue;
      }
      this.messages.delete(oldestKey);
      this.count -= oldestPages.length;
    }
  }

  clear(): void {
    this.messages.clear();
    this.count = 0;
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
  private readonly shelves: Record<Shelf, BoundedMap<object>>;
  private readonly pages: PageShelf<object>;
  /**
   * Bumped by every write that drops entries. A lookup that began before a write finished must
   * not store what it read, since it may have read the row as it was before the write.
   */
  private generation = 0;

  /** Whether entries may be kept: off while a shared cache cannot hear the other nodes (BusInvalidation). */
  private keeping = true;

  constructor(
    /** The most records of each kind kept. */
    limit = LOOKUP_CACHE_SIZE,
    /** The most answers of each kind (recipient lists, pages) kept. */
    answerLimit = ANSWER_CACHE_SIZE,
    /** Whether query answers are kept too (not when other nodes write: see the top of this file). */
    private readonly keepsAnswers = true,
  ) {
    this.shelves = {
      token: new BoundedMap(limit),
      robot: new BoundedMap(limit),
      conversation: new BoundedMap(limit),
      message: new BoundedMap(limit),
      recipients: new BoundedMap(answerLimit),
    };
    this.pages = new PageShelf(answerLimit);
  }

  private holds(area: CacheArea): boolean {
    return this.keeping && (area !== 'answers' || this.keepsAnswers);
  }

  /** The value under `key` if it is in memory now, without loading it: a hit costs no promise. */
  peek<T extends object>(shelf: Shelf, key: string): T | undefined {
    if (!this.holds(AREA_OF[shelf])) return undefined;
    return this.shelves[shelf].get(key) as T | undefined;
  }

  /** The value under `key`, from memory or else from `load` (remembered if it exists). */
  lookup<T extends object>(shelf: Shelf, key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const area = AREA_OF[shelf];
    if (!this.holds(area)) return load();
    const map = this.shelves[shelf];
    const hit = map.get(key);
    if (hit !== undefined) return Promise.resolve(hit as T);
    return this.kept(load, (record) => map.set(key, area === 'answers' ? record : freeze(record)));
  }

  /** A page of a message's readers (by its key, where the page starts, its size) if in memory now. */
  peekPage<T extends object>(key: string, after: string, size: number): T | undefined {
    if (!this.holds('answers')) return undefined;
    return this.pages.get(key, after, size) as T | undefined;
  }

  /** The page, from memory or else from `load`, as lookup. */
  lookupPage<T extends object>(key: string, after: string, size: number, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (!this.holds('answers')) return load();
    const hit = this.pages.get(key, after, size);
    if (hit !== undefined) return Promise.resolve(hit as T);
    return this.kept(load, (page) => this.pages.set(key, after, size, page));
  }

  /** What `load` finds, kept unless it is nothing or a write landed meanwhile. */
  private kept<T extends object>(load: () => Promise<T | undefined>, keep: (record: T) => void): Promise<T | undefined> {
    const generation = this.generation;
    return load().then((record) => {
      if (record !== undefined && generation === this.generation) keep(record);
      return record;
    });
  }

  /** Stops keeping entries (dropping them all), or starts again. */
  keep(keeping: boolean): void {
    this.invalidate('all');
    this.keeping = keeping;
  }

  invalidate(what: Invalidation): void {
    if (what === 'none') return;
    this.generation++;
    this.shelves.recipients.clear();
    this.pages.clear();
    if (what === 'answers') return;
    this.shelves.message.clear();
    if (what === 'all') {
      this.shelves.token.clear();
      this.shelves.robot.clear();
      this.shelves.conversation.clear();
    }
  }
}

/** The bus topic of cache invalidations: `<node id> <level>`. */
const TOPIC = 'lookups';

/**
 * A shared store's cache, kept in step with the other nodes' writes over the bus (core/bus.ts):
 * every write, once done, tells the others how much it may have changed, and each drops that much
 * of its own cache. Signals are merged while one is on its way (a burst of writes costs one NOTIFY,
 * which on PostgreSQL takes a database-wide lock at commit, so they must stay few). Nothing is kept
 * until the node listens, nor while its link is down: it would miss the signals meanwhile.
 */
export class BusInvalidation {
  /** The most that writes since the last signal may have changed, waiting to be sent. */
  private pending: Invalidation = 'none';
  private sending = false;

  constructor(
    private readonly cache: LookupCache,
    private readonly bus: Bus,
  ) {
    cache.keep(false);
    bus.onLinkChange((link) => cache.keep(link === 'restored'));
    bus.subscribe(TOPIC, (message) => this.heard(message)).then(
      () => cache.keep(true),
      () => undefined, // no link: the cache stays off, and the bus tries again
    );
  }

  /** After a write on this node: the others drop what it may have changed. */
  written(what: Invalidation): void {
    if (LEVELS.indexOf(what) <= LEVELS.indexOf(this.pending)) return;
    this.pending = what;
    if (!this.sending) void this.send();
  }

  private async send(): Promise<void> {
    this.sending = true;
    try {
      while (this.pending !== 'none') {
        const what = this.pending;
        this.pending = 'none';
        // A signal that cannot be sent means the database is out of reach for the others too; the
        // next write sends again.
        await this.bus.publish(TOPIC, `${this.bus.nodeId} ${what}`).catch(() => undefined);
      }
    } finally {
      this.sending = false;
    }
  }

  private heard(message: string): void {
    const [node, what] = message.split(' ');
    // This node dropped its own writes' entries already, when they were done.
    if (node === this.bus.nodeId) return;
    if (LEVELS.includes(what as Invalidation)) this.cache.invalidate(what as Invalidation);
    else this.cache.invalidate('all');
  }
}

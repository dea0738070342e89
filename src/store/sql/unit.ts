/** Units of work: how a Store method's rules, written once, yield their statements to any SQL backend. */
/*
 * A Store method's rules are a generator that yields the statements it needs one by one and gets
 * each one's result back; the backend drives it inside one transaction, synchronously (SQLite) or
 * awaiting each statement (PostgreSQL). So the rules live in one place, a file per aggregate of the
 * contract (directory.ts, tokens.ts, messages.ts, reads.ts, retention.ts, store-wide.ts; each
 * exported generator there is one Store method), and the backends differ only in how they run
 * statements.
 *
 * SQL is written with `:name` parameters in the dialect both backends accept; a backend that
 * wants positional parameters rewrites it (postgres/postgres-store.ts).
 */

export type Params = Readonly<Record<string, unknown>>;

/**
 * What a unit must hold before it decides anything. SQLite runs every write alone, so it ignores
 * these; PostgreSQL runs writers side by side and takes the locks named here.
 * - `chat`: the chat's order (its key, rows.ts chatKeyOfMessage), held to the end of the transaction, so
 *   an open or a recall numbered n has seen committed every message of its chat numbered below n.
 *   Only numbers of one chat are ever compared, so chats never wait for each other. A send takes it
 *   in `send` mode, which sends share: sends of one chat run side by side (nothing compares one
 *   send's number with another's), and an open, a recall or a webhook post (`exclusive`) waits for
 *   the sends in flight to commit and holds new ones back until it commits.
 * - `chatUsers`: the (chat, user) pairs whose read state the unit is about to judge and change,
 *   so a read and an open of the same user and chat never decide "first read" on stale state.
 *   Taken before `chat` when a unit takes both.
 */
export type Lock = { kind: 'chat'; chatKey: string; mode: 'send' | 'exclusive' } | { kind: 'chatUsers'; keys: string[] };

/**
 * How a writing statement may be sent:
 * - `last`: the unit promises to yield nothing after this statement, so a backend that talks to a
 *   database server may send it together with the COMMIT (PostgreSQL: one round trip less);
 * - `numbered`: the statement takes the next number of the event sequence itself, where it says
 *   `:nextNumber` (see NEXT_NUMBER), so the unit needs no round trip to learn the number first.
 */
export interface StepOptions {
  last?: boolean;
  numbered?: boolean;
}

export type Step =
  | ({ op: 'get'; sql: string; params: Params } & StepOptions)
  | { op: 'all'; sql: string; params: Params }
  | { op: 'column'; sql: string; params: Params }
  | ({ op: 'run'; sql: string; params: Params } & StepOptions)
  | { op: 'lock'; lock: Lock }
  /** The next number of the event sequence (message ids, open and recall numbers): unique, rising. */
  | { op: 'sequence' }
  /** The unit changes read-status answers of these chats (see answersChanged). */
  | { op: 'stamp'; stamps: AnswerStamp[] };

/** A chat's answers (its key, or STORE_WIDE for all of them) and one of its stripes. */
export interface AnswerStamp {
  chatKey: string;
  stripe: number;
}

/** The stamp of a change that may touch every answer: fixtures, a purge, a reset. */
export const STORE_WIDE = '*';

/**
 * Stripes per chat: reads of different users in one chat bump different rows, so they seldom
 * wait for each other's commit.
 */
export const ANSWER_STRIPES = 8;

export function stripeOf(userId: string): number {
  let hash = 0;
  for (let i = 0; i < userId.length; i++) hash = (hash * 31 + userId.charCodeAt(i)) | 0;
  return Math.abs(hash) % ANSWER_STRIPES;
}

/**
 * Tells a store whose answers other nodes keep that these chats' read-status answers changed.
 * PostgreSQL adds one to each stamp's row in the same transaction (a chat's in `answer_stamps`,
 * STORE_WIDE's in `store_stamps`); a node
 * keeping an answer checks, in one small statement, that its chat's stamps still sum to what they
 * were when the answer was read (sql-store.ts, answers). Stamps only ever grow (a reset keeps
 * them), so an equal sum means nothing committed since. SQLite, which no other process writes,
 * drops its kept answers as the write passes through it and ignores this.
 */
export function* answersChanged(stamps: AnswerStamp[]): Work<void> {
  if (stamps.length > 0) yield { op: 'stamp', stamps };
}

/** One Store method's statements; the backend feeds each statement's result back in. */
export type Work<T> = Generator<Step, T, unknown>;

/**
 * The parameter a `numbered` statement writes where it takes the next number of the event sequence
 * (the number nextSeq would give): PostgreSQL puts `nextval('event_seq')` in its place, SQLite
 * draws the number just before the statement runs, inside the same transaction. Take the chat's
 * lock before such a statement, as before nextSeq. Read the number back with RETURNING.
 */
export const NEXT_NUMBER = 'nextNumber';

/** The first row, or undefined. */
export function* get<T>(sql: string, params: Params = {}, options: StepOptions = {}): Work<T | undefined> {
  return (yield { op: 'get', sql, params, ...options }) as T | undefined;
}

export function* all<T>(sql: string, params: Params = {}): Work<T[]> {
  return (yield { op: 'all', sql, params }) as T[];
}

/** The first column of every row, as plain values: no object per row (a page of 200 ids notices). */
export function* column<T>(sql: string, params: Params = {}): Work<T[]> {
  return (yield { op: 'column', sql, params }) as T[];
}

/** Runs a statement and gives the number of rows it changed. */
export function* run(sql: string, params: Params = {}, options: StepOptions = {}): Work<number> {
  return (yield { op: 'run', sql, params, ...options }) as number;
}

export function* lock(what: Lock): Work<void> {
  yield { op: 'lock', lock: what };
}

/** The next number of the event sequence; take the chat's lock first, so an open's number is above every send in flight in its chat. */
export function* nextSeq(): Work<number> {
  return (yield { op: 'sequence' }) as number;
}

/**
 * What a unit does, so a backend runs it no more carefully than it needs:
 * - `statement`: reads with one statement, which sees one snapshot by itself on every backend, so
 *   it needs no transaction around it (PostgreSQL: one round trip, no BEGIN or COMMIT);
 * - `read`: reads with several statements, which must see one snapshot;
 * - `write`: also writes;
 * - `append`: a write that only adds rows of its own (a send): it takes every lock it needs, all
 *   shared (`chat` in `send` mode), before its first statement, and reads nothing another append
 *   writes. So appends may share one transaction and its commit, their statements side by side,
 *   and each still sees what it would see alone (PostgreSQL: postgres/group-commit.ts). A backend
 *   may also run one as any other write.
 */
export type UnitMode = 'statement' | 'read' | 'write' | 'append';

/** `:prefix0, :prefix1, …` and their parameters, for an `IN (…)` list (callers keep lists short). */
export function inList(prefix: string, values: readonly unknown[]): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {};
  const names = values.map((value, i) => {
    params[`${prefix}${i}`] = value;
    return `:${prefix}${i}`;
  });
  return { sql: names.join(', '), params };
}

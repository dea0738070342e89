/** Group commit of appends (sends): the appends of one event-loop turn share a transaction, its round trips and its commit. */
/*
 * An append (sql/unit.ts, UnitMode 'append') takes all its locks, shared, before its first
 * statement and reads nothing another append writes, so several can run in one transaction side
 * by side and each sees what it would see alone. Their generators advance in step: each round
 * gathers every member's next statement into one simple query, so a group of group sends (lock,
 * insert) is one round trip (BEGIN, the locks, the inserts, COMMIT) and one WAL flush, however
 * many it holds, where alone each would pay its own.
 *
 * The group's locks are taken first, in one order (sorted chat keys) for every group, and each
 * only if it is free now (runner.sharedChatLocks): a chat that an open or a recall holds, or waits
 * for, fails the group at once and its sends run alone, so a send never waits for the open of
 * another chat because they came in the same turn, and two groups never wait on each other.
 *
 * A group answers each member once its COMMIT is known to have run. When the server refuses one
 * of its statements, or a member cannot take part, nothing of it was kept, and its members run
 * again each alone, as they would have without the group: so a refused send fails alone, with its
 * own error. When the connection fails instead, what the server did is not known (the COMMIT may
 * have run; before it, the server may hold the group's rows until it notices): every member then
 * fails as a lone send would, and none runs again.
 */
import type pg from 'pg';
import type { AnswerStamp, Step, Work } from '../sql/unit.js';
import { Opening, resultOf } from './opening.js';

/** What the group needs of the store: a connection and each step's text for a simple query. */
export interface GroupRunner {
  connect(): Promise<pg.PoolClient>;
  /** The statement of a step as text (with its PREPARE added to `opening` when it needs one), or undefined when it cannot be written so. */
  stepText(client: pg.PoolClient, step: Step, opening: Opening): string | undefined;
  /** The statement that takes these chats' locks in `send` mode, in the order given, and fails when one is not free now. */
  sharedChatLocks(client: pg.PoolClient, chatKeys: readonly string[]): string;
  /** The statement that adds one to each stamp. */
  stamping(client: pg.PoolClient, stamps: readonly AnswerStamp[]): string;
  /** Whether the server refused a statement (an error it answered, its connection still sound), so the batch's transaction kept nothing. */
  isRefusal(error: unknown): boolean;
  /** Whether the error is sharedChatLocks' refusal: a lock was not free. */
  isLockRefusal(error: unknown): boolean;
}

/** A member's answer, once its group committed. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Why a group did not commit, and whether its members may run again alone. */
export class GroupFailed extends Error {
  constructor(
    readonly error: unknown,
    /** True when nothing of the group can have been kept. */
    readonly runAlone: boolean,
  ) {
    super('the group did not commit', { cause: error });
  }
}

/** A member asked for what a group cannot give (a lock after its first statement, a lock that is not shared...). */
class NotTogether extends Error {}

interface Member {
  readonly work: Work<unknown>;
  /** The step waiting for its result, while the member is not done. */
  step: Step | undefined;
  /** Where that step's result is in the round's results. */
  at: number;
  outcome: Outcome | undefined;
}

/** Runs the appends together in one transaction; throws GroupFailed when the group did not commit. */
export async function runTogether(runner: GroupRunner, makes: ReadonlyArray<() => Work<unknown>>): Promise<Outcome[]> {
  const client = await runner.connect().catch((error: unknown) => {
    throw new GroupFailed(error, true);
  });
  const opening = new Opening('BEGIN');
  const chats = new Set<string>();
  const stamps = new Map<string, AnswerStamp>();
  let locking = true;
  /** Whether any of the group reached the server (else there is nothing to roll back). */
  let begun = false;
  let broken = false;

  /** Feeds a member its last result and runs it to its next statement (or its end). */
  const advance = (member: Member, input: unknown): void => {
    let next = member.work.next(input);
    for (; !next.done; next = member.work.next(undefined)) {
      const step = next.value;
      if (step.op === 'lock') {
        if (!locking || step.lock.kind !== 'chat' || step.lock.mode !== 'send') throw new NotTogether('an append took a lock a group cannot give');
        chats.add(step.lock.chatKey);
      } else if (step.op === 'stamp') {
        // One stamp a row for the whole group: a stamp only needs to grow when answers change.
        for (const stamp of step.stamps) stamps.set(`${stamp.stripe}\n${stamp.chatKey}`, stamp);
      } else {
        member.step = step;
        return;
      }
    }
    member.step = undefined;
    member.outcome = { ok: true, value: next.value };
  };
  /** Whether a batch failed other than by the server refusing a statement (so what it did is not known). */
  let lostOnTheWay = false;
  const flush = async (): Promise<pg.QueryResult[]> => {
    begun = true;
    try {
      return await opening.flush(client);
    } catch (error) {
      if (!runner.isRefusal(error)) lostOnTheWay = true;
      throw error;
    }
  };
  const commit = (): void => {
    if (stamps.size > 0) opening.statements.push(runner.stamping(client, [...stamps.values()]));
    opening.statements.push('COMMIT');
  };

  try {
    const members: Member[] = makes.map((make) => ({ work: make(), step: undefined, at: -1, outcome: undefined }));
    for (const member of members) advance(member, undefined);
    locking = false;
    if (chats.size > 0) opening.statements.push(runner.sharedChatLocks(client, [...chats].sort()));
    for (;;) {
      const waiting = members.filter((member) => member.step !== undefined);
      for (const member of waiting) {
        const text = runner.stepText(client, member.step as Step, opening);
        if (text === undefined) throw new NotTogether('a statement that cannot go in a simple query');
        opening.statements.push(text);
        member.at = opening.statements.length - 1;
      }
      const ending = waiting.every((member) => isLast(member.step as Step));
      if (ending) commit();
      const results = await flush();
      if (ending) {
        // Committed: each member's end is its own now, and none may run again.
        for (const member of waiting) {
          try {
            advance(member, valueOf(member.step as Step, results[member.at] as pg.QueryResult));
            if (member.step !== undefined) throw new Error('a unit went on after the statement it said was its last');
          } catch (error) {
            member.outcome = { ok: false, error };
          }
        }
        return members.map((member) => member.outcome as Outcome);
      }
      for (const member of waiting) advance(member, valueOf(member.step as Step, results[member.at] as pg.QueryResult));
      if (members.every((member) => member.step === undefined)) {
        commit();
        await flush();
        return members.map((member) => member.outcome as Outcome);
      }
    }
  } catch (error) {
    if (begun) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
    }
    // Whether a PREPARE in the failed batch ran is unknown: the connection goes, and with it the
    // statements it prepared. Not when the locks were refused: they come first, so nothing after
    // them ran.
    if ((opening.unsure && !runner.isLockRefusal(error)) || lostOnTheWay) broken = true;
    // Refused by the server, the group kept nothing: its sends run again alone. Lost on the way,
    // it may have committed (or, before its COMMIT, may still hold its rows until the server
    // notices): its sends fail, as a lone send would.
    throw new GroupFailed(error, !lostOnTheWay);
  } finally {
    client.release(broken);
  }
}

function isLast(step: Step): boolean {
  return (step.op === 'get' || step.op === 'run') && step.last === true;
}

function valueOf(step: Step, result: pg.QueryResult): unknown {
  return step.op === 'sequence' ? (result.rows[0] as { value: number }).value : resultOf(step, result);
}

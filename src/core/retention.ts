/**
 * Retention: messages (with their reads) older than the retention are deleted by a background
 * job, a bounded batch per transaction, so a purge never holds the store for long and requests
 * keep flowing between batches. Every node may run it; batches of two nodes only find less to do.
 *
 * A message can be queried for 24 hours; after that DingTalk answers `processQueryKey.expireTime`,
 * and dingread does too until the message is purged, after which it answers as for a key it never
 * issued. The retention is therefore never shorter than the query window.
 */
import type { CoreContext } from './context.js';
import { OperatorError } from './operator-errors.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_RETENTION_MS = 7 * DAY_MS;
export const DEFAULT_PURGE_INTERVAL_MS = 60 * 60 * 1000;
export const DEFAULT_PURGE_BATCH = 500;

export interface RetentionOptions {
  /** How long a message is kept after it was sent. */
  retentionMs: number;
  /** How often the job looks for old messages. */
  intervalMs: number;
  /** Messages deleted per transaction. */
  batchSize: number;
}

export class RetentionError extends OperatorError {
  constructor(message: string) {
    super('retention.invalid', message);
  }
}

/** Checks options against the query window; throws RetentionError with what to change. */
export function checkRetention(options: RetentionOptions, queryWindowMs: number): void {
  if (!(options.retentionMs >= queryWindowMs)) {
    throw new RetentionError(
      `the retention (${options.retentionMs / DAY_MS} days) is shorter than the ${queryWindowMs / 3_600_000}-hour query window: ` +
        'messages would vanish while they can still be queried',
    );
  }
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RetentionError('the purge batch must be a positive whole number');
  if (!(options.intervalMs >= 1000)) throw new RetentionError('the purge interval must be at least one second');
}

/** Deletes every message older than the retention, batch by batch; returns how many. */
export async function purgeExpired(ctx: CoreContext, options: Pick<RetentionOptions, 'retentionMs' | 'batchSize'>): Promise<number> {
  const cutoff = ctx.clock.now() - options.retentionMs;
  let total = 0;
  for (;;) {
    const deleted = await ctx.store.purgeMessagesBefore(cutoff, options.batchSize);
    total += deleted;
    if (deleted < options.batchSize) break;
    // Let requests waiting for the store go first (SQLite runs a batch on the event loop).
    await new Promise((resolve) => setImmediate(resolve));
  }
  // What users wrote goes with the messages of its time (core/store/chats.ts).
  while ((await ctx.store.purgeChatEntriesBefore(cutoff, options.batchSize)) === options.batchSize) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Then files past the retention that no message kept refers to any more (core/store/media.ts).
  while ((await ctx.store.purgeMediaBefore(cutoff, options.batchSize)) === options.batchSize) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  return total;
}

export interface RetentionJob {
  /** Runs a purge now (after any running one) and returns how many messages it deleted. */
  runNow(): Promise<number>;
  /** Stops the timer and waits for a running purge to finish. */
  stop(): Promise<void>;
}

/** Purges every `intervalMs`; a failed run is reported to `onError` and tried again next time. */
export function startRetention(ctx: CoreContext, options: RetentionOptions, onError: (error: unknown) => void): RetentionJob {
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;
  const runNow = (): Promise<number> => {
    running = running.catch(() => 0).then(() => (stopped ? 0 : purgeExpired(ctx, options)));
    return running;
  };
  const timer = setInterval(() => {
    runNow().catch(onError);
  }, options.intervalMs);
  timer.unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}

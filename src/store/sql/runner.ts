/**
 * How the Store's aggregates kept in files of their own (sql/chat.ts, sql/stream.ts) run their
 * units: through the SqlStore that holds them, so they share its transactions, its driver and its
 * lookup cache (a write names what it may have changed, as in sql-store.ts).
 */
import type { Invalidation } from './lookup-cache.js';
import type { Work } from './unit.js';

export interface UnitRunner {
  read<T>(make: () => Work<T>): Promise<T>;
  write<T>(changes: Invalidation, make: () => Work<T>): Promise<T>;
}

/** `:prefix0, :prefix1, …` and their parameters, for an `IN (…)` list (callers keep lists short). */
export function inList(prefix: string, values: readonly unknown[]): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {};
  const names = values.map((value, i) => {
    params[`${prefix}${i}`] = value;
    return `:${prefix}${i}`;
  });
  return { sql: names.join(', '), params };
}

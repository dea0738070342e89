/** Turns a `--store` value into a Store: `memory`, `sqlite:PATH`, or (later) a PostgreSQL URL. */
import type { Store } from '../core/store.js';
import { SqliteStore, type SqliteSynchronous } from './sqlite/sqlite-store.js';

export const DEFAULT_STORE = 'sqlite:./.dingread/dingread.db';

export class StoreSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreSpecError';
  }
}

export interface OpenStoreOptions {
  synchronous?: SqliteSynchronous;
}

export function openStore(spec: string, options: OpenStoreOptions = {}): Store {
  if (spec === 'memory') return new SqliteStore({ path: ':memory:' });
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    if (!path) throw new StoreSpecError('sqlite: needs a file path, as in sqlite:./data/dingread.db');
    return new SqliteStore({ path, ...options });
  }
  if (/^postgres(ql)?:\/\//.test(spec)) {
    throw new StoreSpecError('the PostgreSQL store is not part of this build yet; use memory or sqlite:PATH');
  }
  throw new StoreSpecError(`unknown store ${JSON.stringify(spec)}: use memory, sqlite:PATH or postgres://…`);
}

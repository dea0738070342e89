/** Turns a `--store` value into a Store: `memory`, `sqlite:PATH`, or a PostgreSQL URL. */
import { OperatorError } from '../core/operator-errors.js';
import type { Store } from '../core/store.js';
import { PostgresStore, PostgresUrlError } from './postgres/postgres-store.js';
import { SqliteStore, type SqliteSynchronous } from './sqlite/sqlite-store.js';

export const DEFAULT_STORE = 'sqlite:./.dingread/dingread.db';

export class StoreSpecError extends OperatorError {
  constructor(message: string) {
    super('store.invalidSpec', message);
  }
}

export interface OpenStoreOptions {
  synchronous?: SqliteSynchronous;
}

/**
 * Opens the store a spec names. A PostgreSQL store connects and migrates in the background; its
 * first call (the server asks for its secret at start) fails if that did.
 */
export function openStore(spec: string, options: OpenStoreOptions = {}): Store {
  if (spec === 'memory') return new SqliteStore({ path: ':memory:' });
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    if (!path) throw new StoreSpecError('sqlite: needs a file path, as in sqlite:./data/dingread.db');
    return new SqliteStore({ path, ...options });
  }
  if (/^postgres(ql)?:\/\//.test(spec)) {
    try {
      return new PostgresStore({ url: spec });
    } catch (error) {
      if (error instanceof PostgresUrlError) throw new StoreSpecError(error.message);
      throw error;
    }
  }
  throw new StoreSpecError(`unknown store ${JSON.stringify(spec)}: use memory, sqlite:PATH or postgres://…`);
}

/** The spec with any password hidden, for banners and logs. */
export function redactStoreSpec(spec: string): string {
  return spec.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}

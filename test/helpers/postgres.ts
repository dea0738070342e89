/**
 * The PostgreSQL the tests use: DINGREAD_TEST_POSTGRES, or the local one (trust auth, database
 * `test`). Each store a test opens lives in its own schema, named after this process, and is
 * dropped when the store closes; `dropTestSchemas` sweeps whatever a failed test left behind.
 *
 * Outside CI an unreachable PostgreSQL skips the PostgreSQL suites with a printed reason; under
 * CI=true it is an error, so CI cannot go green without having run them.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Store } from '../../src/core/store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';

export const POSTGRES_URL = process.env['DINGREAD_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Every schema of this test process starts with this. */
const PREFIX = `dingread_t${process.pid}_${randomBytes(3).toString('hex')}_`;
let schemas = 0;

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${POSTGRES_URL} is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unreachable = await probe();
if (unreachable && process.env['CI'] === 'true') {
  throw new Error(`${unreachable}; under CI=true the PostgreSQL suites must run`);
}

/** Why the PostgreSQL suites are skipped, or undefined when they run. */
export const postgresSkipReason: string | undefined = unreachable && `${unreachable}: skipping the PostgreSQL suites`;
if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);

export function newSchema(): string {
  schemas++;
  return `${PREFIX}${schemas}`;
}

export function schemaUrl(schema: string): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await admin((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

/** Drops every schema this process made and did not drop yet. */
export async function dropTestSchemas(): Promise<void> {
  if (unreachable) return;
  await admin(async (client) => {
    const { rows } = await client.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, [PREFIX]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`);
  });
}

/** Runs SQL against a test schema directly, for what a test must set up behind the store's back. */
export async function inSchema<T>(schema: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  return admin(async (client) => {
    await client.query(`SET search_path = ${schema}`);
    return work(client);
  });
}

/** A store in a fresh schema of its own, dropped when the store closes. */
export async function freshPostgresStore(): Promise<Store> {
  const schema = newSchema();
  const store = await PostgresStore.open({ url: POSTGRES_URL, schema, poolSize: 3 });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await dropSchema(schema);
  };
  return store;
}

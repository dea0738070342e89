/**
 * The two migration lists (src/store/sqlite/migrations.ts and src/store/postgres/migrations.ts)
 * must end in the same schema: the same tables, columns of compatible types with the same
 * nullability and defaults, the same primary, unique and foreign keys, and the same indexes, partial
 * ones with the same condition. Both databases are asked what they hold (sqlite_master and its
 * pragmas; information_schema and pg_index), after running every migration from empty.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { dropSchema, dropTestSchemas, inSchema, newSchema, POSTGRES_URL, postgresSkipReason } from '../helpers/postgres.js';

after(dropTestSchemas);

interface Column {
  /** integer, text or blob: what both databases agree a value is. */
  type: string;
  notNull: boolean;
  default: string | null;
}

interface Table {
  columns: Record<string, Column>;
  primaryKey: string[];
  /** Every set of columns a unique index or constraint covers, primary key aside, as `a,b`. */
  unique: string[];
  /** `column -> table.column`. */
  foreignKeys: string[];
  /** Indexes made by CREATE INDEX, by name. */
  indexes: Record<string, { columns: string[]; unique: boolean; where: string | null }>;
}

type Schema = Record<string, Table>;

/** PostgreSQL keeps its version in a table; SQLite in `PRAGMA user_version`. */
const BOOKKEEPING = new Set(['schema_version']);

function typeClass(declared: string): string {
  const type = declared.toLowerCase();
  if (['integer', 'bigint', 'smallint'].includes(type)) return 'integer';
  if (['text', 'character varying'].includes(type)) return 'text';
  if (['blob', 'bytea'].includes(type)) return 'blob';
  return `unknown ${type}`;
}

/** `(recalled_at IS NOT NULL)` and `recalled_at IS NOT NULL` alike; casts PostgreSQL adds left out. */
function condition(text: string | null): string | null {
  if (text === null) return null;
  return text.replace(/::[a-z ]+/g, '').replace(/[()]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

function defaultValue(text: string | null): string | null {
  return text === null ? null : text.replace(/::[a-z ]+/g, '').replace(/^'(.*)'$/, '$1');
}

function sqliteSchema(path: string): Schema {
  const db = new Database(path, { readonly: true });
  try {
    const schema: Schema = {};
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
    for (const table of tables) {
      const info = db.pragma(`table_info(${table})`) as Array<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>;
      const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      const columns: Record<string, Column> = {};
      for (const c of info) {
        // A primary key's columns hold no NULL on either database, declared so or not.
        columns[c.name] = { type: typeClass(c.type), notNull: c.notnull === 1 || c.pk > 0, default: defaultValue(c.dflt_value) };
      }
      const foreignKeys = (db.pragma(`foreign_key_list(${table})`) as Array<{ table: string; from: string; to: string }>)
        .map((fk) => `${fk.from} -> ${fk.table}.${fk.to}`)
        .sort();
      const unique: string[] = [];
      const indexes: Table['indexes'] = {};
      for (const index of db.pragma(`index_list(${table})`) as Array<{ name: string; unique: number; origin: string; partial: number }>) {
        const indexColumns = (db.pragma(`index_info(${index.name})`) as Array<{ seqno: number; name: string }>)
          .sort((a, b) => a.seqno - b.seqno)
          .map((c) => c.name);
        if (index.origin === 'pk') continue;
        if (index.unique) unique.push(indexColumns.join(','));
        if (index.origin === 'c') {
          const sql = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`).pluck().get(index.name) as string;
          const where = /\bWHERE\b([\s\S]*)$/i.exec(sql)?.[1] ?? null;
          indexes[index.name] = { columns: indexColumns, unique: index.unique === 1, where: condition(where) };
        }
      }
      schema[table] = { columns, primaryKey, unique: unique.sort(), foreignKeys, indexes };
    }
    return schema;
  } finally {
    db.close();
  }
}

async function postgresSchema(client: pg.Client, schemaName: string): Promise<Schema> {
  const schema: Schema = {};
  const tables = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
    [schemaName],
  );
  for (const { table_name: table } of tables.rows) {
    if (BOOKKEEPING.has(table)) continue;
    const columns: Record<string, Column> = {};
    const info = await client.query<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
      `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = $2`,
      [schemaName, table],
    );
    for (const c of info.rows) {
      columns[c.column_name] = { type: typeClass(c.data_type), notNull: c.is_nullable === 'NO', default: defaultValue(c.column_default) };
    }
    const constraint = async (type: string) =>
      (
        await client.query<{ name: string; columns: string[] }>(
          `SELECT tc.constraint_name AS name, array_agg(kcu.column_name::text ORDER BY kcu.ordinal_position) AS columns
           FROM information_schema.table_constraints tc
           JOIN information_schema.key_column_usage kcu
             ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
           WHERE tc.table_schema = $1 AND tc.table_name = $2 AND tc.constraint_type = $3
           GROUP BY tc.constraint_name`,
          [schemaName, table, type],
        )
      ).rows;
    const primaryKey = (await constraint('PRIMARY KEY'))[0]?.columns ?? [];
    // A key of several columns pairs them in order (information_schema would cross every column with every one).
    const foreignKeys = (
      await client.query<{ line: string }>(
        `SELECT fa.attname || ' -> ' || rt.relname || '.' || ra.attname AS line
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN pg_class rt ON rt.oid = c.confrelid
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k (own, referenced)
         JOIN pg_attribute fa ON fa.attrelid = c.conrelid AND fa.attnum = k.own
         JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.referenced
         WHERE n.nspname = $1 AND t.relname = $2 AND c.contype = 'f'`,
        [schemaName, table],
      )
    ).rows
      .map((row) => row.line)
      .sort();
    const unique: string[] = [];
    const indexes: Table['indexes'] = {};
    const indexRows = await client.query<{ name: string; columns: string[]; unique: boolean; primary: boolean; constraint: boolean; where: string | null }>(
      `SELECT ic.relname AS name, i.indisunique AS unique, i.indisprimary AS primary,
         -- A key's own index (a foreign key names the index it references too: that one stays an index).
         EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x')) AS constraint,
         pg_get_expr(i.indpred, i.indrelid) AS where,
         ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) AS columns
       FROM pg_index i
       JOIN pg_class tc ON tc.oid = i.indrelid
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = tc.relnamespace
       WHERE n.nspname = $1 AND tc.relname = $2`,
      [schemaName, table],
    );
    for (const index of indexRows.rows) {
      if (index.primary) continue;
      if (index.unique) unique.push(index.columns.join(','));
      if (!index.constraint) indexes[index.name] = { columns: index.columns, unique: index.unique, where: condition(index.where) };
    }
    schema[table] = { columns, primaryKey, unique: unique.sort(), foreignKeys, indexes };
  }
  return schema;
}

describe('SQLite and PostgreSQL schemas', { skip: postgresSkipReason }, () => {
  it('every migration, from empty, ends in the same tables, columns, keys and indexes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dingread-schema-'));
    const path = join(dir, 'schema.db');
    const schemaName = newSchema();
    try {
      await new SqliteStore({ path }).close();
      await (await PostgresStore.open({ url: POSTGRES_URL, schema: schemaName })).close();
      const sqlite = sqliteSchema(path);
      const postgres = await inSchema(schemaName, (client) => postgresSchema(client, schemaName));
      // The comparison would pass on two empty answers: make sure both saw the schema.
      assert.ok(Object.keys(sqlite).length >= 15, `SQLite tables: ${Object.keys(sqlite).join(', ')}`);
      assert.ok(sqlite['messages']?.indexes['messages_recalled']?.where, 'partial indexes are seen');
      assert.deepEqual(Object.keys(postgres).sort(), Object.keys(sqlite).sort(), 'tables');
      for (const table of Object.keys(sqlite)) {
        assert.deepEqual(postgres[table], sqlite[table], `table ${table}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await dropSchema(schemaName);
    }
  });
});

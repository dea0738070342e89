/**
 * Keeps the error table (src/core/errors.ts), its document (docs/errors.md), the error tables of
 * DingTalk's three query documents (test/data/dingtalk-query-errors.json) and the test suite in step.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ERROR_TABLE } from '../../src/core/errors.js';
import { LEGACY_ANSWERS } from '../../src/core/legacy-errors.js';
import { OPERATOR_ERRORS, OperatorError } from '../../src/core/operator-errors.js';
import { RetentionError } from '../../src/core/retention.js';
import { StoreUnavailableError } from '../../src/core/store.js';
import { StartupError, startServer } from '../../src/server.js';
import { SchemaTooNewError } from '../../src/store/errors.js';
import { openStore, StoreSpecError } from '../../src/store/open-store.js';
import { PostgresUrlError } from '../../src/store/postgres/postgres-store.js';

// Compiled to <build>/test/core/, so the repository root is three levels up.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');

function section(title: string): string {
  const start = doc.indexOf(`## ${title}`);
  assert.ok(start >= 0, `docs/errors.md has a "## ${title}" section`);
  const end = doc.indexOf('\n## ', start + 3);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** `code → HTTP status` from a markdown table whose rows start with a backticked code. */
function tableRows(text: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of text.matchAll(/^\| `([^`]+)` \| ([^|]+) \|/gm)) rows.set(match[1] as string, (match[2] as string).trim());
  return rows;
}

interface QueryErrorRow {
  status: number;
  code: string;
  text: string;
}

/** The rows of the error tables in DingTalk's three query documents, copied with their sources. */
function queryDocumentRows(): QueryErrorRow[] {
  const data = JSON.parse(readFileSync(join(root, 'test/data/dingtalk-query-errors.json'), 'utf8')) as {
    documents: { endpoint: string; source: string; rows: QueryErrorRow[] }[];
  };
  assert.equal(data.documents.length, 3, 'the three query documents');
  return data.documents.flatMap((document) => document.rows);
}

function testSources(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) text += testSources(path);
    else if (name.endsWith('.ts') && name !== 'errors.test.ts') text += readFileSync(path, 'utf8');
  }
  return text;
}

describe('error table', () => {
  const produced = tableRows(section('Produced'));
  const notProduced = tableRows(section("In DingTalk's query tables, not produced"));

  it('documents every code with its HTTP status, and nothing else', () => {
    for (const [code, spec] of Object.entries(ERROR_TABLE)) {
      assert.equal(produced.get(code), String(spec.status), `docs/errors.md row for ${code}`);
    }
    for (const code of produced.keys()) assert.ok(Object.hasOwn(ERROR_TABLE, code), `${code} is documented but not in the table`);
  });

  it("accounts for every code of DingTalk's three query documents", () => {
    const rows = queryDocumentRows();
    assert.ok(rows.length >= 50, `read ${rows.length} error rows from the query documents`);
    for (const row of rows) {
      const status = produced.get(row.code);
      if (status !== undefined) assert.equal(status, String(row.status), `${row.code} is produced with the status DingTalk documents`);
      else assert.ok(notProduced.has(row.code), `${row.code} (${row.status}) is neither produced nor explained in docs/errors.md`);
    }
    for (const code of notProduced.keys()) assert.ok(!Object.hasOwn(ERROR_TABLE, code), `${code} is listed as not produced`);
  });

  it('has a test that expects every produced code', () => {
    const sources = testSources(join(root, 'test'));
    const untested = [...produced.keys()].filter((code) => !sources.includes(`'${code}'`));
    assert.deepEqual(untested, [], 'codes no test mentions');
  });
});

describe('operator errors', () => {
  it('documents every code, and nothing else', () => {
    const documented = tableRows(section('Operator errors'));
    assert.deepEqual([...documented.keys()].sort(), Object.keys(OPERATOR_ERRORS).sort());
  });

  it('are all one class with a stable code and a hint, whichever part raises them', async () => {
    const raised: Array<[OperatorError, string, string]> = [
      [new StoreSpecError('unknown store'), 'StoreSpecError', 'store.invalidSpec'],
      [new PostgresUrlError('bad schema'), 'PostgresUrlError', 'store.invalidSpec'],
      [new SchemaTooNewError(9, 4), 'SchemaTooNewError', 'store.schemaTooNew'],
      [new StoreUnavailableError('PostgreSQL is unavailable'), 'StoreUnavailableError', 'store.unavailable'],
      [new RetentionError('too short'), 'RetentionError', 'retention.invalid'],
    ];
    assert.throws(() => openStore('mysql://x'), StoreSpecError);
    await assert.rejects(startServer({ host: '0.0.0.0', port: 0 }), (error: unknown) => {
      assert.ok(error instanceof StartupError);
      raised.push([error, 'StartupError', 'startup.publicWithoutAdminToken']);
      return true;
    });
    await assert.rejects(startServer({ port: 0, store: 'memory', retention: { batchSize: 0 } }), (error: unknown) => {
      assert.ok(error instanceof StartupError);
      assert.ok(error.cause instanceof RetentionError, 'the cause is kept');
      raised.push([error, 'StartupError', 'retention.invalid']);
      return true;
    });
    for (const [error, name, code] of raised) {
      assert.ok(error instanceof OperatorError, name);
      assert.equal(error.name, name);
      assert.equal(error.code, code, name);
      assert.equal(error.hint, OPERATOR_ERRORS[error.code], name);
    }
  });
});

describe('legacy answers', () => {
  it('each of the session webhook’s and the custom robot’s answers has its row, with its source, in docs/errors.md', () => {
    const legacy = section('Legacy answers');
    for (const [code, answer] of Object.entries(LEGACY_ANSWERS)) {
      // Param errors name the field in errmsg: their rows show the shape, so only the errcode is matched.
      const start = code === 'param.error' || code === 'webhook.param' ? `| ${answer.errcode} | ` : `| ${answer.errcode} | \`${answer.errmsg}`;
      const row = legacy.split('\n').find((line) => line.startsWith(start));
      assert.ok(row, `docs/errors.md has a row for ${code}: ${start}`);
      assert.ok(row.split('|').filter((cell) => cell.trim() !== '').length >= 4, `the row for ${code} says its situation and source`);
    }
  });
});

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

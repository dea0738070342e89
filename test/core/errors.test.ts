/**
 * Keeps the error table (src/core/errors.ts), its document (docs/errors.md), DingTalk's query
 * documents (spec/seeds) and the test suite in step.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/** DingTalk's query documents live in the workspace's shared/ folder, beside the checkout. */
const seeds = join(root, '../shared/spec/seeds');
const seedsMissing = existsSync(seeds)
  ? false
  : 'the DingTalk query documents (../shared/spec/seeds) are not beside this checkout';

/** The rows of the error tables in DingTalk's three query documents, as `400invalid.x%sMessage…`. */
function seedErrorRows(): string[] {
  const rows: string[] = [];
  for (const file of ['000_d0d81f27d096d00b.txt', '002_2ba2dc51dd79f00a.txt', '003_4df91767266e6aef.txt']) {
    const text = readFileSync(join(seeds, file), 'utf8');
    const table = text.slice(text.indexOf('HttpCodeError code'));
    rows.push(...table.split('\n').filter((line) => /^[45]00[a-zA-Z]/.test(line)));
  }
  return rows;
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

  // CI always has the documents; a checkout elsewhere may not, and then says so.
  it("accounts for every code of DingTalk's three query documents", { skip: process.env['CI'] ? false : seedsMissing }, () => {
    const rows = seedErrorRows();
    assert.ok(rows.length >= 50, `read ${rows.length} error rows from the seeds`);
    const known = [...produced.keys(), ...notProduced.keys()];
    for (const row of rows) {
      // The documents run code and message together ("400bot.stoppedThe group bot…"), so a row
      // is accounted for when it starts with its status and a known code.
      const status = row.slice(0, 3);
      const code = known.find((candidate) => row.slice(3).startsWith(candidate) && (produced.get(candidate) ?? status) === status);
      assert.ok(code, `seed row "${row.slice(0, 60)}" names a code that is neither produced nor explained`);
    }
    for (const code of notProduced.keys()) assert.ok(!Object.hasOwn(ERROR_TABLE, code), `${code} is listed as not produced`);
  });

  it('has a test that expects every produced code', () => {
    const sources = testSources(join(root, 'test'));
    const untested = [...produced.keys()].filter((code) => !sources.includes(`'${code}'`));
    assert.deepEqual(untested, [], 'codes no test mentions');
  });
});

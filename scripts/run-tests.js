#!/usr/bin/env node
// Runs every compiled test file with node's own test runner. Node 20's `--test` takes no globs,
// so the files are listed here; `npm test` compiles first (pretest).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
// DINGREAD_TEST_DIR lets several builds live side by side (dist-<name>/test). The examples'
// tests (<build>/examples) run too: an example that no longer works is a failing test.
const testDir = process.env.DINGREAD_TEST_DIR ?? 'dist/test';
const examplesDir = join(dirname(testDir), 'examples');
// A compiled test whose source is gone (deleted or renamed since the last build) is left out:
// tsc does not remove what it compiled before.
const buildDir = dirname(testDir);
const hasSource = (file) => existsSync(relative(buildDir, file).replace(/\.js$/, '.ts'));
const files = [testDir, ...(existsSync(examplesDir) ? [examplesDir] : [])]
  .flatMap(collect)
  .filter(hasSource)
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);

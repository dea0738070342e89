/**
 * package.json's `engines` is true of the whole dependency tree: every Node version it admits is
 * one that every installed package (as package-lock.json records their `engines`) admits too. With
 * `engine-strict` in .npmrc, an install on a Node outside a package's range fails instead of warning.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import semver from 'semver';

// Compiled to <build>/test/repository/, so the repository root is three levels up.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const readJson = (name: string): any => JSON.parse(readFileSync(join(root, name), 'utf8'));

describe('engines', () => {
  const ours = readJson('package.json').engines.node as string;
  const packages = Object.entries(readJson('package-lock.json').packages as Record<string, { engines?: { node?: string } }>);

  it('admits the Node running this suite', () => {
    assert.ok(semver.satisfies(process.version, ours), `${process.version} is outside ${ours}`);
  });

  it("is within every installed package's own range", () => {
    const narrower = packages
      .filter(([path, entry]) => path !== '' && entry.engines?.node !== undefined)
      .filter(([, entry]) => !semver.subset(ours, entry.engines?.node as string))
      .map(([path, entry]) => `${path.replace(/^node_modules\//, '')} wants ${entry.engines?.node}`);
    assert.ok(packages.length > 100, 'read the lock file');
    assert.deepEqual(narrower, [], `package.json says ${ours}`);
  });

  it('is enforced at install time', () => {
    assert.match(readFileSync(join(root, '.npmrc'), 'utf8'), /^engine-strict=true$/m);
  });
});

/**
 * The `dingread` command as package.json's `bin` names it (the bundle, scripts/bundle.js): its usage
 * lists every command, and each one it lists loads and runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { VERSION } from '../../src/version.js';
import { MAIN, runCli } from '../helpers/cli.js';

function dingread(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
}

describe('dingread', () => {
  it('is the file package.json names as the bin, and the CLI tests run it', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { bin: Record<string, string> };
    assert.equal(pkg.bin['dingread'], 'dist/src/bin.js');
    // This build's copy (dist/ or another build folder): the same path below the folder.
    assert.equal(relative(fileURLToPath(PACKAGE_ROOT), MAIN).split(/[\\/]/).slice(1).join('/'), 'src/bin.js');
  });

  it('lists every command, and each listed command answers --help', async () => {
    const usage = dingread(['--help']);
    assert.equal(usage.status, 0);
    const section = /Commands:\n((?: {2}\S.*\n)+)/.exec(usage.stdout);
    assert.ok(section, usage.stdout);
    const listed = (section[1] as string).trimEnd().split('\n').map((line) => line.trim().split(/\s+/)[0]);
    assert.deepEqual(listed, ['serve', 'exec', 'export', 'seed', 'status', 'send', 'read', 'say', 'ca']);
    for (const command of listed) {
      const help = await runCli([command as string, '--help']);
      assert.equal(help.status, 0, `${command} --help: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`^Usage: dingread ${command} `));
      assert.equal((await runCli(['help', command as string])).stdout, help.stdout, `dingread help ${command}`);
    }
  });

  it('asks for a command without one, prints the version with --version, and refuses unknown commands', () => {
    const bare = dingread([]);
    assert.equal(bare.status, 2);
    assert.match(bare.stderr, /^dingread: name a command\n\ndingread .*\n\nUsage: dingread <command>/);
    const version = dingread(['--version']);
    assert.equal(version.status, 0);
    assert.equal(version.stdout, `${VERSION}\n`);
    for (const name of ['nope', 'constructor', '__proto__']) {
      const unknown = dingread([name]);
      assert.equal(unknown.status, 2, name);
      assert.match(unknown.stderr, new RegExp(`unknown command "${name}"`));
    }
  });
});

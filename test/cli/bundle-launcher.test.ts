/**
 * The shipped command runs its bundle with V8's code cache (src/cli/bundle-launcher.ts): real
 * processes of the built `bin`, each with a cache folder of its own.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { MAIN } from '../helpers/cli.js';

const run = promisify(execFile);
const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function cacheFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'dingread-compile-cache-'));
  folders.push(folder);
  return folder;
}

function envWith(cache: string): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '', DINGREAD_COMPILE_CACHE: cache };
}

async function version(env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run(process.execPath, [MAIN, '--version'], { env });
  return stdout.trim();
}

function cacheFiles(folder: string): string[] {
  return readdirSync(folder).filter((name) => name.endsWith('.v8cache'));
}

/** The one cache file in `folder` and its first line (the build's key and how it was written). */
function cacheIn(folder: string): { file: string; line: string; bytes: number } {
  const files = cacheFiles(folder);
  assert.equal(files.length, 1, `one cache file in ${folder}: ${files.join(', ')}`);
  const file = join(folder, files[0] as string);
  const content = readFileSync(file);
  return { file, line: content.toString('latin1', 0, content.indexOf(0x0a)), bytes: content.length };
}

/** Starts `serve` and stops it once the cache written a second after the start is there. */
async function serveUntilCached(env: NodeJS.ProcessEnv, folder: string): Promise<void> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--store', 'memory'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (cacheFiles(folder).length === 1 && cacheIn(folder).line.endsWith(' full')) return;
      assert.ok(Date.now() < deadline, 'serve wrote no full cache within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

describe('the command with V8 code cache', () => {
  it('writes a cache on its first run and runs from it after; a run that lasted a second writes it again, fuller', async () => {
    const folder = cacheFolder();
    const env = envWith(folder);
    const expected = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    assert.equal(await version(env), expected);
    const early = cacheIn(folder);
    // At exit ('early'), unless the machine was too busy to answer --version within the second
    // after which the cache is written as 'full'.
    assert.match(early.line, /^\d+:[\d.]+:v\d+\.\d+\.\d+:\w+ (early|full)$/);
    assert.equal(statSync(folder).mode & 0o777, 0o700, 'the folder is private');
    assert.equal(statSync(early.file).mode & 0o777, 0o600);

    await serveUntilCached(env, folder);
    const full = cacheIn(folder);
    if (early.line.endsWith(' early')) assert.ok(full.bytes > early.bytes, `a second's run compiled more: ${full.bytes} bytes against ${early.bytes}`);

    // From a full cache nothing is written again.
    const before = statSync(full.file).mtimeMs;
    assert.equal(await version(env), expected);
    assert.equal(statSync(full.file).mtimeMs, before);
  });

  it('loads what stays outside the bundle (node-forge, when a certificate is first needed) from a cached run too, warning of nothing', async () => {
    const folder = cacheFolder();
    const env = envWith(folder);
    for (const runFrom of ['no cache', 'the cache']) {
      const { stdout, stderr } = await run(process.execPath, [MAIN, 'ca', '--store', `sqlite:${join(folder, 'ca.db')}`], { env });
      assert.match(stdout, /^-----BEGIN CERTIFICATE-----\n/, `from ${runFrom}`);
      assert.equal(stderr, '', `from ${runFrom}`);
    }
    // Written at exit, or after a second on a busy machine: either way one cache of this build.
    assert.match(cacheIn(folder).line, / (early|full)$/);
  });

  it('replaces a cache of another build, and one whose code V8 refuses, and still runs', async () => {
    const folder = cacheFolder();
    const env = envWith(folder);
    const expected = await version(env);
    const { file, line } = cacheIn(folder);

    writeFileSync(file, `1:2:v0.0.0:x64 full\n${'x'.repeat(1000)}`);
    assert.equal(await version(env), expected);
    assert.equal(cacheIn(folder).line.split(' ')[0], line.split(' ')[0], 'another build: written again for this one');

    // This build's key, data V8 cannot use.
    writeFileSync(file, Buffer.concat([Buffer.from(`${line.split(' ')[0]} full\n`, 'latin1'), Buffer.alloc(4096, 7)]));
    assert.equal(await version(env), expected);
    const rewritten = cacheIn(folder);
    assert.equal(rewritten.line.split(' ')[0], line.split(' ')[0]);
    assert.ok(!readFileSync(rewritten.file).subarray(-4096).every((byte) => byte === 7), 'refused data: written again');
  });

  it('keeps no cache with DINGREAD_COMPILE_CACHE=off, and runs without one where it cannot write', async () => {
    const folder = cacheFolder();
    const expected = await version(envWith('off'));
    assert.deepEqual(readdirSync(folder), []);

    const blocked = join(folder, 'a-file');
    writeFileSync(blocked, '');
    // A file where the folder should be fails for every user, root included.
    assert.equal(await version(envWith(join(blocked, 'cache'))), expected);
    assert.equal(existsSync(join(blocked, 'cache')), false);
    assert.deepEqual(readdirSync(folder), ['a-file'], 'no half-written file left behind');
  });
});

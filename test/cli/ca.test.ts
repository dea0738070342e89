/**
 * `dingread ca` as a process: the local CA of a store, made once and the same every time, the same
 * one a server on that store presents (`GET /_dingread/v1/ca.pem`); and `serve --strict`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { serverOptionsFrom } from '../../src/cli/serve-options.js';
import { startServer } from '../../src/server.js';
import { MAIN } from '../helpers/cli.js';

const execFileAsync = promisify(execFile);

/** Runs `dingread ARGS` without blocking this process (an in-process server may have to answer it). */
async function dingread(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('dingread ca', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dingread-ca-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the store's CA, made once: the same again, from a server on that store, and through --url", async () => {
    const store = `sqlite:${join(dir, 'ca.db')}`;
    const first = await dingread(['ca', '--store', store]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    assert.doesNotMatch(first.stdout, /PRIVATE KEY/);
    assert.equal((await dingread(['ca', '--store', store])).stdout, first.stdout);
    const server = await startServer({ port: 0, store });
    try {
      assert.equal(await (await fetch(`${server.url}/_dingread/v1/ca.pem`)).text(), first.stdout);
      const out = join(dir, 'ca.pem');
      const fetched = await dingread(['ca', '--url', server.url, '--out', out]);
      assert.equal(fetched.status, 0, fetched.stderr);
      assert.equal(readFileSync(out, 'utf8'), first.stdout);
    } finally {
      await server.close();
    }
  });

  it('explains what it cannot do', async () => {
    const memory = await dingread(['ca', '--store', 'memory']);
    assert.equal(memory.status, 2);
    assert.match(memory.stderr, /--url/);
    assert.equal((await dingread(['ca', '--store', 'memory', '--url', 'http://127.0.0.1:1'])).status, 2);
    const unreachable = await dingread(['ca', '--url', 'http://127.0.0.1:1']);
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, /cannot reach dingread/);
    assert.equal((await dingread(['ca', '--store', 'nosuch:x'])).status, 1);
  });
});

describe('serve --strict', () => {
  it('turns strict mode on; leniency is the default', () => {
    const defaults = { port: '3939', store: 'memory', simulate: false };
    assert.equal(serverOptionsFrom({ strict: true }, {}, defaults).strict, true);
    assert.equal(serverOptionsFrom({}, {}, defaults).strict, false);
  });
});

/**
 * `dingread ca`: the local CA of a store, made once and the same every time, the same one a
 * server on that store presents (`GET /_dingread/v1/ca.pem`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startServer } from '../../src/server.js';
import { runCli } from '../helpers/cli.js';

describe('dingread ca', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dingread-ca-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the store's CA, made once: the same again, from a server on that store, and through --url", async () => {
    const store = `sqlite:${join(dir, 'ca.db')}`;
    const first = await runCli(['ca', '--store', store]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    assert.doesNotMatch(first.stdout, /PRIVATE KEY/);
    assert.equal((await runCli(['ca'], { env: { DINGREAD_STORE: store } })).stdout, first.stdout, 'DINGREAD_STORE names the store too');
    const server = await startServer({ port: 0, store });
    try {
      assert.equal(await (await fetch(`${server.url}/_dingread/v1/ca.pem`)).text(), first.stdout);
      const out = join(dir, 'ca.pem');
      const fetched = await runCli(['ca', '--url', server.url, '--out', out, '--json']);
      assert.equal(fetched.status, 0, fetched.stderr);
      assert.deepEqual(JSON.parse(fetched.stdout), { file: out });
      assert.equal(readFileSync(out, 'utf8'), first.stdout);
    } finally {
      await server.close();
    }
  });

  it('explains what it cannot do', async () => {
    const memory = await runCli(['ca', '--store', 'memory']);
    assert.equal(memory.status, 2);
    assert.match(memory.stderr, /--url/);
    assert.equal((await runCli(['ca', '--store', 'memory', '--url', 'http://127.0.0.1:1'])).status, 2);
    const unreachable = await runCli(['ca', '--url', 'http://127.0.0.1:1', '--json']);
    assert.equal(unreachable.status, 1);
    assert.equal(JSON.parse(unreachable.stdout).error.code, 'unreachable');
    const badStore = await runCli(['ca', '--store', 'nosuch:x']);
    assert.equal(badStore.status, 1);
    assert.match(badStore.stderr, /^dingread ca: unknown store "nosuch:x"/);
  });
});

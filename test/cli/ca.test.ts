/**
 * `dingread ca`: the local CA of a store, made once and the same every time, the same one a
 * server on that store presents (`GET /_dingread/v1/ca.pem`); and `serve --strict`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { serverOptionsFrom } from '../../src/cli/serve-options.js';
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

describe('serve --request-log', () => {
  it('sets how many calls the request log keeps, from the flag or the environment; 1,000 by default', () => {
    const defaults = { port: '3939', store: 'memory', simulate: false };
    assert.equal(serverOptionsFrom({}, {}, defaults).emulator?.requestLogSize, 1000);
    assert.equal(serverOptionsFrom({ 'request-log': '0' }, {}, defaults).emulator?.requestLogSize, 0);
    assert.equal(serverOptionsFrom({}, { DINGREAD_REQUEST_LOG: '25' }, defaults).emulator?.requestLogSize, 25);
    assert.equal(serverOptionsFrom({ 'request-log': '7' }, { DINGREAD_REQUEST_LOG: '25' }, defaults).emulator?.requestLogSize, 7);
  });

  it('sets the bytes of bodies it keeps with --request-log-bodies, in bytes or K, M, G; 1 MiB by default', () => {
    const defaults = { port: '3939', store: 'memory', simulate: false };
    const bodies = (values: { 'request-log-bodies'?: string }, env: Record<string, string> = {}): number | undefined =>
      serverOptionsFrom(values, env, defaults).emulator?.requestLogBodyBytes;
    assert.equal(bodies({}), 1024 * 1024);
    assert.equal(bodies({ 'request-log-bodies': '0' }), 0);
    assert.equal(bodies({ 'request-log-bodies': '262144' }), 262_144);
    assert.equal(bodies({ 'request-log-bodies': '512K' }), 512 * 1024);
    assert.equal(bodies({ 'request-log-bodies': '8MiB' }), 8 * 1024 * 1024);
    assert.equal(bodies({ 'request-log-bodies': '1g' }), 1024 ** 3);
    assert.equal(bodies({ 'request-log-bodies': '512b' }), 512);
    assert.equal(bodies({}, { DINGREAD_REQUEST_LOG_BODIES: '4M' }), 4 * 1024 * 1024);
    assert.equal(bodies({ 'request-log-bodies': '2K' }, { DINGREAD_REQUEST_LOG_BODIES: '4M' }), 2048);
    for (const bad of ['-1', '2G', '1T', 'lots', '', '1.5M', '99999999999']) {
      assert.throws(() => bodies({ 'request-log-bodies': bad }), /--request-log-bodies must be a number of bytes from 0 to 1G/, bad);
    }
  });
});

describe('serve --strict', () => {
  it('turns strict mode on; leniency is the default', () => {
    const defaults = { port: '3939', store: 'memory', simulate: false };
    assert.equal(serverOptionsFrom({ strict: true }, {}, defaults).strict, true);
    assert.equal(serverOptionsFrom({}, {}, defaults).strict, false);
  });
});

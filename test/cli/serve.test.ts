/**
 * `dingread serve` as a user runs it: a real process, its banner, its curl commands, its signals,
 * a restart; its failures and `--json` through main() in this process.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { Clock } from '../../src/core/clock.js';
import { startServer } from '../../src/server.js';
import { dropSchema, newSchema, POSTGRES_URL, postgresSkipReason } from '../helpers/postgres.js';
import { MAIN, runCli, startCli } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

interface Started {
  child: ChildProcessWithoutNullStreams;
  banner: string;
  url: string;
}

/** Starts `dingread serve ARGS` and resolves once the banner has been printed in full. */
function serve(args: string[], cwd: string): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'serve', ...args], { cwd, stdio: 'pipe' });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no banner within 15 s; stdout: ${out} stderr: ${err}`));
    }, 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url && out.includes('Stop with Ctrl-C.')) {
        clearTimeout(timer);
        resolve({ child, banner: out, url });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before its banner; stderr: ${err}`));
    });
  });
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/** The shell lines of the banner that a user is told to paste. */
function pasteLines(banner: string): string[] {
  return banner.split('\n').filter((line) => line.startsWith('  TOKEN=') || line.startsWith('  curl '));
}

describe('dingread serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dingread-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the demo on a free port, and the printed curl commands work when pasted', async () => {
    const { child, banner, url } = await serve(['--demo', '--port', '0', '--store', `sqlite:${join(dir, 'demo.db')}`], dir);
    try {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.doesNotMatch(url, /:0$/, 'the banner names the port that was picked');
      assert.match(banner, /appKey dingdemoapp, appSecret demo-secret/);
      const [tokenLine, otoLine, groupLine] = pasteLines(banner);
      assert.ok(tokenLine && otoLine && groupLine, `three paste lines in:\n${banner}`);
      const script = `set -e\n${tokenLine}\n${otoLine}\necho\n${groupLine}\n`;
      const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      const [token, oto, group] = result.stdout.trim().split('\n');
      assert.match(token ?? '', /^[0-9a-f]{32}$/);
      const status = JSON.parse(oto ?? '');
      assert.equal(status.sendStatus, 'SUCCESS');
      assert.equal(status.messageReadInfoList.length, 5);
      assert.deepEqual(
        status.messageReadInfoList.map((info: { readStatus: string }) => info.readStatus),
        ['READ', 'READ', 'UNREAD', 'UNREAD', 'UNREAD'],
      );
      const page = JSON.parse(group ?? '');
      assert.equal(page.readUserIds.length, 10);
      assert.equal(page.hasMore, true);
      assert.equal(typeof page.nextToken, 'string');

      // How to connect a bot, and to speak to it as a demo user.
      assert.match(banner, /clientId dingdemoapp, clientSecret demo-secret/);
      assert.match(banner, new RegExp(`HTTPS_PROXY=${url} NODE_EXTRA_CA_CERTS=dingread-ca.pem`));
      const [caLine, sayLine, chatLine] = pasteLines(banner).slice(3);
      assert.ok(caLine && sayLine && chatLine, `three more paste lines in:\n${banner}`);
      const spoken = spawnSync('bash', ['-c', `set -e\n${caLine}\nhead -1 dingread-ca.pem\n${sayLine}\necho\n${chatLine}\n`], { encoding: 'utf8', cwd: dir });
      assert.equal(spoken.status, 0, spoken.stderr);
      const [pem, said, chat] = spoken.stdout.trim().split('\n');
      assert.equal(pem, '-----BEGIN CERTIFICATE-----');
      assert.deepEqual(JSON.parse(said ?? '').deliveries, [{ robotCode: 'dingdemoapp', status: 'noConnection' }]);
      assert.equal(JSON.parse(chat ?? '').items.at(-1).text, 'hello bot');

      // The group's custom (webhook) robot posts, and the group's chat shows it.
      const [webhookLine] = pasteLines(banner).slice(6);
      assert.ok(webhookLine, `a webhook robot line in:\n${banner}`);
      const posted = spawnSync('bash', ['-c', webhookLine], { encoding: 'utf8', cwd: dir });
      assert.deepEqual(JSON.parse(posted.stdout), { errcode: 0, errmsg: 'ok' });
      const allHands = (await (await fetch(`${url}/_dingread/v1/conversations/${encodeURIComponent('cidDemoAllHands==')}/messages`)).json()) as { items: any[] };
      assert.deepEqual(allHands.items.at(-1).from, { webhookRobot: 'Demo Alerts' });
      assert.equal(allHands.items.at(-1).text, 'disk full on db-1');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exitOf(child), 0, 'SIGTERM shuts down cleanly');
    assert.ok(existsSync(join(dir, 'demo.db')), 'the SQLite file was created');
  });

  it('keeps what it stored across a restart on the SQLite store, without posting the demo messages again', async () => {
    const store = `sqlite:${join(dir, 'restart.db')}`;
    const first = await serve(['--demo', '--no-simulate', '--port', '0', '--store', store], dir);
    assert.match(first.banner, /\nPosted two demo messages\.\n/);
    const listed = (await (await fetch(`${first.url}/_dingread/v1/messages`)).json()) as { items: unknown[] };
    assert.equal(listed.items.length, 2);
    first.child.kill('SIGINT');
    assert.equal(await exitOf(first.child), 0);
    const second = await serve(['--demo', '--no-simulate', '--port', '0', '--store', store], dir);
    try {
      assert.match(second.banner, /\nThe two demo messages an earlier start posted are still here \(not posted again\)\.\n/);
      const again = (await (await fetch(`${second.url}/_dingread/v1/messages`)).json()) as { items: unknown[] };
      assert.deepEqual(again.items, listed.items);
      // The banner's commands name the same two messages.
      const keysOf = (banner: string) => pasteLines(banner).map((line) => line.replace(/http:\/\/127\.0\.0\.1:\d+/g, ''));
      assert.deepEqual(keysOf(second.banner), keysOf(first.banner));
    } finally {
      second.child.kill('SIGTERM');
      await exitOf(second.child);
    }
  });

  it('posts the demo messages again once the earlier ones can no longer be queried', async () => {
    const store = `sqlite:${join(dir, 'expired.db')}`;
    const clock = new Clock(() => 1_760_000_000_000);
    const first = await startServer({ port: 0, store, demo: true, simulate: false, clock });
    const firstKeys = first.demo;
    await first.close();
    assert.equal(firstKeys?.posted, true);
    const sameDay = await startServer({ port: 0, store, demo: true, simulate: false, clock });
    assert.deepEqual(sameDay.demo, { ...firstKeys, posted: false });
    await sameDay.close();
    clock.advance(24 * 3600_000);
    const nextDay = await startServer({ port: 0, store, demo: true, simulate: false, clock });
    try {
      assert.equal(nextDay.demo?.posted, true);
      assert.notEqual(nextDay.demo?.groupKey, firstKeys?.groupKey);
      assert.equal((await nextDay.ctx.store.listMessages({}, 10)).length, 4);
    } finally {
      await nextDay.close();
    }
  });

  it('with --json, prints one JSON object once it listens, and stops on SIGTERM', async () => {
    const running = startCli(['serve', '--port', '0', '--store', 'memory', '--demo', '--no-simulate', '--json']);
    await until('the JSON line', () => running.stdout.endsWith('\n'));
    const started = JSON.parse(running.stdout);
    assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(started.dashboard, `${started.url}/_dingread/ui/`);
    assert.equal(started.store, 'memory');
    assert.equal(started.demo.appKey, 'dingdemoapp');
    assert.equal(started.demo.posted, true);
    assert.equal((await fetch(`${started.url}/_dingread/health`)).status, 200);
    running.signal('SIGTERM');
    const { status, stdout, stderr } = await running.done;
    assert.equal(status, 0);
    assert.equal(stdout.trim().split('\n').length, 1, 'one JSON object, nothing else');
    assert.equal(stderr, '');
    await assert.rejects(fetch(`${started.url}/_dingread/health`), 'the server is gone');
  });

  it('says a port is in use, and what to do, when something else listens there', async () => {
    const other = createNetServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const port = (other.address() as AddressInfo).port;
    try {
      const busy = await runCli(['serve', '--port', String(port), '--store', 'memory']);
      assert.equal(busy.status, 1);
      assert.equal(
        busy.stderr,
        `dingread serve: port ${port} on 127.0.0.1 is already in use. Stop what listens there, or choose another port with --port (--port 0 picks a free one).\n`,
      );
      const json = await runCli(['serve', '--port', String(port), '--store', 'memory', '--json']);
      assert.deepEqual(JSON.parse(json.stdout).error, { code: 'addressInUse', message: busy.stderr.slice('dingread serve: '.length, -1), host: '127.0.0.1', port });
    } finally {
      other.close();
    }
    const dingread = await startServer({ port: 0, store: 'memory' });
    try {
      const taken = await runCli(['serve', '--port', String(dingread.port), '--store', 'memory']);
      assert.match(taken.stderr, new RegExp(`already in use, by another dingread \\(its dashboard: http://127\\.0\\.0\\.1:${dingread.port}/_dingread/ui/\\)`));
    } finally {
      await dingread.close();
    }
  });

  it('refuses a public address without an admin token', async () => {
    const result = await runCli(['serve', '--host', '0.0.0.0', '--store', 'memory']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^dingread serve: refusing to listen on 0\.0\.0\.0 without an admin token/);
    // With --json the operator error's own code and hint come along.
    const json = await runCli(['serve', '--host', '0.0.0.0', '--store', 'memory', '--json']);
    assert.equal(json.status, 1);
    const { error } = JSON.parse(json.stdout);
    assert.deepEqual([error.code, error.reason], ['startup', 'startup.publicWithoutAdminToken']);
    assert.match(error.hint, /^Pass --admin-token/);
  });

  it('explains bad options', async () => {
    const usage: Array<[string[], RegExp]> = [
      [['--port', 'abc'], /--port must be a number/],
      [['--frobnicate'], /unknown option --frobnicate/],
      [['--delivery-delay-ms=soon'], /--delivery-delay-ms must be a whole number/],
      [['--qps-limit=-1'], /--qps-limit must be a whole number/],
      [['--sqlite-sync', 'off'], /--sqlite-sync must be normal or full/],
      [['--control-qps-limit', 'lots'], /--control-qps-limit must be a whole number/],
      [['--request-log', '-1'], /--request-log must be a whole number of calls from 0 to 100000/],
      [['--request-log', '100001'], /--request-log must be a whole number of calls from 0 to 100000/],
      [['--request-log-bodies', '3G'], /--request-log-bodies must be a number of bytes from 0 to 1G, such as 262144, 512K or 8M, not "3G"/],
      [['--stream-redelivery-ms', '0'], /--stream-redelivery-ms must be a whole number of milliseconds, at least 1/],
      [['--retention-days', '0.5', '--store', 'memory'], /--retention-days must be a number of days, at least 1/],
      [['--retention-days', 'week', '--store', 'memory'], /--retention-days must be a number of days, at least 1/],
    ];
    for (const [argv, expected] of usage) {
      const result = await runCli(['serve', ...argv]);
      assert.equal(result.status, 2, argv.join(' '));
      assert.match(result.stderr.split('\n')[0] as string, expected);
      assert.match(result.stderr, /\nUsage: dingread serve \[options\]\n/);
    }
    const nope = join(dir, 'nope.json');
    const noFixture = await runCli(['serve', '--fixture', nope, '--store', 'memory', '--port', '0']);
    assert.equal(noFixture.status, 1);
    assert.equal(noFixture.stderr, `dingread serve: cannot read the fixture ${nope}: there is no such file\n`);
    const badStore = await runCli(['serve', '--store', 'mysql://x', '--port', '0']);
    assert.equal(badStore.status, 1);
    assert.match(badStore.stderr, /unknown store/);
    const noDatabase = await runCli(['serve', '--port', '0', '--store', 'postgres://postgres@127.0.0.1:1/test']);
    assert.equal(noDatabase.status, 1);
    assert.match(noDatabase.stderr, /PostgreSQL is unavailable/);
    const help = await runCli(['serve', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--admin-token/);
  });

  it('runs as two processes on one PostgreSQL database, sharing tokens and messages', { skip: postgresSkipReason }, async () => {
    const schema = newSchema();
    const url = new URL(POSTGRES_URL);
    url.password = 'not-printed'; // trust auth ignores it; the banner must not show it
    url.searchParams.set('schema', schema);
    const [a, b] = await Promise.all([
      serve(['--demo', '--port', '0', '--store', url.toString()], dir),
      serve(['--port', '0', '--store', url.toString(), '--retention-days', '30'], dir),
    ]);
    try {
      assert.doesNotMatch(a.banner + b.banner, /not-printed/);
      assert.match(b.banner, /store: postgres:\/\/postgres:\*\*\*@/);
      const onA = await (await fetch(`${a.url}/_dingread/v1/messages`)).json();
      const onB = await (await fetch(`${b.url}/_dingread/v1/messages`)).json();
      assert.equal((onA as { items: unknown[] }).items.length, 2);
      assert.deepEqual(onB, onA);
      // The curl lines the first banner prints work against the second process.
      const lines = pasteLines(a.banner).map((line) => line.replaceAll(a.url, b.url));
      const result = spawnSync('bash', ['-c', `set -e\n${lines.join('\n')}`], { encoding: 'utf8', timeout: 20_000, cwd: dir });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /"readUserIds"/);
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      assert.deepEqual(await Promise.all([exitOf(a.child), exitOf(b.child)]), [0, 0]);
      await dropSchema(schema);
    }
  });
});

/** `dingread serve` as a user runs it: a real process, its banner, its curl commands, its signals. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { dropSchema, newSchema, POSTGRES_URL, postgresSkipReason } from '../helpers/postgres.js';
import { MAIN } from '../helpers/cli.js';

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
      assert.match(banner, new RegExp(`HTTPS_PROXY=${url}`));
      const [sayLine, chatLine] = pasteLines(banner).slice(3);
      assert.ok(sayLine && chatLine, `two more paste lines in:\n${banner}`);
      const spoken = spawnSync('bash', ['-c', `set -e\n${sayLine}\necho\n${chatLine}\n`], { encoding: 'utf8' });
      assert.equal(spoken.status, 0, spoken.stderr);
      const [said, chat] = spoken.stdout.trim().split('\n');
      assert.deepEqual(JSON.parse(said ?? '').deliveries, [{ robotCode: 'dingdemobot', status: 'noConnection' }]);
      assert.equal(JSON.parse(chat ?? '').items.at(-1).text, 'hello bot');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exitOf(child), 0, 'SIGTERM shuts down cleanly');
    assert.ok(existsSync(join(dir, 'demo.db')), 'the SQLite file was created');
  });

  it('keeps what it stored across a restart on the SQLite store', async () => {
    const store = `sqlite:${join(dir, 'restart.db')}`;
    const first = await serve(['--demo', '--port', '0', '--store', store], dir);
    const listed = (await (await fetch(`${first.url}/_dingread/v1/messages`)).json()) as { items: unknown[] };
    first.child.kill('SIGINT');
    assert.equal(await exitOf(first.child), 0);
    const second = await serve(['--port', '0', '--store', store], dir);
    try {
      const again = (await (await fetch(`${second.url}/_dingread/v1/messages`)).json()) as { items: unknown[] };
      assert.equal(again.items.length, 2);
      assert.deepEqual(again.items, listed.items);
    } finally {
      second.child.kill('SIGTERM');
      await exitOf(second.child);
    }
  });

  it('refuses a public address without an admin token', () => {
    const result = spawnSync(process.execPath, [MAIN, 'serve', '--host', '0.0.0.0', '--store', 'memory'], { encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0 without an admin token/);
  });

  it('explains bad options and prints help', () => {
    const badPort = spawnSync(process.execPath, [MAIN, 'serve', '--port', 'abc'], { encoding: 'utf8' });
    assert.equal(badPort.status, 2);
    assert.match(badPort.stderr, /--port must be a number/);
    const unknown = spawnSync(process.execPath, [MAIN, 'serve', '--frobnicate'], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown option '--frobnicate'/);
    const badStore = spawnSync(process.execPath, [MAIN, 'serve', '--store', 'mysql://x', '--port', '0'], { encoding: 'utf8' });
    assert.equal(badStore.status, 1);
    assert.match(badStore.stderr, /unknown store/);
    const badDelay = spawnSync(process.execPath, [MAIN, 'serve', '--delivery-delay-ms=soon'], { encoding: 'utf8' });
    assert.equal(badDelay.status, 2);
    assert.match(badDelay.stderr, /--delivery-delay-ms must be a whole number/);
    const badQps = spawnSync(process.execPath, [MAIN, 'serve', '--qps-limit=-1'], { encoding: 'utf8' });
    assert.equal(badQps.status, 2);
    assert.match(badQps.stderr, /--qps-limit must be a whole number/);
    const badSync = spawnSync(process.execPath, [MAIN, 'serve', '--sqlite-sync', 'off'], { encoding: 'utf8' });
    assert.equal(badSync.status, 2);
    assert.match(badSync.stderr, /--sqlite-sync must be normal or full/);
    const badRedelivery = spawnSync(process.execPath, [MAIN, 'serve', '--stream-redelivery-ms', '0'], { encoding: 'utf8' });
    assert.equal(badRedelivery.status, 2);
    assert.match(badRedelivery.stderr, /--stream-redelivery-ms must be a whole number of milliseconds, at least 1/);
    const badControlQps = spawnSync(process.execPath, [MAIN, 'serve', '--control-qps-limit', 'lots'], { encoding: 'utf8' });
    assert.equal(badControlQps.status, 2);
    assert.match(badControlQps.stderr, /--control-qps-limit must be a whole number/);
    for (const days of ['0.5', 'week']) {
      const badRetention = spawnSync(process.execPath, [MAIN, 'serve', '--retention-days', days, '--store', 'memory'], { encoding: 'utf8' });
      assert.equal(badRetention.status, 2);
      assert.match(badRetention.stderr, /--retention-days must be a number of days, at least 1/);
    }
    const noDatabase = spawnSync(process.execPath, [MAIN, 'serve', '--port', '0', '--store', 'postgres://postgres@127.0.0.1:1/test'], {
      encoding: 'utf8',
    });
    assert.equal(noDatabase.status, 1);
    assert.match(noDatabase.stderr, /PostgreSQL is unavailable/);
    const help = spawnSync(process.execPath, [MAIN, 'serve', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--admin-token/);
    const command = spawnSync(process.execPath, [MAIN, 'nope'], { encoding: 'utf8' });
    assert.equal(command.status, 2);
    assert.match(command.stderr, /unknown command "nope"/);
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
      const result = spawnSync('bash', ['-c', `set -e\n${lines.join('\n')}`], { encoding: 'utf8', timeout: 20_000 });
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

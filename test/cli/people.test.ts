/** `dingread status`, `send` and `read` as a person runs them: real processes against a real server. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AdminClient } from '../../src/testing/admin-client.js';
import { MAIN } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `dingread ARGS` without blocking this process, which also hosts the server. */
function dingread(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const APP = ['--app-key', DEMO.appKey, '--app-secret', DEMO.appSecret];

describe('dingread status, send, read', () => {
  let server: RunningServer;
  let env: Record<string, string>;
  before(async () => {
    server = await startServer({ port: 0, store: 'memory', demo: true });
    env = { DINGREAD_URL: server.url };
  });
  after(() => server.close());

  it('sends one-on-one, records reads, and shows the progress', async () => {
    const sent = await dingread(['send', ...APP, '--robot', DEMO.robotCode, '--to', 'user001,user002,ghost', '--text', 'hi', '--json'], env);
    assert.equal(sent.code, 0, sent.stderr);
    const answer = JSON.parse(sent.stdout);
    assert.deepEqual(answer.invalidStaffIdList, ['ghost']);
    const key = answer.processQueryKey as string;

    const read = await dingread(['read', key, 'user001', 'ghost'], env);
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /1 read recorded/);
    assert.match(read.stdout, /Ignored ghost: user\.notRecipient/);

    const status = await dingread(['status', key, '--users'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /one-on-one message from dingdemobot/);
    assert.match(status.stdout, /1 \/ 2 read \(50%\)/);
    assert.match(status.stdout, /READ +user001/);
    assert.match(status.stdout, /unread +user002/);

    const json = JSON.parse((await dingread(['status', key, '--json'], env)).stdout);
    assert.equal(json.readCount, 1);
    assert.equal(json.recipientCount, 2);
  });

  it('sends into a group and opens chats as users', async () => {
    const sent = await dingread(['send', ...APP, '--robot', DEMO.robotCode, '--group', DEMO.groupId, '--markdown', '**Standup**', '--title', 'Standup'], env);
    assert.equal(sent.code, 0, sent.stderr);
    const key = /processQueryKey: (\S+)/.exec(sent.stdout)?.[1] as string;
    assert.match(sent.stdout, /dingread status '.+' --watch/);

    const opened = await dingread(['read', '--chat', DEMO.groupId, '--user', 'user030', '--json'], env);
    assert.equal(opened.code, 0, opened.stderr);
    assert.ok(JSON.parse(opened.stdout).marked >= 1);
    const detail = await new AdminClient(server.url).message(key);
    assert.ok(detail.recipients.find((r) => r.userId === 'user030')?.readAt);

    const robotChat = await dingread(['read', '--robot', DEMO.robotCode, '--user', 'user003'], env);
    assert.equal(robotChat.code, 0, robotChat.stderr);
    assert.match(robotChat.stdout, /user003 opened the chat: \d+ messages? newly read/);
  });

  it('watches reads arrive live until everyone has read it', async () => {
    const admin = new AdminClient(server.url);
    const sent = await dingread(['send', ...APP, '--robot', DEMO.robotCode, '--to', 'user010,user011', '--text', 'watch me', '--json'], env);
    const key = JSON.parse(sent.stdout).processQueryKey as string;
    const child = spawn(process.execPath, [MAIN, 'status', key, '--watch'], { env: { ...process.env, ...env }, stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await until('the first bar', () => out.includes('0 / 2 read'));
      // The stream may attach just after the first bar: keep reading one user until the bar moves.
      await until('the watcher to subscribe', () => server.ctx.events.listenerCount > 0);
      await admin.reads([{ processQueryKey: key, userId: 'user010' }]);
      await until('the bar to move after a read', () => out.includes('1 / 2 read'));
      await admin.reads([{ processQueryKey: key, userId: 'user011' }]);
      assert.equal(await exited, 0, out);
      assert.match(out, /2 \/ 2 read \(100%\)/);
      assert.match(out, /Everyone has read it\./);
    } finally {
      child.kill();
    }
  });

  it('explains what went wrong', async () => {
    const missing = await dingread(['status', 'no-such-key'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /object\.notFound/);
    const down = await dingread(['status', 'k'], { DINGREAD_URL: 'http://127.0.0.1:9' });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach dingread at http:\/\/127\.0\.0\.1:9/);
    const usage = await dingread(['send', '--robot', DEMO.robotCode, '--text', 'x'], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /exactly one of --to, --group, --chat/);
    const refused = await dingread(['send', '--app-key', DEMO.appKey, '--app-secret', 'wrong', '--robot', DEMO.robotCode, '--to', 'user001', '--text', 'x'], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /dingread send: \S+/);
    const nobody = await dingread(['read', server.demo?.otoKey as string, 'ghost'], env);
    assert.equal(nobody.code, 1, 'no read recorded');
    for (const command of ['status', 'send', 'read']) {
      const help = await dingread([command, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Examples:/);
      assert.match(help.stdout, /--admin-token/);
    }
  });

  it('passes the admin token, from the option or the environment, to calls and the event stream', async () => {
    const guarded = await startServer({ port: 0, store: 'memory', demo: true, adminToken: 's3cret' });
    try {
      const key = guarded.demo?.otoKey as string;
      const without = await dingread(['status', key, '--url', guarded.url]);
      assert.equal(without.code, 1);
      assert.match(without.stderr, /adminToken\.missing.*--admin-token or DINGREAD_ADMIN_TOKEN/);
      const withOption = await dingread(['status', key, '--url', guarded.url, '--admin-token', 's3cret']);
      assert.equal(withOption.code, 0, withOption.stderr);
      const read = await dingread(['read', key, 'user003', 'user004', 'user005'], { DINGREAD_URL: guarded.url, DINGREAD_ADMIN_TOKEN: 's3cret' });
      assert.equal(read.code, 0, read.stderr);
      // Everyone has read it now, so --watch answers at once; the stream itself is covered above.
      const watched = await dingread(['status', key, '--watch', '--json'], { DINGREAD_URL: guarded.url, DINGREAD_ADMIN_TOKEN: 's3cret' });
      assert.equal(watched.code, 0, watched.stderr);
      assert.equal(JSON.parse(watched.stdout.trim().split('\n').at(-1) as string).readCount, 5);
    } finally {
      await guarded.close();
    }
  });
});

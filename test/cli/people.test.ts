/** `dingread status`, `send` and `read` as a person runs them, through main() against a real server. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AdminClient } from '../../src/testing/admin-client.js';
import { runCli, startCli } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

const APP = ['--app-key', DEMO.appKey, '--app-secret', DEMO.appSecret];

describe('dingread status, send, read', () => {
  let server: RunningServer;
  let admin: AdminClient;
  let env: Record<string, string>;
  const send = async (...args: string[]): Promise<string> => {
    const sent = await runCli(['send', ...APP, '--robot', DEMO.robotCode, ...args, '--json'], { env });
    assert.equal(sent.status, 0, sent.stdout + sent.stderr);
    return JSON.parse(sent.stdout).processQueryKey as string;
  };
  before(async () => {
    server = await startServer({ port: 0, store: 'memory', demo: true, simulate: false });
    admin = new AdminClient(server.url);
    env = { DINGREAD_URL: server.url };
  });
  after(() => server.close());

  it('says how many received a one-on-one message: the known users, not every userId given', async () => {
    const sent = await runCli(['send', ...APP, '--robot', DEMO.robotCode, '--to', 'user001,nobody', '--text', 'hi'], { env });
    assert.equal(sent.status, 0, sent.stderr);
    const lines = sent.stdout.split('\n');
    assert.equal(lines[0], `Sent to 1 user (user001) as ${DEMO.robotCode}.`);
    assert.match(sent.stdout, /\nNot sent to unknown users: nobody\n/);
    const key = /processQueryKey: (\S+)/.exec(sent.stdout)?.[1] as string;
    assert.equal((await admin.message(key)).recipientCount, 1);
    const json = await runCli(['send', ...APP, '--robot', DEMO.robotCode, '--to', 'user001, user002,user001', '--text', 'hi', '--json'], { env });
    assert.equal(json.stderr, '');
    const answer = JSON.parse(json.stdout);
    assert.deepEqual(answer.invalidStaffIdList, []);
    assert.equal((await admin.message(answer.processQueryKey)).recipientCount, 2, 'a repeated userId is sent to once');
  });

  it('records reads, and tells a new read from one that was already there and from an ignored one', async () => {
    const key = await send('--to', 'user001,user002,user003', '--text', 'reads');
    const first = await runCli(['read', key, 'user001'], { env });
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, 'Recorded 1 read: Alice Li (user001).\n');
    const again = await runCli(['read', key, 'user001', 'user002', 'ghost'], { env });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^Recorded 1 read: Bob Li \(user002\)\.\n/);
    assert.match(again.stdout, /\nAlice Li \(user001\) had already read it, at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: nothing changed\.\n/);
    assert.match(again.stdout, /\nIgnored ghost: not a recipient of this message\.\n$/);
    assert.doesNotMatch(again.stdout, /2 reads/);
    const json = JSON.parse((await runCli(['read', key, 'user001', 'user003', '--json'], { env })).stdout);
    assert.deepEqual(json, { accepted: 2, ignored: [], recorded: ['user003'], alreadyRead: ['user001'] });
  });

  it('blames a wrong processQueryKey on the key, not on each user', async () => {
    const text = await runCli(['read', 'no-such-key', 'user001', 'user002'], { env });
    assert.equal(text.status, 1);
    assert.equal(text.stdout, '');
    assert.equal(text.stderr, 'dingread read: no message has the processQueryKey "no-such-key"\n');
    const json = await runCli(['read', 'no-such-key', 'user001', '--json'], { env });
    assert.deepEqual(JSON.parse(json.stdout), { error: { code: 'object.notFound', message: 'no message has the processQueryKey "no-such-key"', status: 404 } });
    const nobody = await runCli(['read', server.demo?.otoKey as string, 'ghost', '--json'], { env });
    assert.equal(nobody.status, 1, 'no read recorded');
    assert.deepEqual(JSON.parse(nobody.stdout).error.ignored, [{ index: 0, reason: 'user.notRecipient' }]);
    assert.equal(JSON.parse(nobody.stdout).error.code, 'reads.noneRecorded');
    const nobodyText = await runCli(['read', server.demo?.otoKey as string, 'ghost'], { env });
    assert.equal(nobodyText.stderr, 'dingread read: no read was recorded.\nIgnored ghost: not a recipient of this message.\n');
  });

  it('shows the progress, every recipient with --users, and the 24-hour window once it has passed', async () => {
    const key = await send('--to', 'user001,user002', '--text', 'progress');
    await admin.reads([{ processQueryKey: key, userId: 'user001' }]);
    const status = await runCli(['status', key, '--users'], { env });
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /^one-on-one message from dingdemobot to 2 users, sent .* UTC: SUCCESS\n/);
    assert.match(status.stdout, /1 \/ 2 read \(50%\)/);
    assert.match(status.stdout, /READ +user001 +Alice Li/);
    assert.match(status.stdout, /unread +user002 +Bob Li/);
    assert.doesNotMatch(status.stdout, /no longer be queried/);
    const json = JSON.parse((await runCli(['status', key, '--json'], { env })).stdout);
    assert.equal(json.readCount, 1);
    assert.equal(json.recipientCount, 2);

    await admin.clock.advance(25 * 3600_000);
    try {
      const late = await runCli(['status', key], { env });
      assert.match(late.stdout, /Past its 24-hour window since .* UTC: it can no longer be queried \(processQueryKey\.expireTime\)\./);
    } finally {
      await admin.clock.system();
    }
  });

  it('sends markdown titled by its first line without the markdown, into a group', async () => {
    const sent = await runCli(['send', ...APP, '--robot', DEMO.robotCode, '--group', DEMO.groupId, '--markdown', '# **Release** 2.4\n\nNotes follow.'], { env });
    assert.equal(sent.status, 0, sent.stderr);
    assert.match(sent.stdout, /^Sent into group cidDemoAllHands== as dingdemobot\.\n/);
    assert.match(sent.stdout, /Follow its reads: dingread status '.+' --watch/);
    const key = /processQueryKey: (\S+)/.exec(sent.stdout)?.[1] as string;
    assert.equal(JSON.parse((await admin.message(key)).msgParam).title, 'Release 2.4');
  });

  it('reports a refused send once, with its code, and as JSON', async () => {
    const argv = ['send', '--app-key', DEMO.appKey, '--app-secret', 'wrong', '--robot', DEMO.robotCode, '--to', 'user001', '--text', 'x'];
    const refused = await runCli(argv, { env });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^dingread send: invalidClientIdOrSecret: /);
    assert.doesNotMatch(refused.stderr, /invalidClientIdOrSecret: invalidClientIdOrSecret/);
    assert.equal(refused.stderr.split('\n').length, 2, 'one line');
    const json = await runCli([...argv, '--json'], { env });
    const { error } = JSON.parse(json.stdout);
    assert.equal(error.code, 'invalidClientIdOrSecret');
    assert.equal(error.status, 400);
    assert.match(error.requestId, /^[0-9A-F-]{36}$/);
    assert.equal(json.stderr, '');
  });

  it('explains a send that is missing something', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--robot', DEMO.robotCode, '--text', 'x'], /say where: one of --to, --group, --chat/],
      [['--robot', DEMO.robotCode, '--to', 'u', '--group', 'g', '--text', 'x'], /give one of --to, --group, --chat, not --to and --group/],
      [['--to', 'u', '--text', 'x'], /--robot is required/],
      [['--robot', DEMO.robotCode, '--to', 'u'], /say what: one of --text, --markdown, --msg-key/],
      [['--robot', DEMO.robotCode, '--chat', 'c', '--text', 'x'], /--chat needs --cool-app/],
      [['--robot', DEMO.robotCode, '--to', 'u', '--msg-key', 'sampleText', '--msg-param', '{'], /--msg-param must be JSON/],
    ];
    for (const [args, expected] of cases) {
      const result = await runCli(['send', ...APP, ...args], { env });
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr.split('\n')[0] as string, expected);
      assert.match(result.stderr, /\nUsage: dingread send --robot CODE/);
    }
    const noApp = await runCli(['send', '--robot', DEMO.robotCode, '--to', 'u', '--text', 'x'], { env });
    assert.match(noApp.stderr, /^dingread send: --app-key is required/);
    const fromEnv = await runCli(['send', '--robot', DEMO.robotCode, '--to', 'user001', '--text', 'x', '--json'], {
      env: { ...env, DINGREAD_APP_KEY: DEMO.appKey, DINGREAD_APP_SECRET: DEMO.appSecret },
    });
    assert.equal(fromEnv.status, 0, fromEnv.stdout);
  });

  it('opens chats as users', async () => {
    const key = await send('--group', DEMO.groupId, '--text', 'open me');
    const opened = await runCli(['read', '--chat', DEMO.groupId, '--user', 'user030', '--json'], { env });
    assert.equal(opened.status, 0, opened.stdout);
    assert.ok(JSON.parse(opened.stdout).marked >= 1);
    assert.ok((await admin.message(key)).recipients.find((r) => r.userId === 'user030')?.readAt);
    const robotChat = await runCli(['read', '--robot', DEMO.robotCode, '--user', 'user003'], { env });
    assert.equal(robotChat.status, 0, robotChat.stderr);
    assert.match(robotChat.stdout, /^user003 opened the chat: \d+ messages? newly read\.\n$/);
    const again = await runCli(['read', '--robot', DEMO.robotCode, '--user', 'user003'], { env });
    assert.equal(again.stdout, 'user003 opened the chat: 0 messages newly read.\n');
    const usage = await runCli(['read', '--chat', DEMO.groupId], { env });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /^dingread read: --chat needs --user/);
  });

  it('watches reads arrive live, listing each reader with --users, until everyone has read it', async () => {
    const key = await send('--to', 'user010,user011', '--text', 'watch me');
    const watching = startCli(['status', key, '--watch', '--users'], { env });
    await until('the first bar', () => watching.stdout.includes('0 / 2 read'));
    assert.match(watching.stdout, /unread +user010 +Jing Li/);
    // The stream may attach just after the first bar: wait until the watcher has subscribed.
    await until('the watcher to subscribe', () => server.ctx.events.listenerCount > 0);
    await admin.reads([{ processQueryKey: key, userId: 'user010' }]);
    await until('the bar to move after a read', () => watching.stdout.includes('1 / 2 read'));
    await admin.reads([{ processQueryKey: key, userId: 'user011' }]);
    const { status, stdout } = await watching.done;
    assert.equal(status, 0);
    assert.match(stdout, /READ +user010 +Jing Li +\d{4}-.* UTC\n\[#+-+\] 1 \/ 2 read/);
    assert.match(stdout, /READ +user011 +Alice Wang +\d{4}-.* UTC\n\[#+\] 2 \/ 2 read \(100%\)/);
    assert.match(stdout, /Everyone has read it\.\n$/);
    assert.equal(watching.listening, 0, 'the signal handlers are gone');
  });

  it('watches as JSON lines, and stops at Ctrl-C', async () => {
    const key = await send('--to', 'user020,user021', '--text', 'watch as json');
    const before = server.ctx.events.listenerCount;
    const watching = startCli(['status', key, '--watch', '--users', '--json'], { env, tty: true });
    await until('the watcher to subscribe', () => server.ctx.events.listenerCount > before);
    await admin.reads([{ processQueryKey: key, userId: 'user020' }]);
    await until('a second line', () => watching.stdout.split('\n').length >= 3);
    watching.signal('SIGINT');
    const { status, stdout, stderr } = await watching.done;
    assert.equal(status, 0);
    assert.equal(stderr, '');
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(lines[0], { processQueryKey: key, sendStatus: 'SUCCESS', readCount: 0, recipientCount: 2, newReaders: [] });
    assert.equal(lines[1].readCount, 1);
    assert.deepEqual(lines[1].newReaders.map((r: { userId: string }) => r.userId), ['user020']);
  });

  it('passes the admin token, from the option or the environment, to calls and the event stream', async () => {
    const guarded = await startServer({ port: 0, store: 'memory', demo: true, simulate: false, adminToken: 's3cret' });
    try {
      const key = guarded.demo?.otoKey as string;
      const without = await runCli(['status', key, '--url', guarded.url]);
      assert.equal(without.status, 1);
      assert.equal(
        without.stderr,
        'dingread status: the server asks for its admin token: pass --admin-token or set DINGREAD_ADMIN_TOKEN (adminToken.missing)\n',
      );
      const wrong = await runCli(['status', key, '--url', guarded.url, '--admin-token', 'nope', '--json']);
      assert.equal(JSON.parse(wrong.stdout).error.code, 'adminToken.invalid');
      const withOption = await runCli(['status', key, '--url', guarded.url, '--admin-token', 's3cret']);
      assert.equal(withOption.status, 0, withOption.stderr);
      const guardedEnv = { DINGREAD_URL: guarded.url, DINGREAD_ADMIN_TOKEN: 's3cret' };
      const read = await runCli(['read', key, 'user003', 'user004', 'user005'], { env: guardedEnv });
      assert.equal(read.status, 0, read.stderr);
      // Everyone has read it now, so --watch answers at once; the stream itself is covered above.
      const watched = await runCli(['status', key, '--watch', '--json'], { env: guardedEnv });
      assert.equal(watched.status, 0, watched.stderr);
      assert.equal(JSON.parse(watched.stdout.trim().split('\n').at(-1) as string).readCount, 5);
    } finally {
      await guarded.close();
    }
  });
});

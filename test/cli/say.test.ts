/** `dingread say` as a person runs it: a real process against a real server with a Stream client. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AdminClient } from '../../src/testing/admin-client.js';
import { MAIN } from '../helpers/cli.js';
import { connectStream, nthCallback } from '../helpers/stream-client.js';

function dingread(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('dingread say', () => {
  let server: RunningServer;
  let env: Record<string, string>;
  before(async () => {
    server = await startServer({ port: 0, store: 'memory', demo: true, simulate: false });
    env = { DINGREAD_URL: server.url };
  });
  after(() => server.close());

  it('writes to a robot one-on-one, and the bot’s connection gets it', async () => {
    const bot = await connectStream(server.url, DEMO.appKey, DEMO.appSecret);
    try {
      const said = await dingread(['say', '--as', 'user001', '--robot', DEMO.robotCode, 'hello bot'], env);
      assert.equal(said.code, 0, said.stderr);
      assert.match(said.stdout, /^user001 said it \(msgId msg\S+==\)\.\n  dingdemobot: delivered\n$/);
      const data = JSON.parse((await nthCallback(bot, 1)).data);
      assert.equal(data.text.content, 'hello bot');
      assert.equal(data.senderStaffId, 'user001');
    } finally {
      await bot.close();
    }
  });

  it('writes in a group, @-mentioning robots, and prints JSON for scripts', async () => {
    const said = await dingread(['say', '--as', 'user002', '--to', DEMO.groupId, '--at', DEMO.robotCode, 'standup?', '--json'], env);
    assert.equal(said.code, 0, said.stderr);
    const answer = JSON.parse(said.stdout);
    assert.deepEqual(answer.deliveries, [{ robotCode: DEMO.robotCode, status: 'noConnection' }]);
    const chat = await new AdminClient(server.url).chat({ openConversationId: DEMO.groupId });
    assert.deepEqual(chat.at(-1)?.msgId, answer.msgId);
    assert.deepEqual(chat.at(-1)?.atRobots, [DEMO.robotCode]);
    const quiet = await dingread(['say', '--as', 'user003', '--to', DEMO.groupId, 'just chatting'], env);
    assert.match(quiet.stdout, /dingdemobot: notMentioned/);
  });

  it('explains mistakes in how it was called (exit 2) and refusals of the server (exit 1)', async () => {
    for (const args of [
      ['--robot', DEMO.robotCode, 'hi'],
      ['--as', 'user001', 'hi'],
      ['--as', 'user001', '--robot', DEMO.robotCode, '--to', DEMO.groupId, 'hi'],
      ['--as', 'user001', '--robot', DEMO.robotCode, '--at', DEMO.robotCode, 'hi'],
      ['--as', 'user001', '--robot', DEMO.robotCode],
      ['--as', 'user001', '--robot', DEMO.robotCode, 'two', 'words'],
      ['--as', 'user001', '--robot', DEMO.robotCode, '--nope', 'hi'],
    ]) {
      const result = await dingread(['say', ...args], env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^dingread say: .+\nRun "dingread say --help"/);
    }
    const unknown = await dingread(['say', '--as', 'nobody', '--robot', DEMO.robotCode, 'hi'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /object\.notFound: .*no user nobody/);
    const help = await dingread(['say', '--help'], env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: dingread say --as <userId> --robot <robotCode> <text>/);
  });
});

describe('serve and exec options for Stream mode', () => {
  it('take the redelivery delay from --stream-redelivery-ms or DINGREAD_STREAM_REDELIVERY_MS, 60 s by default', async () => {
    const { serverOptionsFrom } = await import('../../src/cli/serve-options.js');
    const defaults = { port: '0', store: 'memory', simulate: false };
    assert.deepEqual(serverOptionsFrom({}, {}, defaults).stream, { redeliveryMs: 60_000 });
    assert.deepEqual(serverOptionsFrom({ 'stream-redelivery-ms': '5000' }, {}, defaults).stream, { redeliveryMs: 5_000 });
    assert.deepEqual(serverOptionsFrom({}, { DINGREAD_STREAM_REDELIVERY_MS: '250' }, defaults).stream, { redeliveryMs: 250 });
  });
});

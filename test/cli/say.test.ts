/** `dingread say` as a person runs it, through main() against a real server with a Stream client. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serverOptionsFrom } from '../../src/cli/serve-options.js';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AdminClient } from '../../src/testing/admin-client.js';
import { runCli } from '../helpers/cli.js';
import { connectStream, nthCallback } from '../helpers/stream-client.js';

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
      const said = await runCli(['say', '--as', 'user001', '--robot', DEMO.appRobotCode, 'hello bot'], { env });
      assert.equal(said.status, 0, said.stderr);
      assert.match(said.stdout, /^user001 said it \(msgId msg\S+==\)\.\n {2}dingdemoapp: delivered \(a Stream connection of its app got it\)\n$/);
      const data = JSON.parse((await nthCallback(bot, 1)).data);
      assert.equal(data.text.content, 'hello bot');
      assert.equal(data.senderStaffId, 'user001');
      assert.equal(data.robotCode, DEMO.appRobotCode);
    } finally {
      await bot.close();
    }
  });

  it('writes in a group, @-mentioning robots, and prints one JSON object for scripts', async () => {
    const said = await runCli(['say', '--as', 'user002', '--to', DEMO.groupId, '--at', `${DEMO.robotCode}, ${DEMO.appRobotCode}`, 'standup?', '--json'], { env });
    assert.equal(said.status, 0, said.stderr);
    assert.equal(said.stderr, '');
    const answer = JSON.parse(said.stdout);
    // In robotCode order, as the conversation lists its robots.
    assert.deepEqual(answer.deliveries, [
      { robotCode: DEMO.appRobotCode, status: 'noConnection' },
      { robotCode: DEMO.robotCode, status: 'noConnection' },
    ]);
    const chat = await new AdminClient(server.url).chat({ openConversationId: DEMO.groupId });
    assert.equal(chat.at(-1)?.msgId, answer.msgId);
    assert.deepEqual(chat.at(-1)?.atRobots, [DEMO.robotCode, DEMO.appRobotCode]);
    const quiet = await runCli(['say', '--as', 'user003', '--to', DEMO.groupId, 'just chatting'], { env });
    assert.match(quiet.stdout, /\n {2}dingdemobot: not delivered: not @-mentioned\n/);
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
      const result = await runCli(['say', ...args], { env });
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^dingread say: .+\nUsage: dingread say --as ID --robot CODE TEXT/);
      const json = await runCli(['say', ...args, '--json'], { env });
      assert.equal(JSON.parse(json.stdout).error.code, 'usage', args.join(' '));
    }
    const unknown = await runCli(['say', '--as', 'nobody', '--robot', DEMO.robotCode, 'hi'], { env });
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^dingread say: .*nobody/);
    const json = await runCli(['say', '--as', 'nobody', '--robot', DEMO.robotCode, 'hi', '--json'], { env });
    assert.equal(JSON.parse(json.stdout).error.code, 'object.notFound');
    assert.equal(json.stderr, '');
    const help = await runCli(['say', '--help'], { env });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: dingread say --as ID --robot CODE TEXT \[options\]\n {7}dingread say --as ID --to CID/);
  });
});

describe('serve and exec options for Stream mode', () => {
  it('take the redelivery delay from --stream-redelivery-ms or DINGREAD_STREAM_REDELIVERY_MS, 60 s by default', () => {
    const defaults = { port: '0', store: 'memory', simulate: false };
    assert.deepEqual(serverOptionsFrom({}, {}, defaults).stream, { redeliveryMs: 60_000 });
    assert.deepEqual(serverOptionsFrom({ 'stream-redelivery-ms': '5000' }, {}, defaults).stream, { redeliveryMs: 5_000 });
    assert.deepEqual(serverOptionsFrom({}, { DINGREAD_STREAM_REDELIVERY_MS: '250' }, defaults).stream, { redeliveryMs: 250 });
  });
});

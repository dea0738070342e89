/** `dingread say` as a person runs it, through main() against a real server with a Stream client. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
      assert.match(result.stderr, /^dingread say: .+\nUsage: dingread say --as ID --robot CODE \(TEXT \| --file PATH\)/);
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
    assert.match(help.stdout, /^Usage: dingread say --as ID --robot CODE \(TEXT \| --file PATH\) \[options\]\n {7}dingread say --as ID --to CID/);
    assert.match(help.stdout, /--file PATH +send this file instead of text/);
    assert.match(help.stdout, /--org CORPID +with --file: the org to upload it to/);
  });

  describe('--file', () => {
    const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
    let folder: string;
    before(async () => {
      folder = await mkdtemp(join(tmpdir(), 'dingread-say-'));
      await writeFile(join(folder, 'chart.png'), PNG);
      await writeFile(join(folder, 'report.pdf'), Buffer.from('%PDF-1.4\n%%EOF\n'));
    });
    after(() => rm(folder, { recursive: true, force: true }));

    it('uploads a file to the robot’s org and sends it one-on-one: the bot gets a file message it can download', async () => {
      const bot = await connectStream(server.url, DEMO.appKey, DEMO.appSecret);
      try {
        const said = await runCli(['say', '--as', 'user001', '--robot', DEMO.appRobotCode, '--file', join(folder, 'report.pdf')], { env });
        assert.equal(said.status, 0, said.stderr);
        assert.match(said.stdout, /^user001 sent report\.pdf \(fileId \S+\) \(msgId msg\S+==\)\.\n {2}dingdemoapp: delivered/);
        // The bot may first get what was said to it earlier while it had no connection.
        let data = JSON.parse((await nthCallback(bot, 1)).data);
        for (let n = 2; data.msgtype === 'text' && n <= 3; n++) data = JSON.parse((await nthCallback(bot, n)).data);
        assert.equal(data.msgtype, 'file');
        assert.equal(data.senderStaffId, 'user001');
        assert.equal(typeof data.content.downloadCode, 'string');
        assert.equal(data.content.fileName, 'report.pdf');
        const chat = await new AdminClient(server.url).chat({ robotCode: DEMO.appRobotCode, userId: 'user001' });
        assert.equal(chat.at(-1)?.text, 'report.pdf');
      } finally {
        await bot.close();
      }
    });

    it('sends a picture in a group with an @-mention, the org found from the conversation or named with --org', async () => {
      const said = await runCli(['say', '--as', 'user002', '--to', DEMO.groupId, '--at', DEMO.appRobotCode, '--file', join(folder, 'chart.png'), '--json'], { env });
      assert.equal(said.status, 0, said.stderr);
      const answer = JSON.parse(said.stdout);
      const file = await fetch(`${server.url}/_dingread/v1/files/${encodeURIComponent(answer.fileId)}`).then((response) => response.json() as Promise<{ type: string; fileName: string; size: number }>);
      assert.equal(file.type, 'image');
      assert.equal(file.fileName, 'chart.png');
      assert.equal(file.size, PNG.length);
      const chat = await new AdminClient(server.url).chat({ openConversationId: DEMO.groupId });
      assert.equal(chat.at(-1)?.msgId, answer.msgId);
      assert.deepEqual(chat.at(-1)?.atRobots, [DEMO.appRobotCode]);
      const named = await runCli(['say', '--as', 'user002', '--to', DEMO.groupId, '--org', DEMO.corpId, '--file', join(folder, 'chart.png')], { env });
      assert.equal(named.status, 0, named.stderr);
    });

    it('refuses both text and a file, an empty path, --org without --file, an unreadable file, and files the server refuses', async () => {
      const png = join(folder, 'chart.png');
      for (const args of [
        ['--as', 'user001', '--robot', DEMO.robotCode, '--file', png, 'hi'],
        ['--as', 'user001', '--robot', DEMO.robotCode, '--file', ''],
        ['--as', 'user001', '--robot', DEMO.robotCode, '--org', DEMO.corpId, 'hi'],
      ]) {
        const result = await runCli(['say', ...args, '--json'], { env });
        assert.equal(result.status, 2, args.join(' '));
        assert.equal(JSON.parse(result.stdout).error.code, 'usage', args.join(' '));
      }
      const both = await runCli(['say', '--as', 'user001', '--robot', DEMO.robotCode, '--file', png, 'hi'], { env });
      assert.match(both.stderr, /^dingread say: give the text or --file PATH, not both\n/);
      const neither = await runCli(['say', '--as', 'user001', '--robot', DEMO.robotCode], { env });
      assert.match(neither.stderr, /^dingread say: give the text to say, or --file PATH\n/);

      const missing = await runCli(['say', '--as', 'user001', '--robot', DEMO.robotCode, '--file', join(folder, 'nope.png')], { env });
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /^dingread say: cannot read .*nope\.png: there is no such file\n/);
      const folderAsFile = await runCli(['say', '--as', 'user001', '--robot', DEMO.robotCode, '--file', folder, '--json'], { env });
      assert.equal(folderAsFile.status, 1);
      assert.equal(JSON.parse(folderAsFile.stdout).error.code, 'file.unreadable');

      // Nothing was sent for any of those.
      const before = (await new AdminClient(server.url).chat({ robotCode: DEMO.robotCode, userId: 'user001' })).length;
      const strangeFormat = join(folder, 'notes.txt');
      await writeFile(strangeFormat, 'plain text');
      const refused = await runCli(['say', '--as', 'user001', '--robot', DEMO.robotCode, '--file', strangeFormat, '--json'], { env });
      assert.equal(refused.status, 1);
      assert.equal(JSON.parse(refused.stdout).error.code, 'invalidParameter.param.invalid');
      const notAPicture = await runCli(['say', '--as', 'user002', '--to', DEMO.groupId, '--at', DEMO.appRobotCode, '--file', join(folder, 'report.pdf'), '--json'], { env });
      assert.equal(notAPicture.status, 1);
      assert.equal(JSON.parse(notAPicture.stdout).error.code, 'invalidParameter.param.invalid');
      assert.match(JSON.parse(notAPicture.stdout).error.message, /only an image may be sent in a group, not report\.pdf/);
      const unknownRobot = await runCli(['say', '--as', 'user001', '--robot', 'dingnosuchrobot', '--file', png, '--json'], { env });
      assert.equal(unknownRobot.status, 1);
      assert.equal(JSON.parse(unknownRobot.stdout).error.code, 'object.notFound');
      assert.match(JSON.parse(unknownRobot.stdout).error.message, /dingnosuchrobot.*--org/);
      const unknownOrg = await runCli(['say', '--as', 'user001', '--robot', DEMO.robotCode, '--org', 'nosuchcorp', '--file', png, '--json'], { env });
      assert.equal(unknownOrg.status, 1);
      assert.equal(JSON.parse(unknownOrg.stdout).error.code, 'object.notFound');
      assert.equal((await new AdminClient(server.url).chat({ robotCode: DEMO.robotCode, userId: 'user001' })).length, before);
    });
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

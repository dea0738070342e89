/**
 * Bots written for DingTalk, run unchanged against dingread as their proxy, each in a child
 * process started as its user would start it (HTTPS_PROXY, and NODE_EXTRA_CA_CERTS where TLS is
 * ended by dingread): the official SDK, axios 1.21 (which tunnels with CONNECT), the
 * @soimy/dingtalk OpenClaw plugin (whose axios 1.13 sends whole URLs) and the
 * @openclaw-china/dingtalk one (Node's fetch, tunnelling through undici's EnvHttpProxyAgent).
 * Their code is in clients/; the second plugin's Stream mode is in openclaw-china-stream.test.ts.
 *
 * The server runs the demo directory, whose app has its own bot (robotCode = appKey): the plugin
 * sends as `robotCode: clientId`, as DingTalk's internal-app bots are addressed.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DEMO } from '../../src/demo/demo-directory.js';
import type { LoggedRequest } from '../../src/core/request-log.js';
import { AdminClient } from '../../src/testing/admin-client.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { caFile, childJson, runChild } from '../helpers/proxy.js';

const CLIENTS = fileURLToPath(new URL('./clients/', import.meta.url));
/** The repository root (this file runs from <build>/test/proxy/): where `-r global-agent/bootstrap` resolves. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('real clients through the proxy', () => {
  let server: RunningServer;
  let admin: AdminClient;
  let ca: string;
  let bot: Record<string, string>;
  before(async () => {
    server = await startServer({ port: 0, store: 'memory', demo: true });
    admin = new AdminClient(server.url);
    ca = (await caFile(server.url)).path;
    bot = { BOT_APP_KEY: DEMO.appKey, BOT_APP_SECRET: DEMO.appSecret, BOT_GROUP: DEMO.groupId, BOT_USER: 'user001' };
  });
  after(() => server.close());

  /** The log entries of the calls since `seq`, oldest first. */
  const callsSince = async (seq: number): Promise<LoggedRequest[]> => (await admin.requests({ limit: 1000 })).filter((entry) => entry.seq > seq).reverse();
  const lastSeq = async (): Promise<number> => (await admin.requests({ limit: 1 }))[0]?.seq ?? 0;

  it('the official SDK, as DingTalk samples write it, over https (CONNECT) and http (whole URLs)', async () => {
    const since = await lastSeq();
    const run = await runChild(
      process.execPath,
      ['-r', 'global-agent/bootstrap', `${CLIENTS}official-sdk.js`],
      {
        ...bot,
        BOT_ROBOT_CODE: DEMO.robotCode,
        HTTPS_PROXY: server.url,
        HTTP_PROXY: server.url,
        // global-agent reads HTTPS_PROXY itself with an empty namespace (its default is GLOBAL_AGENT_HTTPS_PROXY).
        GLOBAL_AGENT_ENVIRONMENT_VARIABLE_NAMESPACE: '',
        NODE_EXTRA_CA_CERTS: ca,
      },
      { cwd: ROOT },
    );
    const result = childJson<{ https: { processQueryKey: string; sendStatus: string }; http: { processQueryKey: string; sendStatus: string } }>(run);
    for (const protocol of ['https', 'http'] as const) {
      assert.equal(result[protocol].sendStatus, 'SUCCESS');
      const message = await admin.message(result[protocol].processQueryKey);
      assert.equal(message.openConversationId, DEMO.groupId);
      assert.equal(JSON.parse(message.msgParam).content, `hello over ${protocol}`);
    }
    const calls = await callsSince(since);
    assert.deepEqual(
      calls.map((call) => `${call.via} ${call.host} ${call.method} ${call.path} ${call.status}`),
      [
        ...['tunnel', 'absolute'].flatMap((via) => [
          `${via} api.dingtalk.com POST /v1.0/oauth2/accessToken 200`,
          `${via} api.dingtalk.com POST /v1.0/robot/groupMessages/send 200`,
          `${via} api.dingtalk.com POST /v1.0/robot/groupMessages/query 200`,
        ]),
      ],
    );
  });

  it('axios 1.21 or later, tunnelling to both hosts with CONNECT', async () => {
    const since = await lastSeq();
    const run = await runChild(process.execPath, [`${CLIENTS}axios-tunnel.js`], {
      ...bot,
      BOT_ROBOT_CODE: DEMO.robotCode,
      HTTPS_PROXY: server.url,
      NODE_EXTRA_CA_CERTS: ca,
    });
    const result = childJson<{ accessToken: string; legacy: { errcode: number; access_token: string }; processQueryKey: string; axios: string }>(run);
    const [major, minor] = result.axios.split('.').map(Number) as [number, number];
    assert.ok(major > 1 || minor >= 21, `axios ${result.axios} tunnels only from 1.21`);
    assert.equal(result.legacy.errcode, 0);
    assert.equal(result.legacy.access_token, result.accessToken, 'the legacy host gives the v1.0 token');
    assert.deepEqual((await admin.message(result.processQueryKey)).recipients.map((r) => r.userId), ['user001']);
    const calls = await callsSince(since);
    assert.deepEqual(
      calls.map((call) => `${call.via} ${call.host} ${call.path}`),
      ['tunnel api.dingtalk.com /v1.0/oauth2/accessToken', 'tunnel oapi.dingtalk.com /gettoken', 'tunnel api.dingtalk.com /v1.0/robot/oToMessages/batchSend'],
    );
  });

  it('the @soimy/dingtalk OpenClaw plugin, sending as its app\'s own bot to a group and to a user', async () => {
    const since = await lastSeq();
    // No CA: this plugin's axios sends https:// URLs whole to the proxy, in plain HTTP.
    const run = await runChild(process.execPath, ['--import', `${CLIENTS}openclaw-register.js`, `${CLIENTS}openclaw-plugin.js`], {
      ...bot,
      HTTPS_PROXY: server.url,
    });
    const result = childJson<{ group: string; user: string }>(run);
    const group = await admin.message(result.group);
    assert.deepEqual([group.kind, group.robotCode, group.openConversationId], ['group', DEMO.appKey, DEMO.groupId]);
    const user = await admin.message(result.user);
    assert.deepEqual([user.kind, user.robotCode, user.recipients.map((r) => r.userId)], ['oto', DEMO.appKey, ['user001']]);
    const calls = await callsSince(since);
    assert.ok(calls.length >= 3);
    for (const call of calls) {
      assert.deepEqual([call.via, call.host, call.status], ['absolute', 'api.dingtalk.com', 200], `${call.method} ${call.path}`);
      assert.equal(call.unknownFields, undefined, `${call.path}: the plugin sends only fields DingTalk's API knows`);
    }
  });
  it('the @openclaw-china/dingtalk OpenClaw plugin, sending markdown and media with fetch through tunnels to a group and to a user', async () => {
    const since = await lastSeq();
    const png = '89504e470d0a1a0a0000000d4948445200000001000000010806000000';
    const run = await runChild(process.execPath, ['--import', `${CLIENTS}fetch-proxy.js`, `${CLIENTS}openclaw-china-send.js`], {
      ...bot,
      BOT_IMAGE_HEX: png,
      HTTPS_PROXY: server.url,
      NODE_EXTRA_CA_CERTS: ca,
    });
    type Sent = { channel: string; messageId: string; conversationId: string };
    const result = childJson<{ group: Sent; user: Sent; picture: Sent; file: Sent }>(run);
    assert.deepEqual([result.group.channel, result.group.conversationId, result.user.conversationId], ['dingtalk', DEMO.groupId, 'user001']);
    const group = await admin.message(result.group.messageId);
    assert.deepEqual([group.kind, group.robotCode, group.openConversationId, group.msgKey], ['group', DEMO.appKey, DEMO.groupId, 'sampleMarkdown']);
    // The title is the first line, without its markdown marks.
    assert.deepEqual(JSON.parse(group.msgParam), { title: 'Standup', text: '## Standup\nhello from OpenClaw' });
    const user = await admin.message(result.user.messageId);
    assert.deepEqual([user.kind, user.robotCode, user.recipients.map((r) => r.userId)], ['oto', DEMO.appKey, ['user001']]);
    assert.equal(JSON.parse(user.msgParam).text, 'hello, one on one');

    // Media: uploaded with fetch's own multipart body, then sent by media id; the files are kept.
    const picture = await admin.message(result.picture.messageId);
    assert.deepEqual([picture.kind, picture.msgKey, picture.openConversationId], ['group', 'sampleImageMsg', DEMO.groupId]);
    const file = await admin.message(result.file.messageId);
    assert.deepEqual([file.kind, file.msgKey, file.recipients.map((r) => r.userId)], ['oto', 'sampleFile', ['user001']]);
    // The plugin names every file "file" in the message; the upload keeps its real name.
    assert.deepEqual({ ...JSON.parse(file.msgParam), mediaId: undefined }, { mediaId: undefined, fileName: 'file', fileType: 'file' });
    const details = await Promise.all([result.picture, result.file].map((sent) => fetch(`${server.url}/_dingread/v1/messages/${encodeURIComponent(sent.messageId)}`).then((r) => r.json())));
    const [imageFile, pdfFile] = details.map((detail: any) => detail.files[0]);
    assert.equal(imageFile.fileId, JSON.parse(picture.msgParam).photoURL);
    assert.deepEqual([imageFile.type, imageFile.fileName, pdfFile.type, pdfFile.fileName], ['image', 'chart.png', 'file', 'report.pdf']);
    const bytes = Buffer.from(await (await fetch(`${server.url}${imageFile.contentUrl}`)).arrayBuffer());
    assert.equal(bytes.toString('hex'), png);

    const calls = await callsSince(since);
    assert.deepEqual(
      calls.map((call) => `${call.via} ${call.host} ${call.method} ${call.path} ${call.status}`),
      [
        'tunnel api.dingtalk.com POST /v1.0/oauth2/accessToken 200',
        'tunnel api.dingtalk.com POST /v1.0/robot/groupMessages/send 200',
        'tunnel api.dingtalk.com POST /v1.0/robot/oToMessages/batchSend 200',
        // The caption, as a message of its own, before the picture.
        'tunnel api.dingtalk.com POST /v1.0/robot/groupMessages/send 200',
        'tunnel oapi.dingtalk.com POST /media/upload 200',
        'tunnel api.dingtalk.com POST /v1.0/robot/groupMessages/send 200',
        'tunnel oapi.dingtalk.com POST /media/upload 200',
        'tunnel api.dingtalk.com POST /v1.0/robot/oToMessages/batchSend 200',
      ],
    );
    for (const call of calls) assert.equal(call.unknownFields, undefined, `${call.path}: the plugin sends only fields DingTalk's API knows`);
  });

  it("the @soimy/dingtalk OpenClaw plugin, replying with its AI card to a group and to a user", async () => {
    const since = await lastSeq();
    const run = await runChild(process.execPath, ['--import', `${CLIENTS}openclaw-register.js`, `${CLIENTS}openclaw-card.js`], {
      ...bot,
      HTTPS_PROXY: server.url,
    });
    const result = childJson<{ group: string; user: string }>(run);
    const calls = await callsSince(since);
    const routes = calls.map((call) => `${call.method} ${call.path} ${call.status}`);
    assert.ok(!routes.some((route) => route.includes('/robot/')), `no plain-message fallback: ${routes.join(', ')}`);
    for (const call of calls) {
      assert.deepEqual([call.via, call.host, call.status], ['absolute', 'api.dingtalk.com', 200], `${call.method} ${call.path}`);
      assert.equal(call.unknownFields, undefined, `${call.path}: the plugin sends only fields DingTalk's API knows`);
    }
    assert.equal(routes.filter((route) => route === 'POST /v1.0/card/instances/createAndDeliver 200').length, 2);
    assert.ok(routes.includes('PUT /v1.0/card/streaming 200'), routes.join(', '));

    // Each card is carried by a robot message with a read status, and holds the answer, finished.
    const cards: Array<Awaited<ReturnType<typeof admin.cards.ofMessage>> | undefined> = [];
    for (const { corpId, ...space } of [
      { corpId: DEMO.corpId, spaceType: 'IM_GROUP', spaceId: DEMO.groupId },
      { corpId: DEMO.corpId, spaceType: 'IM_ROBOT', spaceId: 'user001' },
    ]) {
      const listed = await admin.messages({ corpId, limit: 10 });
      const carried = listed.items.filter((item) => item.msgKey === 'interactiveCard');
      const card = await Promise.all(carried.map((item) => admin.cards.ofMessage(item.processQueryKey)));
      cards.push(card.find((c) => c.deliveries.some((d) => d.spaceType === space.spaceType && d.spaceId === space.spaceId)));
    }
    const [groupCard, userCard] = cards;
    assert.ok(groupCard && userCard, 'both cards are there');
    // The plugin's stop button, pressed by a user: the plugin is not connected here, so nobody hears it.
    assert.deepEqual(await admin.cards.press(groupCard.outTrackId, { corpId: DEMO.corpId, userId: 'user002', actionId: 'btn_stop' }), { status: 'noConnection' });
    assert.equal(groupCard.cardTemplateId, '675cde2f-f526-40cb-b828-f5b2b57b8b77.schema');
    assert.match(groupCard.cardData['content'] ?? '', /\*\*Card\*\* for the group/);
    assert.match(userCard.cardData['content'] ?? '', /a card, one on one/);
    assert.equal(groupCard.streaming['content'], 'finished');
    assert.equal(groupCard.callbackType, 'STREAM');
    assert.deepEqual([groupCard.deliveries[0]?.robotCode, userCard.deliveries[0]?.robotCode], [DEMO.appKey, DEMO.appKey]);
    assert.ok(result.group && result.user);
  });

  it('the @soimy/dingtalk OpenClaw plugin, uploading an image and a file and sending them (docs/media.md)', async () => {
    const since = await lastSeq();
    const png = '89504e470d0a1a0a0000000d4948445200000001000000010806000000';
    const run = await runChild(process.execPath, ['--import', `${CLIENTS}openclaw-register.js`, `${CLIENTS}openclaw-media.js`], {
      ...bot,
      BOT_IMAGE_HEX: png,
      HTTPS_PROXY: server.url,
    });
    const result = childJson<{ group: string; user: string }>(run);
    const group = await admin.message(result.group);
    assert.deepEqual([group.kind, group.msgKey, group.openConversationId], ['group', 'sampleImageMsg', DEMO.groupId]);
    const photo = JSON.parse(group.msgParam).photoURL as string;
    const user = await admin.message(result.user);
    assert.deepEqual([user.kind, user.msgKey], ['oto', 'sampleFile']);
    assert.deepEqual(
      { ...JSON.parse(user.msgParam), mediaId: undefined },
      { mediaId: undefined, fileName: 'report.pdf', fileType: 'pdf' },
    );
    // The files are kept, and the messages refer to them.
    const details = await Promise.all([result.group, result.user].map((key) => fetch(`${server.url}/_dingread/v1/messages/${encodeURIComponent(key)}`).then((r) => r.json())));
    const [imageFile, pdfFile] = details.map((detail: any) => detail.files[0]);
    assert.equal(imageFile.fileId, photo);
    assert.deepEqual([imageFile.type, imageFile.fileName], ['image', 'chart.png']);
    assert.deepEqual([pdfFile.type, pdfFile.fileName], ['file', 'report.pdf']);
    const bytes = Buffer.from(await (await fetch(`${server.url}${imageFile.contentUrl}`)).arrayBuffer());
    assert.equal(bytes.toString('hex'), png);
    const calls = await callsSince(since);
    assert.deepEqual(
      calls.filter((call) => call.path === '/media/upload').map((call) => `${call.via} ${call.host} ${call.status}`),
      ['absolute oapi.dingtalk.com 200', 'absolute oapi.dingtalk.com 200'],
    );
    for (const call of calls) assert.equal(call.status, 200, `${call.method} ${call.path}`);
  });
});

/**
 * Media (docs/media.md) over real HTTP on every backend: the legacy upload and each of its
 * errors, sends that refer to uploads, files users send to robots, `messageFiles/download` with the
 * official SDK and the URL it answers, and what a failed upload leaves behind (nothing).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MEDIA_TYPES } from '../../src/core/media.js';
import { AdminClient } from '../../src/testing/admin-client.js';
import { fetch as undiciFetch, FormData as UndiciFormData, ProxyAgent } from 'undici';
import { ACME, GLOBEX } from '../helpers/fixtures.js';
import { caFile } from '../helpers/proxy.js';
import { rawRequest } from '../helpers/raw-http.js';
import { $Robot, $Util, officialSdk, sdkError } from '../helpers/sdk.js';
import { call, forEachStore, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';
import { connectStream, nthCallback } from '../helpers/stream-client.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

interface Part {
  name: string;
  value: string | Buffer;
  fileName?: string;
  contentType?: string;
}

/** A multipart body written by hand, so that tests control every byte (and can break it). */
function multipart(parts: Part[], boundary = 'dingreadBoundary42'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.fileName === undefined ? '' : `; filename="${part.fileName}"`}`;
    const type = part.fileName === undefined ? '' : `Content-Type: ${part.contentType ?? 'application/octet-stream'}\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function post(url: string, path: string, form: { body: Buffer; contentType: string }): Promise<{ status: number; body: any }> {
  const response = await rawRequest(url, { method: 'POST', path, headers: { 'content-type': form.contentType }, body: form.body });
  return { status: response.status, body: JSON.parse(response.text) };
}

forEachStore('media', (store) => {
  let server: TestServer;
  let token: string;
  let otherToken: string;
  before(async () => {
    server = await startTestServer({ store });
    token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    otherToken = await tokenFor(server.url, ACME.otherAppKey, ACME.otherAppSecret);
  });
  after(() => server.close());

  const upload = async (type: string | undefined, file: Part | undefined, accessToken = token, extra: Part[] = []) => {
    const query = new URLSearchParams({ access_token: accessToken, ...(type === undefined ? {} : { type }) });
    const answer = await post(server.url, `/media/upload?${query}`, multipart([...extra, ...(file ? [file] : [])]));
    assert.equal(answer.status, 200, 'the legacy host answers 200 whatever happened');
    return answer.body as Record<string, unknown>;
  };
  const image = (fileName = 'chart.png', value: Buffer = PNG): Part => ({ name: 'media', fileName, value, contentType: 'image/png' });

  /** How many files the store keeps (SQLite: its folder; the others: media rows it can find). */
  const keptFiles = (): string[] => {
    const folder = `${(server.ctx.store as unknown as { mediaFolder(): string | null }).mediaFolder()}`;
    return existsSync(folder) ? readdirSync(folder, { recursive: true }).map(String).filter((name) => name !== '.staging') : [];
  };

  it('keeps an upload of each type and answers its media_id in the legacy shape', async () => {
    const samples: Record<string, Part> = {
      image: image(),
      voice: { name: 'media', fileName: 'hello.mp3', value: Buffer.from('ID3 voice'), contentType: 'audio/mpeg' },
      video: { name: 'media', fileName: 'clip.mp4', value: Buffer.from('ftyp video'), contentType: 'video/mp4' },
      file: { name: 'media', fileName: 'report.pdf', value: Buffer.from('%PDF-1.4 file'), contentType: 'application/pdf' },
    };
    for (const [type, part] of Object.entries(samples)) {
      const before = server.clock.now();
      const answer = await upload(type, part);
      assert.deepEqual(Object.keys(answer).sort(), ['created_at', 'errcode', 'errmsg', 'media_id', 'type']);
      assert.equal(answer.errcode, 0);
      assert.equal(answer.errmsg, 'ok');
      assert.equal(answer.type, type);
      assert.match(String(answer.media_id), /^@lA[A-Za-z0-9_-]{20,}$/);
      assert.ok((answer.created_at as number) >= before);
      const media = await server.ctx.store.findMedia(answer.media_id as string);
      assert.ok(media, `${type} is in the store`);
      assert.deepEqual((await server.ctx.store.readMediaContent(media))?.toString('latin1'), Buffer.from(part.value).toString('latin1'));
    }
  });

  it('takes the type from a form field too, as DingTalk documents it', async () => {
    const answer = await upload(undefined, image(), token, [{ name: 'type', value: 'image' }]);
    assert.equal(answer.errcode, 0, JSON.stringify(answer));
    assert.equal(answer.type, 'image');
  });

  it("answers DingTalk's errors for a bad upload, and keeps nothing of it", async () => {
    const kept = keptFiles().length;
    const cases: Array<[string, Promise<Record<string, unknown>>, number, string]> = [
      ['no token', post(server.url, '/media/upload?type=image', multipart([image()])).then((a) => a.body), 88, 'ding talk error[subcode=40000,submsg=access_token is blank]'],
      ['an unknown token', upload('image', image(), 'not-a-token'), 88, 'ding talk error[subcode=40014,submsg=不合法的access_token]'],
      ['no type', upload(undefined, image()), 40004, '不合法的媒体文件类型'],
      ['an unknown type', upload('picture', image()), 40004, '不合法的媒体文件类型'],
      ['a format the type does not take', upload('image', image('notes.txt')), 40005, '不合法的文件类型'],
      ['a voice in a format voice does not take', upload('voice', image('song.flac')), 40005, '不合法的文件类型'],
      ['an empty file', upload('image', image('empty.png', Buffer.alloc(0))), 40006, '不合法的文件大小'],
      ['a voice over 2 MB', upload('voice', { name: 'media', fileName: 'long.mp3', value: Buffer.alloc(MEDIA_TYPES.voice.maxBytes + 1, 1) }), 40006, '不合法的文件大小'],
      ['no media part', upload('image', undefined, token, [{ name: 'file', value: PNG, fileName: 'chart.png' }]), 40035, '缺少参数 media'],
    ];
    for (const [what, answer, errcode, errmsg] of cases) {
      const body = await answer;
      assert.equal(body.errcode, errcode, `${what}: ${JSON.stringify(body)}`);
      assert.equal(body.errmsg, errmsg, what);
    }
    assert.deepEqual((await upload('voice', { name: 'media', fileName: 'long.mp3', value: Buffer.alloc(10) })).errcode, 0, 'the same type is taken when within its limit');
    assert.equal(keptFiles().length, kept + (store === 'sqlite' ? 1 : 0), 'only the good upload left a file');
  });

  it('refuses what is not multipart, and multipart it cannot read, with 43008', async () => {
    const path = `/media/upload?access_token=${token}&type=image`;
    const bodies: Array<[string, Record<string, string>, string | Buffer]> = [
      ['JSON', { 'content-type': 'application/json' }, '{"media":"x"}'],
      ['a form', { 'content-type': 'application/x-www-form-urlencoded' }, 'media=x'],
      ['no body', {}, ''],
      ['no boundary', { 'content-type': 'multipart/form-data' }, multipart([image()]).body],
      ['a file part cut short', { 'content-type': 'multipart/form-data; boundary=b' }, `--b\r\nContent-Disposition: form-data; name="media"; filename="a.png"\r\n\r\nunfinished`],
    ];
    for (const [what, headers, body] of bodies) {
      const response = await rawRequest(server.url, { method: 'POST', path, headers, body });
      assert.equal(response.status, 200, what);
      assert.deepEqual(JSON.parse(response.text), { errcode: 43008, errmsg: '参数需要multipart类型' }, what);
    }
    assert.equal(keptFiles().filter((name) => name.startsWith('.staging/')).length, 0, 'no staged file is left behind');
  });

  it('refuses an oversized file as it arrives, without reading the rest of the body', async () => {
    // A chunked body (no Content-Length to refuse up front) far over the image limit.
    const total = 200 * 1024 * 1024;
    // On a bare socket, so that the answer is seen while the body is still being written.
    const { answer, written } = await new Promise<{ answer: string; written: number }>((resolve, reject) => {
      const { hostname, port } = new URL(server.url);
      const socket = net.connect(Number(port), hostname);
      let sent = 0;
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('utf8');
        // The answer is one small chunk: once it is in, stop.
        if (!received.includes('}')) return;
        const body = received.slice(received.indexOf('\r\n\r\n') + 4);
        socket.destroy();
        if (!received.startsWith('HTTP/1.1 200')) reject(new Error(`unexpected answer: ${received.slice(0, 200)}`));
        else resolve({ answer: body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1), written: sent });
      });
      socket.on('error', reject);
      socket.write(
        `POST /media/upload?access_token=${token}&type=image HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
          'Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n',
      );
      const frame = (bytes: Buffer | string): Buffer => Buffer.concat([Buffer.from(`${Buffer.byteLength(bytes).toString(16)}\r\n`), Buffer.from(bytes), Buffer.from('\r\n')]);
      socket.write(frame('--b\r\nContent-Disposition: form-data; name="media"; filename="huge.png"\r\n\r\n'));
      const chunk = frame(Buffer.alloc(64 * 1024, 7));
      const pump = (): void => {
        while (received === '' && !socket.destroyed && sent < total) {
          sent += 64 * 1024;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    assert.deepEqual(JSON.parse(answer), { errcode: 40006, errmsg: '不合法的文件大小' });
    assert.ok(written < total / 2, `answered after ${written} of ${total} bytes`);
    // A body that says up front it is bigger than any file is refused before it is read.
    const declared = await rawRequest(server.url, {
      method: 'POST',
      path: `/media/upload?access_token=${token}&type=file`,
      headers: { 'content-type': 'multipart/form-data; boundary=b', 'content-length': String(100 * 1024 * 1024) },
      body: '--b\r\n',
    }).catch((error: Error) => error);
    if (!(declared instanceof Error)) assert.deepEqual(JSON.parse(declared.text), { errcode: 40006, errmsg: '不合法的文件大小' });
    assert.equal(keptFiles().filter((name) => name.startsWith('.staging/')).length, 0);
  });

  it('is served to a bot that sends whole URLs to oapi.dingtalk.com, as it is directly', async () => {
    const form = multipart([image('proxied.png')]);
    // The request line holds the whole URL, as a plain-HTTP proxy receives it.
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: `http://oapi.dingtalk.com/media/upload?access_token=${token}&type=image`,
      headers: { 'content-type': form.contentType },
      body: form.body,
    });
    const answer = JSON.parse(response.text);
    assert.equal(answer.errcode, 0, response.text);
    assert.equal((await server.ctx.store.findMedia(answer.media_id))?.fileName, 'proxied.png');
  });

  it('lets robot sends refer to uploads, and keeps the reference', async () => {
    const photo = (await upload('image', image())).media_id as string;
    const pdf = (await upload('file', { name: 'media', fileName: 'q3.pdf', value: Buffer.from('%PDF') })).media_id as string;
    const send = (accessToken: string, msgKey: string, msgParam: Record<string, string>) =>
      call(server.url, 'POST', '/v1.0/robot/oToMessages/batchSend', {
        token: accessToken,
        body: { robotCode: ACME.robot, userIds: ['u0001'], msgKey, msgParam: JSON.stringify(msgParam) },
      });
    const sent = await send(token, 'sampleImageMsg', { photoURL: photo });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const detail = await server.admin<any>('GET', `/messages/${encodeURIComponent(sent.body.processQueryKey)}`);
    assert.deepEqual(detail.files.map((file: any) => [file.fileId, file.type, file.fileName]), [[photo, 'image', 'chart.png']]);
    const content = await fetch(`${server.url}${detail.files[0].contentUrl}`);
    assert.equal(content.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await content.arrayBuffer()), PNG);

    // A file's id without its leading @, as DingTalk's own connector sends it.
    const file = await send(token, 'sampleFile', { mediaId: pdf.slice(1), fileName: 'q3.pdf', fileType: 'pdf' });
    assert.equal(file.status, 200, JSON.stringify(file.body));
    // A URL names no upload.
    assert.equal((await send(token, 'sampleImageMsg', { photoURL: 'https://example.com/a.png' })).status, 200);

    for (const [what, accessToken, msgParam] of [
      ['an unknown media id', token, { photoURL: '@lAnosuchmedia' }],
      ["another app's media id", otherToken, { photoURL: photo }],
    ] as const) {
      const refused = await call(server.url, 'POST', '/v1.0/robot/oToMessages/batchSend', {
        token: accessToken,
        body: { robotCode: accessToken === token ? ACME.robot : ACME.ownedRobot, userIds: ['u0001'], msgKey: 'sampleImageMsg', msgParam: JSON.stringify(msgParam) },
      });
      assert.equal(refused.status, 400, what);
      assert.equal(refused.body.code, 'invalidParameter.msgParam.invalid', what);
      assert.match(refused.body.message, /photoURL/, what);
    }
    const video = await send(token, 'sampleVideo', { duration: '1000', videoMediaId: '@lAnope', videoType: 'mp4', picMediaId: photo });
    assert.equal(video.body.code, 'invalidParameter.msgParam.invalid');
  });

  it('delivers a file a user sends to the robot, and serves it through messageFiles/download', async () => {
    const form = multipart([{ name: 'type', value: 'image' }, image('from-user.png')]);
    const uploaded = await post(server.url, `/_dingread/v1/orgs/${ACME.corpId}/files`, form);
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    assert.equal(uploaded.body.type, 'image');
    const client = await connectStream(server.url, ACME.appKey, ACME.appSecret);
    try {
      const said = await call(server.url, 'POST', `/_dingread/v1/robots/${ACME.robot}/chats/u0007/messages`, { body: { fileId: uploaded.body.fileId } });
      assert.equal(said.status, 201, JSON.stringify(said.body));
      assert.deepEqual(said.body.deliveries, [{ robotCode: ACME.robot, status: 'delivered' }]);
      const frame = await nthCallback(client, 1);
      // Acknowledged, as a bot does: left unacknowledged, it would come again to the app's next
      // connection once the clock has moved past its retry (as this test moves it below).
      client.ack(frame.headers['messageId'] as string);
      const data = JSON.parse(frame.data);
      assert.equal(data.msgtype, 'picture');
      assert.equal(data.text, undefined, 'a picture has no text');
      assert.deepEqual(data.content, { downloadCode: uploaded.body.downloadCode, pictureDownloadCode: uploaded.body.downloadCode });

      // The official SDK's call, unchanged.
      const sdk = officialSdk(server.url);
      const answer = await sdk.robot.robotMessageFileDownloadWithOptions(
        new $Robot.RobotMessageFileDownloadRequest({ downloadCode: data.content.downloadCode, robotCode: ACME.robot }),
        new $Robot.RobotMessageFileDownloadHeaders({ xAcsDingtalkAccessToken: token }),
        new $Util.RuntimeOptions({}),
      );
      const downloadUrl = answer.body?.downloadUrl as string;
      assert.ok(downloadUrl.startsWith(`${server.url}/`), downloadUrl);
      const fetched = await fetch(downloadUrl);
      assert.equal(fetched.status, 200);
      assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), PNG);

      // A tampered URL, and the real one once expired, serve nothing.
      const later = downloadUrl.replace(/expires=(\d+)/, (_, at: string) => `expires=${Number(at) + 3_600_000}`);
      assert.notEqual(later, downloadUrl);
      const tampered = await fetch(later);
      assert.equal(tampered.status, 403);
      assert.equal(((await tampered.json()) as { code: string }).code, 'downloadUrl.invalid');
      await server.admin('POST', '/clock', { advanceMs: 2 * 60 * 60 * 1000 });
      const expired = await fetch(downloadUrl);
      assert.equal(expired.status, 403);
      // The tokens expired with the clock too.
      token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
      otherToken = await tokenFor(server.url, ACME.otherAppKey, ACME.otherAppSecret);

      // Errors: the official SDK sees DingTalk's envelope.
      const download = (body: Record<string, string>, accessToken = token) =>
        call(server.url, 'POST', '/v1.0/robot/messageFiles/download', { token: accessToken, body });
      for (const [body, code] of [
        [{ robotCode: ACME.robot }, 'invalidParameter.downloadCode.empty'],
        [{ downloadCode: data.content.downloadCode }, 'invalidParameter.robotCode.empty'],
        [{ downloadCode: 'mIofNnosuchcode', robotCode: ACME.robot }, 'invalidParameter.downloadCode.invalid'],
        [{ downloadCode: data.content.downloadCode, robotCode: 'nosuchrobot' }, 'invalidParameter.robotCode.notExsit'],
      ] as const) {
        const refused = await download(body);
        assert.equal(refused.status, 400, JSON.stringify(body));
        assert.equal(refused.body.code, code, JSON.stringify(refused.body));
      }
      const globex = await tokenFor(server.url, GLOBEX.appKey, GLOBEX.appSecret);
      assert.equal((await download({ downloadCode: data.content.downloadCode, robotCode: GLOBEX.robot }, globex)).body.code, 'invalidParameter.downloadCode.invalid', "another org's code is unknown");
      const unauthenticated: { code: string } = await sdkError(() =>
        sdk.robot.robotMessageFileDownloadWithOptions(
          new $Robot.RobotMessageFileDownloadRequest({ downloadCode: data.content.downloadCode, robotCode: ACME.robot }),
          new $Robot.RobotMessageFileDownloadHeaders({ xAcsDingtalkAccessToken: 'expired' }),
          new $Util.RuntimeOptions({}),
        ),
      );
      assert.equal(unauthenticated.code, 'InvalidAuthentication');

      // The timeline shows the file.
      const timeline = await server.admin<any>('GET', `/robots/${ACME.robot}/chats/u0007/messages`);
      const item = timeline.items.at(-1);
      assert.deepEqual([item.from, item.text, item.files.map((f: any) => f.fileId)], [{ userId: 'u0007' }, 'from-user.png', [uploaded.body.fileId]]);
    } finally {
      await client.close();
    }
  });

  it('sends a file one-on-one with its name, and refuses non-pictures in groups', async () => {
    const uploaded = await post(server.url, `/_dingread/v1/orgs/${ACME.corpId}/files?type=file`, multipart([{ name: 'media', fileName: 'plan.docx', value: Buffer.from('PK docx') }]));
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    const client = await connectStream(server.url, ACME.appKey, ACME.appSecret);
    try {
      await call(server.url, 'POST', `/_dingread/v1/robots/${ACME.robot}/chats/u0008/messages`, { body: { fileId: uploaded.body.fileId } });
      const data = JSON.parse((await nthCallback(client, 1)).data);
      assert.equal(data.msgtype, 'file');
      assert.deepEqual(data.content, { downloadCode: uploaded.body.downloadCode, fileName: 'plan.docx', spaceId: '', fileId: uploaded.body.fileId });
    } finally {
      await client.close();
    }
    const inGroup = await call(server.url, 'POST', `/_dingread/v1/conversations/${encodeURIComponent(ACME.smallGroup)}/messages`, {
      body: { userId: 'u0001', fileId: uploaded.body.fileId, atRobots: [ACME.robot] },
    });
    assert.equal(inGroup.status, 400);
    assert.equal(inGroup.body.code, 'invalidParameter.param.invalid');
    const both = await call(server.url, 'POST', `/_dingread/v1/robots/${ACME.robot}/chats/u0008/messages`, { body: { fileId: uploaded.body.fileId, text: 'and text' } });
    assert.equal(both.body.code, 'invalidParameter.param.invalid');
    const unknown = await call(server.url, 'POST', `/_dingread/v1/robots/${ACME.robot}/chats/u0008/messages`, { body: { fileId: '@lAnosuch' } });
    assert.equal(unknown.body.code, 'object.notFound');
    // A file an app uploaded is not a user's to send.
    const appUpload = (await upload('image', image())).media_id as string;
    assert.equal((await call(server.url, 'POST', `/_dingread/v1/robots/${ACME.robot}/chats/u0008/messages`, { body: { fileId: appUpload } })).body.code, 'object.notFound');
    // The control plane's upload answers in its own envelope.
    const bad = await post(server.url, `/_dingread/v1/orgs/${ACME.corpId}/files?type=voice`, multipart([image('x.png')]));
    assert.deepEqual([bad.status, bad.body.code], [400, 'invalidParameter.param.invalid']);
    const noOrg = await post(server.url, '/_dingread/v1/orgs/dingnosuch/files?type=image', multipart([image()]));
    assert.deepEqual([noOrg.status, noOrg.body.code], [404, 'object.notFound']);
  });
});

describe('media through proxy mode, tunnelled (CONNECT oapi.dingtalk.com:443 and api.dingtalk.com:443)', () => {
  let server: TestServer;
  let agent: ProxyAgent;
  before(async () => {
    server = await startTestServer();
    agent = new ProxyAgent({ uri: server.url, requestTls: { ca: (await caFile(server.url)).pem } });
  });
  after(async () => {
    await agent.close();
    await server.close();
  });

  it('uploads on the legacy host and downloads a user\'s file with the URL the API answers, all over TLS', async () => {
    const token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    const form = new UndiciFormData();
    form.append('media', new Blob([PNG], { type: 'image/png' }), 'tunnelled.png');
    const uploaded = await undiciFetch(`https://oapi.dingtalk.com/media/upload?access_token=${token}&type=image`, { dispatcher: agent, method: 'POST', body: form });
    const answer = (await uploaded.json()) as { errcode: number; media_id: string };
    assert.equal(answer.errcode, 0, JSON.stringify(answer));
    assert.equal((await server.ctx.store.findMedia(answer.media_id))?.fileName, 'tunnelled.png');

    const file = await new AdminClient(server.url).uploadFile({ corpId: ACME.corpId, type: 'image', fileName: 'mine.png', bytes: PNG });
    const download = await undiciFetch('https://api.dingtalk.com/v1.0/robot/messageFiles/download', {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
      body: JSON.stringify({ downloadCode: file.downloadCode, robotCode: ACME.robot }),
    });
    const { downloadUrl } = (await download.json()) as { downloadUrl: string };
    assert.ok(downloadUrl.startsWith('https://api.dingtalk.com/media/download/'), downloadUrl);
    const bytes = await undiciFetch(downloadUrl, { dispatcher: agent });
    assert.equal(bytes.status, 200);
    assert.deepEqual(Buffer.from(await bytes.arrayBuffer()), PNG);
    const logged = await server.admin<{ items: Array<Record<string, unknown>> }>('GET', '/requests');
    const upload = logged.items.find((entry) => entry['path'] === '/media/upload');
    assert.deepEqual([upload?.['host'], upload?.['via'], upload?.['status']], ['oapi.dingtalk.com', 'tunnel', 200]);
  });
});

describe('media through dingread/testing', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('uploads a file for a user and says it, as a test of a bot would', async () => {
    const admin = new AdminClient(server.url);
    const file = await admin.uploadFile({ corpId: ACME.corpId, type: 'file', fileName: 'notes.pdf', bytes: Buffer.from('%PDF notes'), contentType: 'application/pdf' });
    assert.deepEqual([file.type, file.fileName, file.size], ['file', 'notes.pdf', 10]);
    const client = await connectStream(server.url, ACME.appKey, ACME.appSecret);
    try {
      const said = await admin.say({ userId: 'u0003', robotCode: ACME.robot, fileId: file.fileId });
      assert.deepEqual(said.deliveries, [{ robotCode: ACME.robot, status: 'delivered' }]);
      const data = JSON.parse((await nthCallback(client, 1)).data);
      assert.deepEqual([data.msgtype, data.content.downloadCode, data.content.fileName], ['file', file.downloadCode, 'notes.pdf']);
    } finally {
      await client.close();
    }
    const [item] = (await admin.chat({ robotCode: ACME.robot, userId: 'u0003' })).slice(-1);
    assert.deepEqual(item?.files?.map((f) => f.fileId), [file.fileId]);
    await assert.rejects(admin.uploadFile({ corpId: ACME.corpId, type: 'image', fileName: 'notes.pdf', bytes: Buffer.from('x') }), /invalidParameter\.param\.invalid/);
  });
});

describe('media retention', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ store: 'sqlite', retention: { retentionMs: 24 * 60 * 60 * 1000, intervalMs: 60 * 60 * 1000, batchSize: 2 } });
  });
  after(() => server.close());

  it('deletes files past the retention that no kept message refers to, bytes included', async () => {
    const token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    const up = async (name: string) => {
      const answer = await post(server.url, `/media/upload?access_token=${token}&type=image`, multipart([{ name: 'media', fileName: name, value: PNG }]));
      return answer.body.media_id as string;
    };
    const lone = await up('lone.png');
    const used = await up('used.png');
    await server.admin('POST', '/clock', { advanceMs: 20 * 60 * 60 * 1000 });
    const sent = await call(server.url, 'POST', '/v1.0/robot/oToMessages/batchSend', {
      token: await tokenFor(server.url, ACME.appKey, ACME.appSecret),
      body: { robotCode: ACME.robot, userIds: ['u0001'], msgKey: 'sampleImageMsg', msgParam: JSON.stringify({ photoURL: used }) },
    });
    assert.equal(sent.status, 200);
    await server.admin('POST', '/clock', { advanceMs: 6 * 60 * 60 * 1000 });
    await server.retention?.runNow();
    const store = server.ctx.store;
    assert.equal(await store.findMedia(lone), undefined, 'a file no message refers to goes after the retention');
    const kept = await store.findMedia(used);
    assert.ok(kept && (await store.readMediaContent(kept)), 'a file a kept message refers to stays');
    await server.admin('POST', '/clock', { advanceMs: 24 * 60 * 60 * 1000 });
    await server.retention?.runNow();
    assert.equal(await store.findMedia(used), undefined, 'and goes with the message');
    const folder = (store as unknown as { mediaFolder(): string }).mediaFolder();
    assert.deepEqual(readdirSync(folder).filter((name) => name !== '.staging'), [], 'their bytes too');
  });
});

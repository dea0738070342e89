/** The event stream (`GET /_dingread/v1/events`), its access rules, and the demo simulator that feeds it. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEMO } from '../../src/demo/demo-directory.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { AdminClient } from '../../src/testing/admin-client.js';
import { readEventStream } from '../../src/testing/event-stream.js';
import { randomFrom } from '../../bench/reliability/workload.js';
import { ManualScheduler } from '../helpers/manual-time.js';
import { until } from '../helpers/wait.js';

interface Stream {
  events: Array<{ name: string; data: any }>;
  close(): void;
}

async function subscribe(url: string, headers: Record<string, string> = {}, query = ''): Promise<Stream> {
  const abort = new AbortController();
  const response = await fetch(`${url}/_dingread/v1/events${query}`, { headers, signal: abort.signal });
  assert.equal(response.status, 200, await (response.ok ? Promise.resolve('') : response.text()));
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: Stream['events'] = [];
  (async () => {
    for await (const frame of readEventStream(response.body as AsyncIterable<Uint8Array>)) {
      if (frame.event && frame.data) events.push({ name: frame.event, data: JSON.parse(frame.data) });
    }
  })().catch(() => {});
  const stream = { events, close: () => abort.abort() };
  await until('ready', () => events.some((e) => e.name === 'ready'));
  return stream;
}

describe('event stream', () => {
  const servers: RunningServer[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));

  it('streams sends, reads, chat opens and recalls, and keeps quiet when nobody listens', async () => {
    const server = await startServer({ port: 0, store: 'memory', demo: true });
    servers.push(server);
    assert.equal(server.ctx.events.active, false);
    const stream = await subscribe(server.url);
    assert.equal(server.ctx.events.listenerCount, 1);
    const admin = new AdminClient(server.url);
    const { accessToken } = (await (
      await fetch(`${server.url}/v1.0/oauth2/accessToken`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appKey: DEMO.appKey, appSecret: DEMO.appSecret }),
      })
    ).json()) as { accessToken: string };
    const robot = (path: string, body: unknown) =>
      fetch(`${server.url}/v1.0/robot/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': accessToken },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<any>);
    const { processQueryKey } = await robot('groupMessages/send', {
      robotCode: DEMO.robotCode,
      openConversationId: DEMO.groupId,
      msgKey: 'sampleText',
      msgParam: '{"content":"hi"}',
    });
    await admin.reads([{ processQueryKey, userId: 'user001' }, { processQueryKey, userId: 'ghost' }]);
    await admin.openConversation(DEMO.groupId, 'user002');
    await robot('groupMessages/recall', { robotCode: DEMO.robotCode, openConversationId: DEMO.groupId, processQueryKeys: [processQueryKey] });
    await until('the recall', () => stream.events.some((e) => e.name === 'recalled'));
    const [sent, read, opened, recalled] = ['sent', 'read', 'opened', 'recalled'].map((name) => stream.events.find((e) => e.name === name)?.data);
    assert.deepEqual({ ...sent, sentAt: 0 }, {
      type: 'sent', processQueryKey, kind: 'group', corpId: DEMO.corpId, robotCode: DEMO.robotCode,
      openConversationId: DEMO.groupId, recipientCount: 50, sentAt: 0,
    });
    assert.deepEqual(read.userIds, ['user001'], 'ignored reads are left out');
    assert.equal(opened.userId, 'user002');
    assert.equal(opened.marked, 1, 'user002 had read the seeded group message already');
    assert.equal(recalled.processQueryKey, processQueryKey);
    stream.close();
    await until('the unsubscribe', () => !server.ctx.events.active);
  });

  it('filters by processQueryKey', async () => {
    const server = await startServer({ port: 0, store: 'memory', demo: true });
    servers.push(server);
    const { otoKey, groupKey } = server.demo as { otoKey: string; groupKey: string };
    const stream = await subscribe(server.url, {}, `?processQueryKey=${encodeURIComponent(otoKey)}`);
    const admin = new AdminClient(server.url);
    await admin.reads([{ processQueryKey: groupKey, userId: 'user040' }]);
    await admin.reads([{ processQueryKey: otoKey, userId: 'user003' }]);
    await until('the read', () => stream.events.some((e) => e.name === 'read'));
    assert.deepEqual(stream.events.filter((e) => e.name === 'read').map((e) => e.data.processQueryKey), [otoKey]);
    stream.close();
  });

  it('takes the admin token as a bearer token or in the dingread_admin cookie, and nothing else', async () => {
    const server = await startServer({ port: 0, store: 'memory', adminToken: 'ev-s3cret' });
    servers.push(server);
    const status = async (headers: Record<string, string>) => {
      const abort = new AbortController();
      const response = await fetch(`${server.url}/_dingread/v1/events`, { headers, signal: abort.signal });
      abort.abort();
      return response.status;
    };
    assert.equal(await status({}), 401);
    assert.equal(await status({ cookie: 'dingread_admin=wrong' }), 401);
    assert.equal(await status({ authorization: 'Bearer wrong' }), 401);
    assert.equal(await status({ cookie: 'other=1; dingread_admin=ev-s3cret' }), 200);
    assert.equal(await status({ authorization: 'Bearer ev-s3cret' }), 200);
    // The cookie opens the event stream only.
    const messages = await fetch(`${server.url}/_dingread/v1/messages`, { headers: { cookie: 'dingread_admin=ev-s3cret' } });
    assert.equal(messages.status, 401);
  });

  it('runs the demo simulator on its own timers: the robot posts and users read', async () => {
    const scheduler = new ManualScheduler();
    const server = await startServer({ port: 0, store: 'memory', demo: true, simulate: { scheduler, random: randomFrom(7) } });
    servers.push(server);
    const admin = new AdminClient(server.url);
    const simulated = async (): Promise<Awaited<ReturnType<AdminClient['messages']>>['items']> =>
      (await admin.messages()).items.filter((m) => m.processQueryKey !== server.demo?.groupKey && m.processQueryKey !== server.demo?.otoKey);
    assert.deepEqual(await simulated(), [], 'nothing is posted before the first step is due');
    // The first post is due 20 s after start; its reads within the next few minutes.
    scheduler.advance(20_000);
    await until('the first simulated post', async () => (await simulated()).length === 1);
    // Reads are scheduled once a post is stored: step a minute at a time until one has come.
    await until('a simulated read', async () => {
      scheduler.advance(60_000);
      return (await simulated()).some((m) => m.readCount > 0);
    });
    // Posts come every 30 to 75 s.
    scheduler.advance(75_000);
    await until('the robot to keep posting', async () => (await simulated()).length >= 2);
    // The seeded demo messages keep the reads the banner promises.
    assert.equal((await admin.message(server.demo?.otoKey as string)).readCount, 2);
  });
});

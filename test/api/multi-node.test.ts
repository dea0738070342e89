/**
 * Several stateless nodes on one PostgreSQL database: two servers, each with its own pool, share
 * one schema. Sends, reads, chat opens and paginated queries are spread over both, and every
 * answer must be the same whichever node gives it: a token from one node works on the other, and
 * a nextToken issued by one is accepted by the other (both derive their keys from the server
 * secret kept in the database).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACME, ACME_USERS } from '../helpers/fixtures.js';
import { dropSchema, newSchema, postgresSkipReason, schemaUrl } from '../helpers/postgres.js';
import { call, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';
import { read } from './sdk-conformance.js';
import { readEventStream } from '../../src/testing/event-stream.js';
import { until } from '../helpers/wait.js';

const BIG = { robotCode: ACME.robot, openConversationId: ACME.bigGroup } as const;

describe('two nodes on one PostgreSQL database', { skip: postgresSkipReason }, () => {
  let schema: string;
  let nodes: TestServer[];
  before(async () => {
    schema = newSchema();
    const url = schemaUrl(schema);
    // Started together on an empty schema: the migration lock lets one migrate, the other wait.
    nodes = await Promise.all([startTestServer({ storeSpec: url, seed: false }), startTestServer({ storeSpec: url, seed: false })]);
    await (nodes[0] as TestServer).admin('POST', '/fixtures', (await import('../helpers/fixtures.js')).testDirectory());
  });
  after(async () => {
    for (const node of nodes ?? []) await node.close();
    if (schema) await dropSchema(schema);
  });

  const node = (i: number): TestServer => nodes[i % 2] as TestServer;

  async function query(i: number, token: string, processQueryKey: string, maxResults: number, nextToken?: string) {
    const { status, body } = await call(node(i).url, 'POST', '/v1.0/robot/groupMessages/query', {
      token,
      body: { ...BIG, processQueryKey, maxResults, ...(nextToken === undefined ? {} : { nextToken }) },
    });
    assert.equal(status, 200, JSON.stringify(body));
    return body as { readUserIds: string[]; hasMore: boolean; nextToken?: string };
  }

  /** Walks every page, the page at step i asked of node (start + i). */
  async function walk(start: number, token: string, key: string, maxResults: number): Promise<string[]> {
    const seen: string[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 100; page++) {
      const answer = await query(start + page, token, key, maxResults, nextToken);
      seen.push(...answer.readUserIds);
      if (!answer.hasMore) return seen;
      nextToken = answer.nextToken;
    }
    throw new Error('the walk did not end');
  }

  it('share tokens, messages, reads and cursors', async () => {
    const tokenA = await tokenFor(node(0).url, ACME.appKey, ACME.appSecret);
    const tokenB = await tokenFor(node(1).url, ACME.appKey, ACME.appSecret);
    assert.equal(tokenA, tokenB, 'a token asked of either node is the same token');

    // Sends alternate between the nodes, with the other node's token.
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { status, body } = await call(node(i).url, 'POST', '/v1.0/robot/groupMessages/send', {
        token: i % 2 === 0 ? tokenB : tokenA,
        body: { ...BIG, msgKey: 'sampleText', msgParam: JSON.stringify({ content: `m${i}` }) },
      });
      assert.equal(status, 200, JSON.stringify(body));
      keys.push(body.processQueryKey as string);
    }
    const [k0, k1, k2, k3] = keys as [string, string, string, string];

    // Reads of k1 arrive on both nodes at once; some users open the chat (covering k0..k3) on either.
    const readers = ACME_USERS.filter((_, i) => i % 3 !== 0);
    const halves = [readers.filter((_, i) => i % 2 === 0), readers.filter((_, i) => i % 2 === 1)];
    const outcomes = await Promise.all(halves.map((half, i) => read(node(i), k1, half)));
    assert.deepEqual(
      outcomes.map((o) => o.accepted),
      halves.map((h) => h.length),
    );
    const openers = ACME_USERS.filter((_, i) => i % 7 === 0);
    await Promise.all(
      openers.map((userId, i) =>
        node(i).admin('POST', `/conversations/${encodeURIComponent(ACME.bigGroup)}/read`, { userId }),
      ),
    );

    const byCodePoint = (ids: string[]) => [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const expected1 = byCodePoint([...new Set([...readers, ...openers])]);
    const expected0 = byCodePoint(openers);
    // The same walk, pages alternating between nodes, starting on either; and each node alone.
    for (const [key, expected] of [
      [k1, expected1],
      [k0, expected0],
      [k3, expected0],
    ] as const) {
      assert.deepEqual(await walk(0, tokenA, key, 37), expected);
      assert.deepEqual(await walk(1, tokenB, key, 37), expected);
      const onA = await query(0, tokenA, key, 200);
      const onB = await query(1, tokenA, key, 200);
      // Equal but for the nextToken itself, which is sealed with a fresh nonce each time.
      assert.deepEqual({ ...onA, nextToken: undefined }, { ...onB, nextToken: undefined });
      assert.equal(onA.nextToken === undefined, onB.nextToken === undefined);
    }

    // A nextToken issued by node A, then reads arriving through node B mid-walk: the walk resumes
    // on B, never repeats a user and still returns everyone who had read before it began.
    const first = await query(0, tokenA, k2, 50);
    assert.deepEqual(first.readUserIds, expected0.slice(0, 50));
    const late = ACME_USERS.filter((_, i) => i % 5 === 1);
    await read(node(1), k2, late);
    let nextToken = first.nextToken;
    const resumed = [...first.readUserIds];
    for (let page = 1; nextToken !== undefined; page++) {
      const answer = await query(page, tokenB, k2, 50, nextToken);
      resumed.push(...answer.readUserIds);
      nextToken = answer.hasMore ? answer.nextToken : undefined;
    }
    assert.equal(new Set(resumed).size, resumed.length, 'no user twice');
    for (const userId of expected0) assert.ok(resumed.includes(userId), `${userId} read before the walk and was skipped`);
    assert.deepEqual(resumed, byCodePoint(resumed));

    // The inspection endpoints agree too.
    const inspectA = await node(0).admin('GET', `/messages/${encodeURIComponent(k1)}`);
    const inspectB = await node(1).admin('GET', `/messages/${encodeURIComponent(k1)}`);
    assert.deepEqual(inspectA, inspectB);
  });

  it('count a webhook robot’s 20 messages a minute together, whichever node each comes to', async () => {
    await node(0).admin('POST', '/fixtures', {
      orgs: [{ corpId: ACME.corpId, conversations: [{ openConversationId: ACME.smallGroup, type: 'group', webhookRobots: [{ name: 'Pager', accessToken: 'tok-pager' }] }] }],
    });
    // 30 at once, spread over both nodes: the store decides, one post at a time.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(node(i).url, 'POST', '/robot/send?access_token=tok-pager', { body: { msgtype: 'text', text: { content: `page ${i}` } } }),
      ),
    );
    const codes = answers.map((answer) => answer.body.errcode as number);
    assert.equal(codes.filter((code) => code === 0).length, 20, JSON.stringify(codes));
    assert.equal(codes.filter((code) => code === 130101).length, 10, JSON.stringify(codes));
    const timeline = await node(1).admin<{ items: Array<{ via: string }> }>('GET', `/conversations/${encodeURIComponent(ACME.smallGroup)}/messages`);
    assert.equal(timeline.items.filter((item) => item.via === 'webhook').length, 20);
  });

  it("show every node's writes in each node's event stream", async () => {
    const abort = new AbortController();
    const response = await fetch(`${node(1).url}/_dingread/v1/events`, { signal: abort.signal });
    assert.equal(response.status, 200);
    const seen: Array<{ name: string; data: any }> = [];
    const reading = (async () => {
      for await (const frame of readEventStream(response.body as AsyncIterable<Uint8Array>)) {
        if (frame.event && frame.data) seen.push({ name: frame.event, data: JSON.parse(frame.data) });
      }
    })().catch(() => undefined);
    try {
      await until('the stream is ready', () => seen.some((e) => e.name === 'ready'));
      // Every write goes through node 0; node 1's stream must show each of them.
      const token = await tokenFor(node(0).url, ACME.appKey, ACME.appSecret);
      const sent = await call(node(0).url, 'POST', '/v1.0/robot/groupMessages/send', {
        token,
        body: { ...BIG, msgKey: 'sampleText', msgParam: JSON.stringify({ content: 'seen elsewhere' }) },
      });
      const key = sent.body.processQueryKey as string;
      await read(node(0), key, ['u0002']);
      await node(0).admin('POST', `/conversations/${encodeURIComponent(ACME.bigGroup)}/read`, { userId: 'u0003' });
      const recalled = await call(node(0).url, 'POST', '/v1.0/robot/groupMessages/recall', {
        token,
        body: { ...BIG, processQueryKeys: [key] },
      });
      assert.equal(recalled.status, 200, JSON.stringify(recalled.body));
      const of = (type: string) => seen.find((e) => e.name === type && (e.data.processQueryKey === key || e.data.userId === 'u0003'));
      await until('the send, the read, the open and the recall on node 1', () => ['sent', 'read', 'opened', 'recalled'].every((type) => of(type)));
      assert.deepEqual(of('read')?.data.userIds, ['u0002']);
      assert.equal(of('opened')?.data.openConversationId, ACME.bigGroup);
      assert.equal(seen.filter((e) => e.name === 'sent' && e.data.processQueryKey === key).length, 1, 'each event once');
    } finally {
      abort.abort();
      await reading;
    }
  });
});

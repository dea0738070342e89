/**
 * Stream mode on several nodes of one PostgreSQL schema: a user's message posted on one node
 * reaches the app's connection on another (over LISTEN/NOTIFY, no other service), every node
 * lists every connection and can end it, a card's button pressed on one node calls back the card's
 * app on the other (whose answer changes the card for both), and a delivery the client never acknowledged outlives
 * the crash (SIGKILL) of the node that pushed it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDingread, type ServerProcess } from '../../bench/processes.js';
import { CardApi, CARDS, seedCards } from '../helpers/cards.js';
import { ACME, testDirectory } from '../helpers/fixtures.js';
import { dropSchema, newSchema, postgresSkipReason, schemaUrl } from '../helpers/postgres.js';
import { startTestServer, tokenFor, type TestServer } from '../helpers/server.js';
import { connectStream, nthCallback, type RawStreamClient } from '../helpers/stream-client.js';
import { until } from '../helpers/wait.js';

describe('Stream mode on two nodes of one PostgreSQL schema', { skip: postgresSkipReason }, () => {
  let schema: string;
  let url: string;
  let a: TestServer;
  let b: TestServer;
  const clients: RawStreamClient[] = [];
  const processes: ServerProcess[] = [];

  before(async () => {
    schema = newSchema();
    url = schemaUrl(schema);
    [a, b] = await Promise.all([startTestServer({ storeSpec: url, seed: false }), startTestServer({ storeSpec: url, seed: false })]);
    await a.admin('POST', '/fixtures', testDirectory());
  });
  after(async () => {
    for (const client of clients) await client.close();
    for (const node of processes) await node.stop();
    await a?.close();
    await b?.close();
    if (schema) await dropSchema(schema);
  });

  async function connectTo(node: { url: string }): Promise<RawStreamClient> {
    const client = await connectStream(node.url, ACME.appKey, ACME.appSecret);
    clients.push(client);
    return client;
  }

  async function listed(node: TestServer): Promise<any[]> {
    return (await node.admin<{ items: any[] }>('GET', '/stream/connections')).items;
  }

  it('delivers a message posted on one node to the app’s connection on the other, and takes the reply there', async () => {
    const client = await connectTo(a);
    const said = await b.admin<any>('POST', `/robots/${ACME.robot}/chats/u0001/messages`, { text: 'across nodes' });
    assert.deepEqual(said.deliveries, [{ robotCode: ACME.robot, status: 'delivered' }], 'B heard from A that it pushed it');
    const frame = await nthCallback(client, 1);
    const data = JSON.parse(frame.data);
    assert.equal(data.msgId, said.msgId);
    assert.ok(data.sessionWebhook.startsWith(`${a.url}/robot/sendBySession?session=`), 'the webhook on the node the client reached');

    // Both nodes list the connection, held by A, with the delivery unacknowledged.
    const [onB] = await listed(b);
    assert.equal(onB.unacknowledged[0].messageId, frame.headers['messageId']);
    assert.deepEqual(await listed(a), await listed(b));
    client.ack(frame.headers['messageId'] as string);
    await until('B to see the acknowledgement', async () => (await listed(b))[0].unacknowledged.length === 0);

    const reply = await fetch(data.sessionWebhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msgtype: 'text', text: { content: 'answered on A' } }),
    });
    assert.deepEqual(await reply.json(), { errcode: 0, errmsg: 'ok' });
    const { items } = await b.admin<{ items: any[] }>('GET', `/robots/${ACME.robot}/chats/u0001/messages`);
    assert.deepEqual(
      items.map((item) => [item.via, item.text]),
      [
        ['user', 'across nodes'],
        ['sessionWebhook', 'answered on A'],
      ],
    );
  });

  it("calls back a card's app on the other node when a user presses its button, and both see the bot's answer", async () => {
    await seedCards(a);
    const cards = new CardApi(b.url, await tokenFor(b.url, CARDS.appKey, CARDS.appSecret));
    await cards.create({ outTrackId: 'multi-node-card', cardTemplateId: CARDS.template, cardData: { cardParamMap: { title: 'T' } }, callbackType: 'STREAM' });
    const client = await connectStream(a.url, CARDS.appKey, CARDS.appSecret, { subscriptions: [{ type: 'CALLBACK', topic: '/v1.0/card/instances/callback' }] });
    clients.push(client);
    const pressed = await b.admin<any>('POST', '/cards/multi-node-card/actions', { corpId: ACME.corpId, userId: 'u0001', actionId: 'approve' });
    assert.deepEqual(pressed, { status: 'delivered' }, 'B heard from A that it pushed it');
    const frame = await nthCallback(client, 1);
    assert.equal(JSON.parse(frame.data).outTrackId, 'multi-node-card');
    client.ws.send(JSON.stringify({ code: 200, headers: { messageId: frame.headers['messageId'] }, message: 'OK', data: JSON.stringify({ response: { cardData: { cardParamMap: { status: 'approved' } }, cardUpdateOptions: { updateCardDataByKey: true } } }) }));
    const view = (node: TestServer) => node.admin<any>('GET', `/cards/multi-node-card?corpId=${ACME.corpId}`);
    await until("the bot's answer to change the card", async () => (await view(b)).cardData.status === 'approved');
    assert.deepEqual((await view(a)).cardData, { title: 'T', status: 'approved' });
  });

  it('ends a connection held by one node when another is asked to', async () => {
    const client = await connectTo(a);
    const held = await listed(b);
    assert.ok(held.length > 0 && held.every((connection) => connection.node !== b.ctx.store.bus.nodeId), 'all held by A');
    for (const { connectionId } of held) await b.admin('DELETE', `/stream/connections/${connectionId}`);
    const closed = await client.closed;
    assert.equal(closed.code, 1000);
    await until('the registry to empty', async () => (await listed(b)).length === 0);
    const said = await b.admin<any>('POST', `/robots/${ACME.robot}/chats/u0002/messages`, { text: 'anyone?' });
    assert.deepEqual(said.deliveries, [{ robotCode: ACME.robot, status: 'noConnection' }]);
  });

  it('pushes again what a crashed node left unacknowledged, once the client is back on another node', async () => {
    const doomed = await startDingread(url);
    processes.push(doomed);
    const client = await connectTo(doomed);
    const said = await b.admin<any>('POST', `/robots/${ACME.robot}/chats/u0003/messages`, { text: 'before the crash' });
    assert.equal(said.deliveries[0].status, 'delivered');
    const first = await nthCallback(client, 1);
    // Not acknowledged. The node that pushed it dies without a word.
    process.kill(doomed.pid, 'SIGKILL');
    await doomed.exited;
    await client.closed;

    // The client comes back, to B; B learns the old node is gone and pushes the delivery again
    // (no clock moved: the connection it went to no longer exists anywhere).
    const back = await connectTo(b);
    const again = await nthCallback(back, 1, 'the delivery again');
    assert.equal(again.headers['messageId'], first.headers['messageId']);
    assert.equal(JSON.parse(again.data).msgId, said.msgId);
    const [connection] = await listed(a);
    assert.equal(connection.connectionId, again.headers['connectionId']);
    assert.equal(connection.unacknowledged[0].attempts, 2);
    back.ack(again.headers['messageId'] as string);
    await until('the acknowledgement', async () => (await listed(a))[0].unacknowledged.length === 0);
  });
});

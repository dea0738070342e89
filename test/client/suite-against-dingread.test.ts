/**
 * The client with a third-party suite's credentials against a real dingread server: it fetches
 * corp tokens from /v1.0/oauth2/corpAccessToken, caches them like app tokens, asks a ticket
 * provider again for each new token, and surfaces the token endpoint's errors typed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DingTalkClient, isDingTalkApiError, isDingTalkError } from '../../src/client/index.js';
import { ACME } from '../helpers/fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SUITE = { suiteKey: 'suiteclient', suiteSecret: 'client-secret', robot: 'dingsuiteclientbot' } as const;

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isDingTalkError(error)) return error.code;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('DingTalkClient with suite credentials against dingread', () => {
  let server: TestServer;
  let ticket = 'ticket-a';
  let ticketAsked = 0;
  const client = (overrides: Partial<ConstructorParameters<typeof DingTalkClient>[0]> = {}) =>
    new DingTalkClient({
      suiteKey: SUITE.suiteKey,
      suiteSecret: SUITE.suiteSecret,
      suiteTicket: () => {
        ticketAsked++;
        return ticket;
      },
      authCorpId: ACME.corpId,
      endpoint: server.url,
      retries: 0,
      ...overrides,
    });
  const tokenCalls = async (): Promise<number> => {
    const log = await server.admin<{ items: unknown[] }>('GET', '/requests?path=/v1.0/oauth2/corpAccessToken');
    return log.items.length;
  };

  before(async () => {
    server = await startTestServer();
    await server.admin('POST', '/fixtures', {
      suites: [{ suiteKey: SUITE.suiteKey, suiteSecret: SUITE.suiteSecret, suiteTicket: ticket }],
      orgs: [{ corpId: ACME.corpId, authorizations: [{ suiteKey: SUITE.suiteKey }], robots: [{ robotCode: SUITE.robot, suiteKey: SUITE.suiteKey }] }],
    });
  });
  after(() => server.close());

  it('sends and queries with a corp token it fetched once and then reuses', async () => {
    const suite = client();
    const sent = await suite.batchSendOTO({ robotCode: SUITE.robot, userIds: ['u0001'], msgKey: 'sampleText', msgParam: { content: 'hi' } });
    await server.admin('POST', '/reads', { reads: [{ processQueryKey: sent.processQueryKey, userId: 'u0001' }] });
    const status = await suite.batchOTOQuery({ robotCode: SUITE.robot, processQueryKey: sent.processQueryKey });
    assert.deepEqual(status.messageReadInfoList.map((info) => info.readStatus), ['READ']);
    assert.equal(await tokenCalls(), 1, 'one corp token for both calls');
    const log = await server.admin<{ items: Array<{ appKey?: string; requestBody?: Record<string, unknown> }> }>(
      'GET',
      '/requests?path=/v1.0/oauth2/corpAccessToken',
    );
    assert.equal(log.items[0]?.appKey, SUITE.suiteKey);
    assert.deepEqual(log.items[0]?.requestBody, {
      suiteKey: SUITE.suiteKey,
      suiteSecret: '***',
      authCorpId: ACME.corpId,
      suiteTicket: '***',
    });
    const token = await suite.getCorpAccessToken();
    assert.equal(token.expireIn, 7200);
  });

  it('asks the ticket provider again after a revocation, and reports the token errors typed', async () => {
    const suite = client();
    await suite.batchSendOTO({ robotCode: SUITE.robot, userIds: ['u0001'], msgKey: 'sampleText', msgParam: { content: 'one' } });
    const asked = ticketAsked;
    await server.admin('DELETE', `/orgs/${ACME.corpId}/authorizations/${SUITE.suiteKey}`);
    // The cached token is refused; the client fetches a new one, which the server refuses too.
    const code = await errorCode(
      suite.batchSendOTO({ robotCode: SUITE.robot, userIds: ['u0001'], msgKey: 'sampleText', msgParam: { content: 'two' } }),
    );
    assert.equal(code, 'invalidAuthCorpId');
    assert.ok(ticketAsked > asked, 'the ticket was asked for again');
    await server.admin('POST', '/fixtures', { orgs: [{ corpId: ACME.corpId, authorizations: [{ suiteKey: SUITE.suiteKey }] }] });

    const rotated = await server.admin<{ suiteTicket: string }>('POST', `/suites/${SUITE.suiteKey}/ticket`, {});
    assert.equal(await errorCode(client().getCorpAccessToken()), 'invalidSuiteTicket');
    ticket = rotated.suiteTicket;
    const fresh = await client().batchSendOTO({ robotCode: SUITE.robot, userIds: ['u0001'], msgKey: 'sampleText', msgParam: { content: 'three' } });
    assert.ok(fresh.processQueryKey);

    assert.equal(await errorCode(client({ suiteKey: 'nosuchsuite' }).getCorpAccessToken()), 'invalidSuiteKey');
    assert.equal(await errorCode(client({ suiteSecret: 'wrong' }).getCorpAccessToken()), 'invalidSuiteSecret');
    const failing = client({
      suiteTicket: () => {
        throw new Error('ticket store down');
      },
    });
    const error = await failing.getCorpAccessToken().catch((caught: unknown) => caught);
    assert.ok(isDingTalkError(error), 'a DingTalkError');
    assert.equal(isDingTalkApiError(error), false);
    assert.equal(error.kind, 'client');
    assert.match(error.message, /suiteTicket provider failed/);
  });

  it('takes exactly one kind of credentials', async () => {
    const endpoint = server.url;
    assert.throws(() => new DingTalkClient({ suiteKey: 's', suiteSecret: 'x', suiteTicket: 't', endpoint }), /go together/);
    assert.throws(
      () => new DingTalkClient({ suiteKey: 's', suiteSecret: 'x', suiteTicket: 't', authCorpId: 'c', appKey: 'a', appSecret: 'b', endpoint }),
      /give one kind of credentials/,
    );
    await assert.rejects(new DingTalkClient({ appKey: ACME.appKey, appSecret: ACME.appSecret, endpoint }).getCorpAccessToken(), TypeError);
  });
});

/** The request log's ring (src/core/request-log.ts): entries kept as bytes read back as they were written. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LOGGED_BODY_BYTES, RequestLog, type LoggedRequest } from '../../src/core/request-log.js';

function entry(n: number, extra: Partial<LoggedRequest> = {}): Omit<LoggedRequest, 'seq'> {
  return { requestId: `R${n}`, at: 1_700_000_000_000 + n, method: 'POST', path: '/v1.0/robot/groupMessages/query', status: 200, durationMs: n % 7, ...extra };
}

describe('RequestLog', () => {
  it('gives back each field of an entry, in its order, bodies and texts beyond ASCII included', () => {
    const log = new RequestLog(10);
    const query = Object.assign(Object.create(null) as Record<string, unknown>, { robotCode: 'bot', many: ['a', 'b'] });
    const requestBody = { openConversationId: 'cid😀', nested: { list: [1, 2.5, null, true], text: '引号"\\\n' }, __proto__field: 'x' };
    const responseBody = JSON.stringify({ readUserIds: ['u1', 'ü2'], nextToken: '～' });
    log.add(
      entry(1, { host: 'api.dingtalk.com', via: 'absolute', query, appKey: 'app', code: 'bad', faults: ['f1'], unknownFields: ['extra'], requestBody, responseBody }),
    );
    const [read] = log.list();
    assert.deepEqual(read, {
      requestId: 'R1',
      at: 1_700_000_000_001,
      method: 'POST',
      path: '/v1.0/robot/groupMessages/query',
      status: 200,
      durationMs: 1,
      host: 'api.dingtalk.com',
      via: 'absolute',
      query: { robotCode: 'bot', many: ['a', 'b'] },
      appKey: 'app',
      code: 'bad',
      faults: ['f1'],
      unknownFields: ['extra'],
      requestBody,
      responseBody: JSON.parse(responseBody) as unknown,
      seq: 1,
    });
    assert.deepEqual(Object.keys(read as object), Object.keys(read as object).slice().sort((a, b) => order(a) - order(b)), 'fields in the order they were written');
  });

  it('keeps a request body\'s JSON text when given it, read back parsed and masked like any body', () => {
    const log = new RequestLog(2);
    const text = '{ "appSecret" : "hush",\n "n": 1.50, "s": "é" }';
    log.add(entry(1, { requestBody: JSON.parse(text) as unknown }), text);
    assert.deepEqual(log.list()[0]?.requestBody, { appSecret: '***', n: 1.5, s: 'é' });
  });

  it('keeps the newest entries as they cycle through its places, smaller and larger bodies in turn', () => {
    const log = new RequestLog(3);
    const bodies: string[] = [];
    for (let n = 1; n <= 20; n++) {
      // From a few bytes to over the first buffer of a place, and back.
      const body = JSON.stringify({ n, text: 'é'.repeat((n * 997) % 5000) });
      bodies.push(body);
      log.add(entry(n, { responseBody: body, requestBody: { n } }));
    }
    const read = log.list();
    assert.deepEqual(read.map((e) => e.seq), [20, 19, 18]);
    assert.deepEqual(read.map((e) => e.responseBody), [20, 19, 18].map((n) => JSON.parse(bodies[n - 1] as string) as unknown));
    assert.deepEqual(read.map((e) => e.requestBody), [{ n: 20 }, { n: 19 }, { n: 18 }]);
    assert.deepEqual(log.list({ since: 1_700_000_000_019 }).map((e) => e.seq), [20, 19]);
    assert.deepEqual(log.list({ status: '2xx', limit: 1 }).map((e) => e.seq), [20]);
  });

  it('cuts a body over the limit when read, as before, and masks secrets', () => {
    const log = new RequestLog(2);
    const large = JSON.stringify({ items: 'x'.repeat(MAX_LOGGED_BODY_BYTES * 3) });
    log.add(entry(1, { responseBody: large, requestBody: { appSecret: 'hush', big: 'y'.repeat(MAX_LOGGED_BODY_BYTES * 3) } }));
    log.add(entry(2, { responseBody: 'not json', requestBody: { appSecret: 'hush' }, query: { access_token: 'tok' } }));
    const [second, first] = log.list();
    assert.deepEqual(second?.requestBody, { appSecret: '***' });
    assert.deepEqual(second?.query, { access_token: '***' });
    assert.equal(second?.responseBody, 'not json');
    assert.equal((first?.responseBody as { truncated?: boolean }).truncated, true);
    assert.equal((first?.responseBody as { bytes?: number }).bytes, Buffer.byteLength(large));
    assert.equal((first?.requestBody as { truncated?: boolean }).truncated, true);
  });

  it('starts empty again when cleared, and keeps nothing at a capacity of 0', () => {
    const log = new RequestLog(2);
    log.add(entry(1, { responseBody: '{}' }));
    log.add(entry(2));
    assert.equal(log.clear(), 2);
    assert.deepEqual(log.list(), []);
    log.add(entry(3, { responseBody: '{"a":1}' }));
    assert.deepEqual(log.list().map((e) => [e.seq, e.responseBody]), [[3, { a: 1 }]]);
    const none = new RequestLog(0);
    none.add(entry(1));
    assert.deepEqual(none.list(), []);
  });
});

const ORDER = ['requestId', 'at', 'method', 'path', 'status', 'durationMs', 'host', 'via', 'query', 'appKey', 'code', 'faults', 'unknownFields', 'requestBody', 'responseBody', 'seq'];
const order = (key: string): number => ORDER.indexOf(key);

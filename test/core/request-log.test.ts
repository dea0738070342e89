/** The request log's ring (src/core/request-log.ts): entries kept as bytes read back as they were written. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LOGGED_BODY_BYTES, RequestLog, type LoggedRequest } from '../../src/core/request-log.js';
import { fc } from '../helpers/property.js';

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

  it('keeps the bodies of the latest calls within its body budget; older entries keep the rest and say so', () => {
    const log = new RequestLog(10, 200);
    // About 60 bytes of bodies each: the latest three fit in 200 bytes, the fourth does not.
    for (let n = 1; n <= 6; n++) log.add(entry(n, { query: { n: String(n) }, requestBody: { n }, responseBody: JSON.stringify({ ok: 'x'.repeat(40) }) }));
    log.add(entry(7));
    const read = log.list();
    assert.deepEqual(read.map((e) => e.seq), [7, 6, 5, 4, 3, 2, 1]);
    assert.deepEqual(read.map((e) => e.bodiesDropped ?? false), [false, false, false, false, true, true, true]);
    assert.equal(read[0]?.requestBody, undefined, 'a call without bodies has none and drops none');
    assert.deepEqual(read[1]?.requestBody, { n: 6 });
    assert.deepEqual(read[3]?.responseBody, { ok: 'x'.repeat(40) });
    assert.deepEqual([read[6]?.requestId, read[6]?.query, read[6]?.requestBody, read[6]?.responseBody], ['R1', { n: '1' }, undefined, undefined]);
    assert.deepEqual(Object.keys(read[6] as object), Object.keys(read[6] as object).slice().sort((a, b) => order(a) - order(b)));
  });

  it('drops at once the bodies larger than its whole budget, and keeps none at a budget of 0', () => {
    const log = new RequestLog(4, 100);
    log.add(entry(1, { requestBody: { big: 'y'.repeat(200) } }));
    log.add(entry(2, { requestBody: { small: 1 } }));
    assert.deepEqual(log.list().map((e) => [e.bodiesDropped, e.requestBody]), [[undefined, { small: 1 }], [true, undefined]]);
    const none = new RequestLog(4, 0);
    none.add(entry(1, { requestBody: { small: 1 }, responseBody: '{}' }));
    none.add(entry(2, { query: { q: 'x' } }));
    assert.deepEqual(none.list().map((e) => [e.seq, e.bodiesDropped, e.query]), [[2, undefined, { q: 'x' }], [1, true, undefined]]);
  });

  it('fills its budget to the last byte, keeps an empty body, and starts again at its beginning', () => {
    // Each entry: the request body {"n":N} (7 bytes) and a 13-byte response, 20 bytes: five fill 100 bytes exactly.
    const log = new RequestLog(10, 100);
    const add = (n: number, responseBody: string): void => log.add(entry(n, { requestBody: { n }, responseBody }), JSON.stringify({ n }));
    for (let n = 1; n <= 5; n++) add(n, '{"ok":"1234"}');
    assert.deepEqual(log.list().map((e) => e.bodiesDropped ?? e.requestBody), [{ n: 5 }, { n: 4 }, { n: 3 }, { n: 2 }, { n: 1 }]);
    // The sixth starts the buffer again over the first; an empty response is kept as one.
    add(6, '');
    const read = log.list();
    assert.deepEqual(read.map((e) => e.bodiesDropped ?? e.requestBody), [{ n: 6 }, { n: 5 }, { n: 4 }, { n: 3 }, { n: 2 }, true]);
    assert.equal(read[0]?.responseBody, '');
    assert.deepEqual(read[1]?.responseBody, { ok: '1234' });
    // A body of the budget's whole size fits alone.
    log.add(entry(7, { responseBody: `"${'é'.repeat(49)}"` }));
    assert.deepEqual(log.list().map((e) => e.bodiesDropped ?? e.seq), [7, true, true, true, true, true, true]);
    assert.equal(log.list()[0]?.responseBody, 'é'.repeat(49));
  });

  it('shows a body nested too deep to mask without its head, and refuses sizes it cannot keep', () => {
    const log = new RequestLog(2);
    const deep = `${'['.repeat(8000)}${']'.repeat(8000)}`;
    log.add(entry(1, { requestBody: JSON.parse(deep) as unknown, responseBody: deep }), deep);
    const [read] = log.list();
    assert.deepEqual(read?.requestBody, { truncated: true, bytes: 16_000, head: '' });
    assert.deepEqual(read?.responseBody, { truncated: true, bytes: 16_000, head: '' });
    for (const [capacity, bodyBytes] of [[-1, 0], [1.5, 0], [100_001, 0], [1, -1], [1, Number.NaN], [1, 2 ** 30 + 1]]) {
      assert.throws(() => new RequestLog(capacity, bodyBytes), RangeError, `${capacity}, ${bodyBytes}`);
    }
  });

  it('keeps a body over the limit as its cut form, which takes little of the budget', () => {
    const log = new RequestLog(4, 8 * 1024);
    const large = { appSecret: 'hush', items: 'z'.repeat(MAX_LOGGED_BODY_BYTES * 4) };
    log.add(entry(1, { requestBody: large, responseBody: JSON.stringify(large) }));
    const [read] = log.list();
    assert.equal(read?.bodiesDropped, undefined);
    for (const body of [read?.requestBody, read?.responseBody] as Array<{ truncated: boolean; bytes: number; head: string }>) {
      assert.equal(body.truncated, true);
      assert.equal(body.bytes, Buffer.byteLength(JSON.stringify({ ...large, appSecret: '***' })));
      assert.ok(body.head.startsWith('{"appSecret":"***"'), 'cut after masking');
    }
  });

  it('never gives back another call\'s bytes: the bodies it keeps are exact, the latest that fit, within the budget', () => {
    const body = fc.oneof(fc.constant(undefined), fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ maxLength: 600 }));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 1500 }),
        fc.array(fc.tuple(body, body), { maxLength: 60 }),
        (capacity, budget, calls) => {
          const log = new RequestLog(capacity, budget);
          calls.forEach(([request, response], i) => {
            log.add(entry(i + 1, { ...(request === undefined ? {} : { requestBody: { request } }), ...(response === undefined ? {} : { responseBody: response }) }));
          });
          const read = log.list({ limit: capacity });
          const kept = calls.slice(-capacity);
          assert.equal(read.length, kept.length);
          let droppedOne = false;
          let bytes = 0;
          read.forEach((logged, i) => {
            const [request, response] = kept[kept.length - 1 - i] as [string | undefined, string | undefined];
            const size = (request === undefined ? 0 : Buffer.byteLength(JSON.stringify({ request }))) + (response === undefined ? 0 : Buffer.byteLength(response));
            if (request === undefined && response === undefined) return assert.equal(logged.bodiesDropped, undefined);
            if (logged.bodiesDropped) {
              droppedOne ||= size <= budget && budget > 0;
              return;
            }
            assert.ok(!droppedOne, 'once a body that fits was dropped, no older one is kept');
            bytes += size;
            assert.deepEqual(logged.requestBody, request === undefined ? undefined : { request });
            // Read back as JSON where it is JSON, as every response is.
            const expected = response === undefined ? undefined : (() => { try { return JSON.parse(response) as unknown; } catch { return response.slice(0, 1024); } })();
            assert.deepEqual(logged.responseBody, expected);
          });
          assert.ok(bytes <= budget, `${bytes} bytes of bodies kept in a budget of ${budget}`);
          const newest = calls.at(-1);
          if (newest && (newest[0] !== undefined || newest[1] !== undefined)) {
            const size = (newest[0] === undefined ? 0 : Buffer.byteLength(JSON.stringify({ request: newest[0] }))) + (newest[1] === undefined ? 0 : Buffer.byteLength(newest[1]));
            assert.equal(read[0]?.bodiesDropped, size <= budget && budget > 0 ? undefined : true, 'the newest call keeps its bodies when they fit');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives each entry what only some have (queries, faults, long ids, an entry kept whole) and no other\'s, as its places grow, come round and are cleared', () => {
    // Below and past the places made at first (1,024), round the ring twice over, then again after clear().
    // Odd, so that a place takes entries with and without each field in turn.
    for (const capacity of [701, 1501]) {
      const log = new RequestLog(capacity, 64 * 1024);
      for (const round of [0, 1]) {
        const made: Array<Omit<LoggedRequest, 'seq'>> = [];
        for (let n = 1; n <= 3 * capacity + 7; n++) {
          const extra: Partial<LoggedRequest> = {};
          if (n % 2 === 0) Object.assign(extra, { host: 'api.dingtalk.com', via: 'absolute', appKey: `app${n % 4}`, code: 'bad' });
          if (n % 3 === 0) extra.query = { n: String(n) };
          if (n % 4 === 1) Object.assign(extra, { requestBody: { n }, responseBody: JSON.stringify({ n }) });
          if (n % 5 === 0) extra.faults = [`f${n}`];
          if (n % 7 === 0) extra.unknownFields = [`u${n}`];
          // Longer than an id's place, and beyond ASCII (a code unit past one byte, and a pair).
          if (n % 11 === 0) extra.requestId = `R${n}-${'x'.repeat(40)}`;
          if (n % 13 === 0) extra.requestId = `R${n}-é😀`;
          // JSON cannot write a BigInt: that entry is kept whole, as it came.
          if (n % 17 === 0) extra.query = { n: BigInt(n) as unknown as string };
          const logged = entry(n, extra);
          made.push(logged);
          log.add(logged);
        }
        const read = log.list({ limit: capacity });
        assert.equal(read.length, capacity);
        read.forEach((logged, i) => {
          const n = made.length - i;
          const at = `capacity ${capacity}, round ${round}, entry ${n}`;
          const { query, seq, responseBody, ...rest } = logged;
          const { query: sentQuery, responseBody: sentResponse, ...expected } = made[n - 1] as Omit<LoggedRequest, 'seq'>;
          assert.deepEqual([seq - round * made.length, rest], [n, expected], at);
          assert.deepEqual(responseBody, sentResponse === undefined ? undefined : (JSON.parse(sentResponse as string) as unknown), at);
          if (n % 17 === 0) assert.equal(typeof (query as { n: unknown }).n, 'bigint', `${at}: kept whole`);
          else assert.deepEqual(query, sentQuery, `${at}: its query`);
        });
        const withApp2 = made.map((_, i) => i + 1).filter((n) => n % 4 === 2).slice(-3).reverse();
        assert.deepEqual(log.list({ appKey: 'app2', limit: 3 }).map((e) => e.seq - round * made.length), withApp2, `capacity ${capacity}: the appKey filter`);
        assert.equal(log.clear(), capacity);
        assert.deepEqual(log.list(), []);
      }
    }
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

const ORDER = ['requestId', 'at', 'method', 'path', 'status', 'durationMs', 'host', 'via', 'query', 'appKey', 'code', 'faults', 'unknownFields', 'bodiesDropped', 'requestBody', 'responseBody', 'seq'];
const order = (key: string): number => ORDER.indexOf(key);

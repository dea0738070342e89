/** readEventStream (src/testing/event-stream.ts): frames as the server writes them, however the bytes arrive. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fc } from '../helpers/property.js';
import { readEventStream, type EventFrame } from '../../src/testing/event-stream.js';

/** What GET /_dingread/v1/events writes: a retry line, frames, and heartbeat comments between them. */
const STREAM =
  'retry: 3000\n\n' +
  'id: 1\nevent: ready\ndata: {"clock":{"mode":"system"}}\n\n' +
  ': ping\n\n' +
  'id: 2\nevent: read\ndata: {"processQueryKey":"k+/=","userIds":["用户😀","u2"]}\n\n' +
  'id: 3\nevent: recalled\ndata: {"processQueryKey":"k+/="}\n\n';

const EXPECTED: EventFrame[] = [
  { event: 'ready', data: '{"clock":{"mode":"system"}}', id: '1' },
  { event: 'read', data: '{"processQueryKey":"k+/=","userIds":["用户😀","u2"]}', id: '2' },
  { event: 'recalled', data: '{"processQueryKey":"k+/="}', id: '3' },
];

async function* chunks(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    yield bytes.subarray(start, cut);
    start = cut;
  }
  yield bytes.subarray(start);
}

async function frames(body: AsyncIterable<Uint8Array>): Promise<EventFrame[]> {
  const out: EventFrame[] = [];
  for await (const frame of readEventStream(body)) out.push(frame);
  return out;
}

describe('readEventStream', () => {
  it('gives the frames in order, without the retry line and the heartbeats', async () => {
    assert.deepEqual(await frames(chunks(new TextEncoder().encode(STREAM), [])), EXPECTED);
  });

  it('gives the same frames however the body is cut into chunks, mid-line and mid-character', async () => {
    const bytes = new TextEncoder().encode(STREAM);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), async (cuts) => {
        assert.deepEqual(await frames(chunks(bytes, cuts)), EXPECTED);
      }),
      { numRuns: 200 },
    );
  });

  it('stops with the body, a frame left unfinished given to nobody; a failing body throws', async () => {
    const cut = new TextEncoder().encode(STREAM.slice(0, STREAM.indexOf('id: 3')) + 'id: 3\nevent: rec');
    assert.deepEqual(await frames(chunks(cut, [])), EXPECTED.slice(0, 2));
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode(STREAM.slice(0, 60));
      throw new Error('connection reset');
    }
    await assert.rejects(frames(failing()), /connection reset/);
  });
});

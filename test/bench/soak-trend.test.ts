/**
 * The soak's verdict on p99 flatness (bench/reliability/soak.ts), without running a soak: the
 * sustained-load run itself is a benchmark (`npm run soak`, docs/RELIABILITY.md), never a test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { p99Trend } from '../../bench/reliability/soak.js';

describe('soak p99 trend', () => {
  it('judges p99 flatness by thirds of the run: one spiky window passes, a sustained rise does not', () => {
    assert.equal(p99Trend([]), undefined);
    // Twenty windows at ~25 ms with one spike at the end: the last third's median stays at 26 ms.
    const spiky = [...Array.from({ length: 19 }, (_, i) => 24 + (i % 3)), 140];
    assert.deepEqual(p99Trend(spiky), { first: 25, last: 26 });
    // The last third at 60-70 ms: a server that degraded.
    const rising = [...Array.from({ length: 13 }, () => 25), 60, 62, 64, 66, 68, 70, 70];
    const trend = p99Trend(rising);
    assert.equal(trend?.first, 25);
    assert.ok(trend !== undefined && trend.last >= 64, JSON.stringify(trend));
    // Fewer than three windows: the first and the last.
    assert.deepEqual(p99Trend([10, 30]), { first: 10, last: 30 });
  });
});

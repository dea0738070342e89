/**
 * Sustained load, short: 80% of the measured maximum of mixed traffic for 20 s on a real
 * `dingread serve` (SQLite), with no errors, a p99 that does not climb and resident memory that
 * does not run away. The bounds are loose because the machine is shared; bench/reliability/soak.ts
 * runs the same for 10 minutes with the strict ones (docs/RELIABILITY.md).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { scratchStore } from '../../bench/reliability/crash.js';
import { p99Trend, soakTest } from '../../bench/reliability/soak.js';
import { POSTGRES_URL } from '../helpers/postgres.js';

describe('sustained load', () => {
  const removals: Array<() => Promise<void>> = [];
  after(async () => {
    for (const remove of removals) await remove();
  });

  it('holds 80% of its maximum for 20 s with no errors, a flat p99 and bounded memory', async () => {
    const scratch = await scratchStore('sqlite', POSTGRES_URL);
    removals.push(() => scratch.remove());
    const report = await soakTest({
      store: scratch.spec,
      durationS: 20,
      load: 0.8,
      calibrateS: 4,
      warmupS: 4,
      windowS: 5,
      workers: 8,
      backlogS: 1,
      p99Factor: 5,
      p99SlackMs: 150,
      rssGrowth: 0.35,
    });
    assert.deepEqual(report.problems, [], JSON.stringify(report));
    assert.equal(report.errors, 0);
    assert.ok(report.windowP99Ms.length >= 3, JSON.stringify(report));
    assert.ok(report.achievedOpsPerSecond >= report.offeredOpsPerSecond * 0.8, JSON.stringify(report));
    assert.ok(report.peakInFlight > 0 && report.peakInFlight < report.inFlightBound, JSON.stringify(report));
    // The mix it offered is the mix it claims: 30% sends, 30% read batches, 40% queries, give or take.
    const { sends, readBatches, queries } = report.mix;
    const total = sends + readBatches + queries;
    assert.ok(sends > total * 0.25 && readBatches > total * 0.25 && queries > total * 0.33, JSON.stringify(report.mix));
  });

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

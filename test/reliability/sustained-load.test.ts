/**
 * Sustained load, short: 80% of the measured maximum of mixed traffic for 20 s on a real
 * `dingread serve` (SQLite), with no errors, a p99 that does not climb and resident memory that
 * does not run away. The bounds are loose because the machine is shared; bench/reliability/soak.ts
 * runs the same for 10 minutes with the strict ones (docs/RELIABILITY.md).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { scratchStore } from '../../bench/reliability/crash.js';
import { soakTest } from '../../bench/reliability/soak.js';
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
      p99Factor: 5,
      p99SlackMs: 150,
      rssGrowth: 0.35,
    });
    assert.deepEqual(report.problems, [], JSON.stringify(report));
    assert.equal(report.errors, 0);
    assert.ok(report.windowP99Ms.length >= 3, JSON.stringify(report));
    assert.ok(report.achievedOpsPerSecond >= report.offeredOpsPerSecond * 0.8, JSON.stringify(report));
  });
});

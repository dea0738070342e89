/**
 * Nothing acknowledged is lost, nothing is half-applied: `dingread serve` as a process, killed
 * with SIGKILL under write load, or stopped with SIGTERM under mixed load, then restarted on the
 * same store (bench/reliability/{crash,shutdown}.ts; the scripts run many more rounds, and
 * docs/RELIABILITY.md has their figures). A handful of rounds here, each striking after a number
 * of acknowledged writes rather than a time, so that a busy machine tests as much as an idle one.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { crashTest, scratchStore } from '../../bench/reliability/crash.js';
import { shutdownTest } from '../../bench/reliability/shutdown.js';
import { POSTGRES_URL, postgresSkipReason } from '../helpers/postgres.js';

const STORES = [
  { kind: 'sqlite' as const, skip: false as const },
  { kind: 'postgres' as const, skip: postgresSkipReason ?? (false as const) },
];

for (const { kind, skip } of STORES) {
  describe(`durability [${kind}]`, { skip }, () => {
    const removals: Array<() => Promise<void>> = [];
    after(async () => {
      for (const remove of removals) await remove();
    });

    it('keeps every acknowledged send and batch of reads across SIGKILL at 4 random moments, and none half-applied', async () => {
      const scratch = await scratchStore(kind, POSTGRES_URL);
      removals.push(() => scratch.remove());
      const report = await crashTest({ store: scratch.spec, kills: 4, strike: { afterWrites: { min: 10, max: 60 } }, workers: 6, seed: 20_251 });
      assert.deepEqual(report.problems, []);
      assert.ok(report.acknowledgedSends + report.acknowledgedReadBatches >= 40, JSON.stringify(report));
      assert.ok(report.acknowledgedSends > 0 && report.acknowledgedReadBatches > 0, JSON.stringify(report));
      assert.equal(report.readsVerified >= report.acknowledgedReads, true, JSON.stringify(report));
    });

    // The exit bound here only catches a server that never exits; how fast it drains is the
    // script's figure (docs/RELIABILITY.md).
    it('drains on SIGTERM under load: whole answers or clean refusals, exit 0, nothing acknowledged lost', async () => {
      const scratch = await scratchStore(kind, POSTGRES_URL);
      removals.push(() => scratch.remove());
      const report = await shutdownTest({ store: scratch.spec, rounds: 3, workers: 8, strike: { afterWrites: { min: 10, max: 40 } }, seed: 77, exitBoundMs: 60_000 });
      assert.deepEqual(report.problems, []);
      assert.ok(report.acknowledged >= 30, JSON.stringify(report));
    });
  });
}

describe('the durability check itself', () => {
  it('notices loss: on the memory store every acknowledged send is reported lost after SIGKILL', async () => {
    const report = await crashTest({ store: 'memory', kills: 1, strike: { afterWrites: { min: 5, max: 10 } }, workers: 4, seed: 5 });
    assert.ok(report.acknowledgedSends > 0);
    assert.ok(report.problems.some((problem) => /acknowledged send .* is lost/.test(problem)), report.problems.slice(0, 3).join('\n'));
  });
});

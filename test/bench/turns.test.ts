/**
 * Servers measured in turns (bench/turns.ts): how the rounds are split and ordered and summed up,
 * without timing anything, and one short run on two bare servers in this process for what only a
 * run shows (each server's varied requests numbered on across its rounds). No figure of it is
 * checked: timing belongs to `npm run bench`.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Stretch } from '../../bench/load.js';
import { combineRounds, cpuRatios, measureInTurns, median, medianCpuRatio, medianIndex, splitIntoRounds, turnOrder } from '../../bench/turns.js';

const stretch = (requests: number, seconds: number, extra: Partial<Stretch> = {}): Stretch => ({
  rps: requests / seconds,
  p50: 10,
  p99: 20,
  requests,
  errors: 0,
  non2xx: 0,
  seconds,
  ...extra,
});

describe('bench turns: summaries', () => {
  it('take the median, the middle pair averaged', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('split the duration into rounds of about 2 s, at least 3, or as many as asked', () => {
    assert.deepEqual(splitIntoRounds(10), { rounds: 5, roundSec: 2 });
    assert.deepEqual(splitIntoRounds(3), { rounds: 3, roundSec: 1 });
    assert.deepEqual(splitIntoRounds(30), { rounds: 15, roundSec: 2 });
    assert.deepEqual(splitIntoRounds(10, 4), { rounds: 4, roundSec: 2.5 });
    assert.throws(() => splitIntoRounds(10, 0), /rounds/);
    assert.throws(() => splitIntoRounds(10, 1.5), /rounds/);
  });

  it('reverse the order every other round', () => {
    assert.deepEqual([0, 1, 2, 3].map((round) => turnOrder(3, round)), [
      [0, 1, 2],
      [2, 1, 0],
      [0, 1, 2],
      [2, 1, 0],
    ]);
  });

  it('sum requests and errors, take rps over all the seconds and the median round for latency and CPU', () => {
    const combined = combineRounds([
      stretch(2000, 2, { p50: 5, p99: 30, cpuUsPerRequest: 40, systemUsPerRequest: 12, errors: 1 }),
      stretch(1000, 2, { p50: 9, p99: 90, cpuUsPerRequest: 80, systemUsPerRequest: 30, non2xx: 2 }),
      stretch(3000, 2, { p50: 4, p99: 25, cpuUsPerRequest: 38, systemUsPerRequest: 11 }),
    ]);
    assert.deepEqual(combined, { rps: 1000, p50: 5, p99: 30, requests: 6000, errors: 1, non2xx: 2, cpuUsPerRequest: 40, systemUsPerRequest: 12 });
    assert.equal(combineRounds([stretch(100, 1, { cpuUsPerRequest: 40 })]).systemUsPerRequest, undefined, 'no system figure, none combined');
    // A round that could not read the CPU (none answered in it) is left out of the CPU's median.
    const starved = stretch(0, 1);
    assert.equal(combineRounds([stretch(100, 1, { cpuUsPerRequest: 40 }), starved, stretch(100, 1, { cpuUsPerRequest: 50 })]).cpuUsPerRequest, 45);
    assert.equal(combineRounds([starved]).cpuUsPerRequest, undefined);
  });

  it('take a CPU ratio round by round, so one disturbed round does not move its median', () => {
    // The second round disturbed dingread alone (80 against 40), the third both alike.
    const dingread = [stretch(1, 1, { cpuUsPerRequest: 52 }), stretch(1, 1, { cpuUsPerRequest: 80 }), stretch(1, 1, { cpuUsPerRequest: 104 })];
    const floor = [stretch(1, 1, { cpuUsPerRequest: 40 }), stretch(1, 1, { cpuUsPerRequest: 40 }), stretch(1, 1, { cpuUsPerRequest: 80 })];
    assert.deepEqual(cpuRatios(dingread, floor), [1.3, 2, 1.3]);
    // Dividing the medians instead would say 80 ÷ 40 = 2.
    assert.equal(medianCpuRatio(dingread, floor), 1.3);
    // Rounds without both figures are left out; none left, no ratio.
    assert.equal(medianCpuRatio([stretch(1, 1)], floor), undefined);
    assert.equal(medianCpuRatio(dingread, [stretch(1, 1, { cpuUsPerRequest: 0 })]), undefined);
  });

  it('find the median of whole measurements by index, the lower middle of an even count, a missing figure last', () => {
    assert.equal(medianIndex([1.31, 1.2, 1.25]), 2);
    assert.equal(medianIndex([1.4]), 0);
    assert.equal(medianIndex([1.3, 1.1, 1.2, 1.5]), 2);
    assert.equal(medianIndex([Number.NaN, 1.2, 1.25]), 2);
    assert.equal(medianIndex([1.2, 1.2, 1.2]), 1, 'ties keep their order');
    assert.throws(() => medianIndex([]), /no values/);
  });
});

describe('bench turns: a run', () => {
  const servers: Server[] = [];
  /** Each server's request paths, in the order they came. */
  const seen: string[][] = [[], []];

  before(async () => {
    for (const paths of seen) {
      const server = createServer((req, res) => {
        paths.push(req.url ?? '');
        res.end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
  });
  after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

  it("measures every server every round and numbers each one's varied requests on from its warm-up", async () => {
    const heard: number[] = [];
    const targets = servers.map((server) => ({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      method: 'GET' as const,
      path: '/n/first',
      vary: (n: number) => ({ path: `/n/${n}` }),
      connections: 2,
    }));
    const results = await measureInTurns(targets, { warmupSec: 0.2, rounds: 3, roundSec: 0.2 }, (round, each) => {
      heard.push(round);
      assert.equal(each.length, 2);
    });
    assert.deepEqual(heard, [0, 1, 2]);
    assert.deepEqual(
      results.map((rounds) => rounds.length),
      [3, 3],
    );
    for (const paths of seen) {
      // Had the numbering restarted with each stretch (warm-up, each round's start, each round),
      // the first numbers would have come again.
      assert.equal(paths.filter((path) => path === '/n/0').length, 1, 'request 0 once');
      assert.equal(paths.filter((path) => path === '/n/1').length, 1, 'request 1 once');
    }
    assert.ok(results.every((rounds) => rounds.every((round) => round.requests > 0)));
  });
});

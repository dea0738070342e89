/**
 * Servers measured in turns: all of them alive together, each warmed up, then round after round in
 * which every server is measured once, every other round in reverse order. Other work on a shared
 * machine comes and goes over minutes; measured in turns, every server meets the same share of it,
 * and a ratio between two servers taken round by round (its median over the rounds) stays readable
 * where figures measured minutes apart do not. `run.ts` measures a scenario's dingread, baseline and
 * floor so; `pairs.ts` the builds it compares. The summaries here take no time and are tested
 * (test/bench/turns.test.ts).
 */
import { measureStretch, warmUp, type LoadResult, type LoadSpec, type Stretch } from './load.js';

/** One server's load: its URL and process, and the request (varied or not) it gets. */
export type TurnTarget = Omit<LoadSpec, 'durationSec' | 'warmupSec'>;

export interface TurnPlan {
  /** Unmeasured load for each server before the first round. */
  warmupSec: number;
  rounds: number;
  /** Measured seconds of each server in each round. */
  roundSec: number;
}

/**
 * Unmeasured load at the start of each server's turn. A turn opens its connections anew on a
 * server that sat idle while the others were measured; the steady state comes after that.
 */
export const SETTLE_SEC = 0.3;

/** How rounds split `durationSec`: `rounds` when given, else rounds of about 2 s, at least 3. */
export function splitIntoRounds(durationSec: number, rounds?: number): { rounds: number; roundSec: number } {
  const count = rounds ?? Math.max(3, Math.round(durationSec / 2));
  if (!Number.isInteger(count) || count < 1) throw new Error(`rounds: a whole number of at least 1, not ${rounds}`);
  return { rounds: count, roundSec: durationSec / count };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The order of the servers (their indexes) in round `round` (from 0): every other round reversed. */
export function turnOrder(count: number, round: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  // Reversed every other round, so that no server always follows the same one (nor goes first).
  return round % 2 ? order.reverse() : order;
}

/**
 * Measures `targets` in turns after warming each up; `onRound` hears each round's results (in the
 * targets' order). Each server's requests are numbered on from its warm-up through every round,
 * so a varied request (a send's message, a read's id) is never repeated across rounds. Returns
 * each target's results, round by round.
 */
export async function measureInTurns(
  targets: TurnTarget[],
  plan: TurnPlan,
  onRound?: (round: number, results: Stretch[]) => void,
  /** Each target's count of varied requests sent (vary(0) … vary(n − 1)), for a caller that asks how far its load went. */
  counters: Array<{ n: number }> = targets.map(() => ({ n: 0 })),
): Promise<Stretch[][]> {
  const results: Stretch[][] = targets.map(() => []);
  for (const [i, target] of targets.entries()) await warmUp(target, plan.warmupSec, counters[i] as { n: number });
  for (let round = 0; round < plan.rounds; round++) {
    for (const i of turnOrder(targets.length, round)) {
      const target = targets[i] as TurnTarget;
      const counter = counters[i] as { n: number };
      await warmUp(target, SETTLE_SEC, counter);
      (results[i] as Stretch[]).push(await measureStretch(target, plan.roundSec, counter));
    }
    onRound?.(
      round,
      results.map((rounds) => rounds[round] as Stretch),
    );
  }
  return results;
}

/**
 * One server's rounds as one result: requests and errors summed, rps over all the measured
 * seconds, and p50, p99, CPU per request and its system part each the median of the rounds. A
 * round without a CPU figure (no request answered in it: the server starved by other work) is left
 * out of those medians, as `medianCpuRatio` leaves it out; no round with one, no figure.
 */
export function combineRounds(rounds: Stretch[]): LoadResult {
  const sum = (pick: (r: Stretch) => number): number => rounds.reduce((total, r) => total + pick(r), 0);
  const seconds = sum((r) => r.seconds);
  const requests = sum((r) => r.requests);
  const cpu = rounds.flatMap((r) => (r.cpuUsPerRequest === undefined ? [] : [r.cpuUsPerRequest]));
  const system = rounds.flatMap((r) => (r.systemUsPerRequest === undefined ? [] : [r.systemUsPerRequest]));
  return {
    rps: seconds > 0 ? requests / seconds : 0,
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    requests,
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    ...(cpu.length > 0 ? { cpuUsPerRequest: median(cpu) } : {}),
    ...(system.length > 0 ? { systemUsPerRequest: median(system) } : {}),
  };
}

/** Each round's CPU per request of `a` over `b`'s (the same round), where both were read. */
export function cpuRatios(a: LoadResult[], b: LoadResult[]): number[] {
  const ratios: number[] = [];
  a.forEach((round, i) => {
    const other = b[i]?.cpuUsPerRequest;
    if (round.cpuUsPerRequest !== undefined && other !== undefined && other > 0) ratios.push(round.cpuUsPerRequest / other);
  });
  return ratios;
}

/**
 * The median over the rounds of `a`'s CPU per request over `b`'s. Within a round, disturbance that
 * lasts the round hits both alike and cancels out of the ratio; the median leaves out the odd round
 * in which it hit one of them only. Undefined when no round read both.
 */
export function medianCpuRatio(a: LoadResult[], b: LoadResult[]): number | undefined {
  const ratios = cpuRatios(a, b);
  return ratios.length ? median(ratios) : undefined;
}

/** The index of the median of `values`: the lower middle one of an even count, NaN counted as the largest. */
export function medianIndex(values: number[]): number {
  if (values.length === 0) throw new Error('medianIndex: no values');
  const order = values
    .map((value, index) => ({ value: Number.isNaN(value) ? Infinity : value, index }))
    .sort((a, b) => a.value - b.value || a.index - b.index);
  return (order[(order.length - 1) >> 1] as { index: number }).index;
}

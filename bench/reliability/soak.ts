/**
 * Sustained load: measures the most mixed traffic (sends, reads, queries) a real `dingread serve`
 * takes with closed-loop workers, then offers 80% of it at a steady rate for a while, and checks
 * there were no errors, that p99 latency stayed flat, and that resident memory at the end is
 * within a bound of what it was after warm-up.
 *
 *   node dist/bench/reliability/soak.js                      # 10 minutes on SQLite
 *   node dist/bench/reliability/soak.js --minutes 1 --store postgres
 *   options: --load 0.8, --calibrate-s 10, --warmup-s 30, --window-s 30, --workers 16, --backlog-s 1
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { numberOption } from '../options.js';
import { startDingread } from '../processes.js';
import { scratchStore } from './crash.js';
import { Client, directory, Ledger, query, randomFrom, readBatch, send, type Outcome } from './workload.js';

export interface SoakOptions {
  store: string;
  durationS: number;
  /** Share of the measured maximum to offer (0.8). */
  load: number;
  calibrateS: number;
  warmupS: number;
  windowS: number;
  workers: number;
  /**
   * Seconds of offered calls that may be in flight at once (at least 100 calls): past that the
   * server has fallen behind, and the calls due are counted as errors instead of being made. A
   * bound in time rather than in calls, so that it means the same at 1,000 and at 6,000 ops/s.
   */
  backlogS: number;
  /**
   * Pass criteria: the median window p99 of the last third of the run at most `p99Factor` × that
   * of the first third + `p99SlackMs`. Thirds, not single windows: one window's p99 on a shared
   * machine jumps with a single pause, while a server that degrades moves a third of the run.
   */
  p99Factor: number;
  p99SlackMs: number;
  /** RSS at the end at most (1 + rssGrowth) × RSS after warm-up. */
  rssGrowth: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  maxOpsPerSecond: number;
  offeredOpsPerSecond: number;
  achievedOpsPerSecond: number;
  /** The operations made, by kind (calibration included): the mix the run really offered. */
  mix: { sends: number; readBatches: number; queries: number };
  /** The most calls in flight at once, and the bound (backlogS of offered calls). */
  peakInFlight: number;
  inFlightBound: number;
  operations: number;
  errors: number;
  errorSamples: string[];
  /** p99 in ms of each window after warm-up. */
  windowP99Ms: number[];
  /** The median window p99 of the first and of the last third of the windows (the flatness check). */
  p99FirstThirdMs?: number;
  p99LastThirdMs?: number;
  /**
   * Each window in detail. `driverLagP99Ms` is the load generator's own event-loop delay: when it
   * is high, the latency was (partly) the generator's, not the server's.
   */
  windows: WindowStats[];
  rssAfterWarmupMiB: number;
  rssEndMiB: number;
  problems: string[];
}

export interface WindowStats {
  operations: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  driverLagP99Ms: number;
  /** The generator's longest event-loop delay in the window: a pause of its own makes calls bunch up. */
  driverLagMaxMs: number;
}

/** The latest acknowledged messages the soak keeps to read and query (workload.ts Ledger). */
const RECENT_MESSAGES = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] as number;
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

/** The median of the first and of the last third of the window p99s (one window each when fewer than three). */
export function p99Trend(windowP99Ms: number[]): { first: number; last: number } | undefined {
  if (windowP99Ms.length === 0) return undefined;
  const third = Math.max(1, Math.floor(windowP99Ms.length / 3));
  const median = (values: number[]): number => quantile([...values].sort((a, b) => a - b), 0.5);
  return { first: median(windowP99Ms.slice(0, third)), last: median(windowP99Ms.slice(-third)) };
}

export async function soakTest(options: SoakOptions): Promise<SoakReport> {
  const random = randomFrom(42);
  const ledger = new Ledger(RECENT_MESSAGES);
  const server = await startDingread(options.store, ['--retention-days', '30']);
  const client = new Client(server.url);
  const errorSamples: string[] = [];
  let errors = 0;
  const mix = { sends: 0, readBatches: 0, queries: 0 };
  const counted = <T>(kind: keyof typeof mix, outcome: T | undefined): T | undefined => {
    if (outcome !== undefined) mix[kind]++;
    return outcome;
  };
  /**
   * One mixed operation: 30% sends, 30% batches of reads, 40% queries. A read batch needs a
   * message with no reads yet and a query one with reads: until there are some, a send (or a
   * read batch) goes in their place.
   */
  const sendOne = async (): Promise<Outcome | undefined> => counted('sends', await send(client, ledger, random));
  const operation = async (): Promise<Outcome | undefined> => {
    const pick = random();
    if (pick < 0.3) return sendOne();
    if (pick < 0.6) return counted('readBatches', await readBatch(client, ledger)) ?? sendOne();
    return counted('queries', await query(client, ledger, random)) ?? counted('readBatches', await readBatch(client, ledger)) ?? sendOne();
  };
  const check = (outcome: Outcome | undefined): void => {
    if (!outcome || outcome.kind === 'ack') return;
    errors++;
    if (errorSamples.length < 10) errorSamples.push(JSON.stringify(outcome).slice(0, 300));
  };
  try {
    await client.must('POST', '/_dingread/v1/fixtures', directory());
    await client.login();

    // Closed loop: as fast as `workers` callers can go.
    let calibrating = true;
    let done = 0;
    const calibrateStart = performance.now();
    await Promise.all(
      Array.from({ length: options.workers }, async () => {
        while (calibrating) {
          check(await operation());
          done++;
          if (performance.now() - calibrateStart > options.calibrateS * 1000) calibrating = false;
        }
      }),
    );
    const maxOps = done / ((performance.now() - calibrateStart) / 1000);
    const target = maxOps * options.load;
    options.log?.(`maximum ${maxOps.toFixed(0)} ops/s; offering ${target.toFixed(0)} ops/s for ${options.durationS} s`);

    // Open loop: operations start on a schedule, whatever the answers do.
    const latencies: number[][] = [];
    const driverLag: Array<{ p99: number; max: number }> = [];
    const inFlightBound = Math.max(100, Math.ceil(target * options.backlogS));
    let peakInFlight = 0;
    const lag = monitorEventLoopDelay({ resolution: 10 });
    const lagSoFar = (): { p99: number; max: number } => ({ p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 });
    let operations = 0;
    let inFlight = 0;
    let rssAfterWarmup = 0;
    const started = performance.now();
    const totalMs = (options.warmupS + options.durationS) * 1000;
    const pending = new Set<Promise<void>>();
    let owed = 0;
    let last = started;
    while (performance.now() - started < totalMs) {
      const now = performance.now();
      owed += ((now - last) / 1000) * target;
      last = now;
      const elapsed = now - started;
      if (rssAfterWarmup === 0 && elapsed >= options.warmupS * 1000) rssAfterWarmup = server.rssMiB();
      const window = elapsed < options.warmupS * 1000 ? -1 : Math.floor((elapsed - options.warmupS * 1000) / (options.windowS * 1000));
      if (window >= 0 && driverLag[window] === undefined) {
        // A new window: the delay measured so far belongs to the one before.
        if (window > 0) driverLag[window - 1] = lagSoFar();
        driverLag[window] = { p99: 0, max: 0 };
        lag.reset();
        lag.enable();
      }
      while (owed >= 1) {
        owed--;
        if (inFlight >= inFlightBound) {
          errors++;
          if (errorSamples.length < 10) errorSamples.push(`${inFlight} calls in flight (${options.backlogS} s of load): the server fell behind`);
          continue;
        }
        inFlight++;
        if (inFlight > peakInFlight) peakInFlight = inFlight;
        operations++;
        const t0 = performance.now();
        const task = operation().then((outcome) => {
          check(outcome);
          inFlight--;
          if (window >= 0) (latencies[window] ??= []).push(performance.now() - t0);
        });
        pending.add(task);
        void task.finally(() => pending.delete(task));
      }
      await sleep(10);
    }
    await Promise.all(pending);
    lag.disable();
    if (driverLag.length > 0) driverLag[driverLag.length - 1] = lagSoFar();
    const elapsedS = (performance.now() - started) / 1000;
    const rssEnd = server.rssMiB();
    // A window cut short at the end holds too few samples to judge.
    const windows: WindowStats[] = [];
    latencies.forEach((samples, index) => {
      if (samples.length < Math.max(50, target * options.windowS * 0.5)) return;
      const sorted = [...samples].sort((a, b) => a - b);
      windows.push({
        operations: samples.length,
        p50Ms: round1(quantile(sorted, 0.5)),
        p99Ms: round1(quantile(sorted, 0.99)),
        maxMs: round1(sorted[sorted.length - 1] as number),
        driverLagP99Ms: round1(driverLag[index]?.p99 ?? 0),
        driverLagMaxMs: round1(driverLag[index]?.max ?? 0),
      });
    });
    const windowP99Ms = windows.map((window) => window.p99Ms);
    const problems: string[] = [];
    if (errors > 0) problems.push(`${errors} errors: ${errorSamples.join('; ')}`);
    const trend = p99Trend(windowP99Ms);
    if (!trend) problems.push('no complete window after warm-up');
    else if (trend.last > trend.first * options.p99Factor + options.p99SlackMs) {
      problems.push(`p99 rose from ${trend.first} ms (median of the first third of the windows) to ${trend.last} ms (of the last third)`);
    }
    if (rssEnd > rssAfterWarmup * (1 + options.rssGrowth)) problems.push(`RSS grew from ${rssAfterWarmup.toFixed(1)} MiB to ${rssEnd.toFixed(1)} MiB`);
    return {
      maxOpsPerSecond: Math.round(maxOps),
      offeredOpsPerSecond: Math.round(target),
      achievedOpsPerSecond: Math.round(operations / elapsedS),
      mix,
      peakInFlight,
      inFlightBound,
      operations,
      errors,
      errorSamples,
      windowP99Ms,
      ...(trend ? { p99FirstThirdMs: trend.first, p99LastThirdMs: trend.last } : {}),
      windows,
      rssAfterWarmupMiB: Math.round(rssAfterWarmup * 10) / 10,
      rssEndMiB: Math.round(rssEnd * 10) / 10,
      problems,
    };
  } finally {
    client.close();
    await server.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'sqlite' },
      minutes: { type: 'string', default: '10' },
      load: { type: 'string', default: '0.8' },
      'calibrate-s': { type: 'string', default: '10' },
      'warmup-s': { type: 'string', default: '30' },
      'window-s': { type: 'string', default: '30' },
      workers: { type: 'string', default: '16' },
      'backlog-s': { type: 'string', default: '1' },
      postgres: { type: 'string', default: process.env['DINGREAD_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test' },
    },
  });
  // Read before the scratch store is made: a bad value stops the script with nothing to clear up.
  const numbers = {
    durationS: numberOption(values.minutes, 'minutes', { above: 0 }) * 60,
    load: numberOption(values.load, 'load', { above: 0 }),
    calibrateS: numberOption(values['calibrate-s'], 'calibrate-s', { above: 0 }),
    warmupS: numberOption(values['warmup-s'], 'warmup-s', { least: 0 }),
    windowS: numberOption(values['window-s'], 'window-s', { above: 0 }),
    workers: numberOption(values.workers, 'workers', { whole: true, least: 1 }),
    backlogS: numberOption(values['backlog-s'], 'backlog-s', { above: 0 }),
  };
  const scratch = await scratchStore(values.store === 'postgres' ? 'postgres' : 'sqlite', values.postgres);
  try {
    const report = await soakTest({
      store: scratch.spec,
      ...numbers,
      p99Factor: 2,
      p99SlackMs: 10,
      rssGrowth: 0.1,
      log: (line) => console.log(line),
    });
    console.log(JSON.stringify(report, null, 2));
    process.exitCode = report.problems.length === 0 ? 0 : 1;
  } finally {
    await scratch.remove();
  }
}

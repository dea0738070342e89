/**
 * Graceful shutdown under load: mixed traffic to a real `dingread serve`, SIGTERM at a random
 * moment while the load keeps coming, then checks that every answer was whole (a 2xx, or the 503
 * `server.shuttingDown` envelope; never a cut-off body), that connections were otherwise refused
 * or closed before any byte of an answer, that the process exited 0 within the bound, and, after a
 * restart on the same store, that every acknowledged write is there (workload.ts `verify`).
 *
 *   node dist/bench/reliability/shutdown.js --store sqlite --rounds 20
 *   options: --store postgres [--postgres URL], --workers 16, --min-ms 300 --max-ms 1500, --seed N
 * The test suite's short version strikes after a number of acknowledged writes instead of a time.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { numberOption } from '../options.js';
import { startDingread } from '../processes.js';
import { scratchStore } from './crash.js';
import { awaitStrike, Client, directory, Ledger, query, randomFrom, readBatch, send, verify, type Outcome, type StrikePoint } from './workload.js';

export interface ShutdownOptions {
  store: string;
  rounds: number;
  workers: number;
  /** When each SIGTERM comes (workload.ts StrikePoint). */
  strike: StrikePoint;
  seed: number;
  /** The longest SIGTERM-to-exit allowed. */
  exitBoundMs: number;
  log?: (line: string) => void;
}

export interface ShutdownReport {
  rounds: number;
  acknowledged: number;
  refusedWithEnvelope: number;
  /** Connections refused or closed before any byte of an answer, by reason. */
  notAnswered: Record<string, number>;
  slowestExitMs: number;
  problems: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Failures that happen before any byte of an answer: the request was refused, not half-answered. */
const CLEAN_REFUSALS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'socket hang up']);

export async function shutdownTest(options: ShutdownOptions): Promise<ShutdownReport> {
  const random = randomFrom(options.seed);
  const ledger = new Ledger();
  const report: ShutdownReport = { rounds: options.rounds, acknowledged: 0, refusedWithEnvelope: 0, notAnswered: {}, slowestExitMs: 0, problems: [] };
  let server = await startDingread(options.store);
  let client = new Client(server.url);
  await client.must('POST', '/_dingread/v1/fixtures', directory());
  try {
    for (let round = 0; round < options.rounds; round++) {
      await client.login();
      let stopped = false;
      const note = (outcome: Outcome | undefined): void => {
        if (!outcome) return;
        if (outcome.kind === 'ack') report.acknowledged++;
        else if (outcome.kind === 'error' && outcome.status === 503 && outcome.code === 'server.shuttingDown') report.refusedWithEnvelope++;
        else if (outcome.kind === 'error') report.problems.push(`round ${round + 1}: ${outcome.status} ${outcome.code}`);
        else if (CLEAN_REFUSALS.has(outcome.reason)) report.notAnswered[outcome.reason] = (report.notAnswered[outcome.reason] ?? 0) + 1;
        else report.problems.push(`round ${round + 1}: ${outcome.reason}`);
      };
      const worker = async (): Promise<void> => {
        while (!stopped) {
          const pick = random();
          if (pick < 0.4) note(await send(client, ledger, random));
          else if (pick < 0.7) note((await readBatch(client, ledger)) ?? (await send(client, ledger, random)));
          else note((await query(client, ledger, random)) ?? (await send(client, ledger, random)));
        }
      };
      const workers = Array.from({ length: options.workers }, worker);
      await awaitStrike(options.strike, ledger, random);
      const signalled = Date.now();
      process.kill(server.pid, 'SIGTERM');
      const { code, signal } = await server.exited;
      const exitMs = Date.now() - signalled;
      report.slowestExitMs = Math.max(report.slowestExitMs, exitMs);
      // The load keeps coming for a moment after the exit: those calls must be refused cleanly.
      await sleep(100);
      stopped = true;
      await Promise.all(workers);
      client.close();
      if (code !== 0) report.problems.push(`round ${round + 1}: exited with ${code ?? signal}: ${server.stderr()}`);
      if (exitMs > options.exitBoundMs) report.problems.push(`round ${round + 1}: took ${exitMs} ms to exit`);
      server = await startDingread(options.store);
      client = new Client(server.url);
      const result = await verify(client, ledger);
      for (const problem of result.problems) report.problems.push(`round ${round + 1}: ${problem}`);
      ledger.failures = [];
      options.log?.(`round ${round + 1}/${options.rounds}: exit in ${exitMs} ms; ${JSON.stringify({ ...report, problems: report.problems.length })}`);
      if (report.problems.length > 0) break;
    }
  } finally {
    client.close();
    await server.stop();
  }
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'sqlite' },
      rounds: { type: 'string', default: '20' },
      workers: { type: 'string', default: '16' },
      'min-ms': { type: 'string', default: '300' },
      'max-ms': { type: 'string', default: '1500' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      postgres: { type: 'string', default: process.env['DINGREAD_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test' },
    },
  });
  // Read before the scratch store is made: a bad value stops the script with nothing to clear up.
  const numbers = {
    rounds: numberOption(values.rounds, 'rounds', { whole: true, least: 1 }),
    workers: numberOption(values.workers, 'workers', { whole: true, least: 1 }),
    strike: { afterMs: { min: numberOption(values['min-ms'], 'min-ms', { least: 0 }), max: numberOption(values['max-ms'], 'max-ms', { least: 0 }) } },
    seed: numberOption(values.seed, 'seed', { whole: true }),
  };
  const scratch = await scratchStore(values.store === 'postgres' ? 'postgres' : 'sqlite', values.postgres);
  console.log(`shutdown test: ${values.store}, ${values.rounds} rounds, seed ${values.seed}`);
  try {
    const report = await shutdownTest({
      store: scratch.spec,
      ...numbers,
      exitBoundMs: 5_000,
      log: (line) => console.log(line),
    });
    console.log(JSON.stringify(report, null, 2));
    process.exitCode = report.problems.length === 0 ? 0 : 1;
  } finally {
    await scratch.remove();
  }
}

/**
 * Durability under `kill -9`: writes sends and reads as fast as it can to a real `dingread serve`,
 * records every acknowledged write, kills the server with SIGKILL at a random moment, restarts it
 * on the same store and checks every acknowledged write is there and nothing is half-applied
 * (workload.ts `verify`). Repeats over many kill points on one store, so later rounds check the
 * writes of every earlier one too.
 *
 *   node dist/bench/reliability/crash.js --store sqlite --kills 50
 *   node dist/bench/reliability/crash.js --store postgres --kills 50 [--postgres URL]
 *   options: --min-ms 200 --max-ms 2000 (load before each kill), --workers 8, --seed N, --sqlite-sync normal|full
 * The test suite's short version strikes after a number of acknowledged writes instead of a time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { numberOption } from '../options.js';
import { startDingread, type ServerProcess } from '../processes.js';
import { awaitStrike, Client, directory, Ledger, randomFrom, readBatch, send, verify, type StrikePoint } from './workload.js';

export interface CrashOptions {
  /** A store spec `dingread serve --store` takes. */
  store: string;
  kills: number;
  /** When each kill comes (workload.ts StrikePoint). */
  strike: StrikePoint;
  workers: number;
  seed: number;
  extraArgs?: string[];
  log?: (line: string) => void;
}

export interface CrashReport {
  kills: number;
  acknowledgedSends: number;
  acknowledgedReadBatches: number;
  acknowledgedReads: number;
  /** Writes with no answer when the server died (each checked to be whole or absent). */
  unanswered: number;
  messagesVerified: number;
  readsVerified: number;
  problems: string[];
  seconds: number;
}

async function start(store: string, extra: string[]): Promise<ServerProcess> {
  return startDingread(store, ['--retention-days', '30', ...extra]);
}

export async function crashTest(options: CrashOptions): Promise<CrashReport> {
  const started = Date.now();
  const random = randomFrom(options.seed);
  const ledger = new Ledger();
  const extra = options.extraArgs ?? [];
  let server = await start(options.store, extra);
  let client = new Client(server.url);
  await client.must('POST', '/_dingread/v1/fixtures', directory());
  let unanswered = 0;
  let messagesVerified = 0;
  let readsVerified = 0;
  const problems: string[] = [];
  try {
    for (let round = 0; round < options.kills; round++) {
      await client.login();
      let dead = false;
      const worker = async (): Promise<void> => {
        while (!dead) {
          const outcome = random() < 0.55 ? await send(client, ledger, random) : ((await readBatch(client, ledger)) ?? (await send(client, ledger, random)));
          if (outcome.kind === 'no-answer') unanswered++;
          else if (outcome.kind === 'error' && !dead) ledger.failures.push(`round ${round}: ${outcome.status} ${outcome.code}`);
        }
      };
      const workers = Array.from({ length: options.workers }, worker);
      await awaitStrike(options.strike, ledger, random);
      process.kill(server.pid, 'SIGKILL');
      dead = true;
      await server.exited;
      await Promise.all(workers);
      client.close();
      server = await start(options.store, extra);
      client = new Client(server.url);
      const result = await verify(client, ledger);
      messagesVerified = result.messages;
      readsVerified = result.reads;
      for (const problem of result.problems) problems.push(`kill ${round + 1}: ${problem}`);
      ledger.failures = [];
      options.log?.(
        `kill ${round + 1}/${options.kills}: ${ledger.sends.length} sends and ${ledger.readBatches.length} read batches acknowledged so far, ` +
          `${result.messages} messages in the store, ${result.problems.length} problems`,
      );
      if (problems.length > 0) break;
    }
  } finally {
    client.close();
    await server.stop();
  }
  return {
    kills: options.kills,
    acknowledgedSends: ledger.sends.length,
    acknowledgedReadBatches: ledger.readBatches.length,
    acknowledgedReads: ledger.readBatches.reduce((sum, batch) => sum + batch.recipients.length, 0),
    unanswered,
    messagesVerified,
    readsVerified,
    problems,
    seconds: (Date.now() - started) / 1000,
  };
}

/** A fresh store of that kind for a run, and how to remove it. */
export async function scratchStore(kind: 'sqlite' | 'postgres', postgresUrl: string): Promise<{ spec: string; remove(): Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'dingread-rel-'));
    return { spec: `sqlite:${join(dir, 'dingread.db')}`, remove: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `dingread_rel_${process.pid}_${Date.now().toString(36)}`;
  const url = new URL(postgresUrl);
  url.searchParams.set('schema', schema);
  return {
    spec: url.toString(),
    async remove() {
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'sqlite' },
      kills: { type: 'string', default: '50' },
      'min-ms': { type: 'string', default: '200' },
      'max-ms': { type: 'string', default: '2000' },
      workers: { type: 'string', default: '8' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      postgres: { type: 'string', default: process.env['DINGREAD_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test' },
      'sqlite-sync': { type: 'string', default: 'normal' },
    },
  });
  const kind = values.store === 'postgres' ? 'postgres' : 'sqlite';
  // Read before the scratch store is made: a bad value stops the script with nothing to clear up.
  const numbers = {
    kills: numberOption(values.kills, 'kills', { whole: true, least: 1 }),
    strike: { afterMs: { min: numberOption(values['min-ms'], 'min-ms', { least: 0 }), max: numberOption(values['max-ms'], 'max-ms', { least: 0 }) } },
    workers: numberOption(values.workers, 'workers', { whole: true, least: 1 }),
    seed: numberOption(values.seed, 'seed', { whole: true }),
  };
  const scratch = await scratchStore(kind, values.postgres);
  console.log(`crash test: ${kind}, ${values.kills} kill points, seed ${values.seed}`);
  try {
    const report = await crashTest({
      store: scratch.spec,
      ...numbers,
      extraArgs: ['--sqlite-sync', values['sqlite-sync']],
      log: (line) => console.log(line),
    });
    console.log(JSON.stringify(report, null, 2));
    process.exitCode = report.problems.length === 0 ? 0 : 1;
  } finally {
    await scratch.remove();
  }
}

/**
 * `npm run bench`: every scenario on every store, each beside a bare node:http baseline serving the
 * same bytes, the query scenarios beside the framework's floor too: all of a scenario's servers
 * alive together, each warmed up, then measured in turns (turns.ts), round after round, every
 * other round in reverse order, so that other work on the shared machine meets them alike. A row's
 * CPU ratios are the medians of the rounds' ratios. The DingTalk API scenarios are measured beside
 * a Prism mock too, on its own after the rounds; then cold starts. The report (report.ts) goes to
 * BENCHMARKS.md, keeping the notes at its end.
 *
 * Options: --quick (3 s runs), --duration S, --warmup S, --rounds N (default: the duration in
 * rounds of about 2 s, at least 3), --connections N, --stores memory,sqlite,postgres
 * (postgres: a fresh schema a scenario on --postgres URL, dropped after it),
 * --only id1,id2 (scenario ids from scenarios.ts, and cold-start), --no-prism,
 * --out FILE (default BENCHMARKS.md), --no-write (print the report instead), --help.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describePlacement, pinLoadGenerator, placeOnCores, releaseLoadGenerator } from './cores.js';
import { bareNodeStart, coldStart, makeLargeSqliteFile } from './cold-start.js';
import { measure, sendOnce, type LoadResult, type LoadSpec, type Stretch } from './load.js';
import { numberOption } from './options.js';
import { ensurePrism, isDingTalkPath, PRISM_VERSION, prismDocument } from './prism.js';
import { runServersOn, startBaseline, startDingread, startFrameworkFloor, startPrism, type ServerProcess } from './processes.js';
import { buildReport, fmt, notesStart, type ColdStart, type MeasuredRow, type PrismMeasurement } from './report.js';
import { scratchStore } from './reliability/crash.js';
import { repeatedRequests, SCENARIOS, type Scenario } from './scenarios.js';
import { combineRounds, cpuRatios, measureInTurns, medianCpuRatio, medianIndex, splitIntoRounds } from './turns.js';

const OPTIONS = {
  help: { type: 'boolean', default: false },
  quick: { type: 'boolean', default: false },
  warmup: { type: 'string' },
  duration: { type: 'string' },
  rounds: { type: 'string' },
  connections: { type: 'string', default: '50' },
  stores: { type: 'string', default: 'memory,sqlite' },
  only: { type: 'string' },
  'no-prism': { type: 'boolean', default: false },
  'floor-runs': { type: 'string', default: '3' },
  out: { type: 'string', default: 'BENCHMARKS.md' },
  'no-write': { type: 'boolean', default: false },
  postgres: { type: 'string', default: process.env['DINGREAD_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test' },
} as const;

const USAGE = `usage: npm run bench -- [options]
  --quick                 3 s runs after 2 s of warm-up (default 10 s after 5 s)
  --duration S, --warmup S, --connections N (default 50)
  --rounds N              measured rounds the duration is split into (default: rounds of about 2 s, at least 3)
  --stores LIST           memory,sqlite,postgres (default memory,sqlite)
  --postgres URL          where postgres scenarios make their scratch schemas
  --only LIST             scenario ids, and cold-start: ${SCENARIOS.map((s) => s.id).join(', ')}
  --no-prism              leave out the Prism mock
  --floor-runs N          times each row measured against the floor is measured, fresh processes each time (default 3)
  --out FILE              where the report goes (default BENCHMARKS.md); --no-write prints it
`;

const { values } = (() => {
  try {
    return parseArgs({ options: OPTIONS });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
})();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const durationSec = values.duration === undefined ? (values.quick ? 3 : 10) : numberOption(values.duration, 'duration', { above: 0 });
// JIT compilation takes a few thousand requests to settle (the first 5,000 cost about three times
// the next): shorter warm-ups measure the compiler, not the server.
const warmupSec = values.warmup === undefined ? (values.quick ? 2 : 5) : numberOption(values.warmup, 'warmup', { least: 0 });
const connections = numberOption(values.connections as string, 'connections', { whole: true, least: 1 });
// Each round measures every server of a scenario once for `roundSec` (turns.ts).
const split = (() => {
  try {
    return splitIntoRounds(durationSec, values.rounds === undefined ? undefined : numberOption(values.rounds, 'rounds', { whole: true, least: 1 }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
})();
// How many times a row measured against the floor is measured, each time with fresh processes (runScenario).
const floorRuns = numberOption(values['floor-runs'] as string, 'floor-runs', { whole: true, least: 1 });
const stores = (values.stores as string).split(',');
const only = values.only?.split(',');

/** A fresh store for one scenario, and how to remove it (a PostgreSQL schema is dropped). */
async function freshStore(store: string, dir: string, id: string): Promise<{ spec: string; remove(): Promise<void> }> {
  if (store === 'postgres') return scratchStore('postgres', values.postgres as string);
  const spec = store === 'memory' ? 'memory' : store === 'sqlite' ? `sqlite:${join(dir, `${id}.db`)}` : store;
  return { spec, remove: async () => undefined };
}

/**
 * Prism for the run: installed, and given the document of the first DingTalk API scenario's
 * dingread server, when that scenario comes; or why it is left out.
 */
let prism: { cli: string; document: string } | { reason: string } | undefined = values['no-prism'] ? { reason: 'skipped with --no-prism' } : undefined;
/** Whether a Prism mock has started and answered in this run. */
let prismWorked = false;

async function prismSetup(dingreadUrl: string, dir: string): Promise<{ cli: string; document: string } | undefined> {
  if (!prism) {
    process.stderr.write(`prism ${PRISM_VERSION}: `);
    const installed = await ensurePrism();
    if ('reason' in installed) prism = installed;
    else {
      try {
        const response = await fetch(`${dingreadUrl}/_dingread/openapi.json`);
        if (response.status !== 200) throw new Error(`answered ${response.status}`);
        const document = join(dir, 'prism-openapi.json');
        writeFileSync(document, JSON.stringify(prismDocument((await response.json()) as Record<string, unknown>)));
        prism = { cli: installed.cli, document };
      } catch (error) {
        prism = { reason: `dingread's OpenAPI document: ${(error as Error).message}` };
      }
    }
    process.stderr.write('reason' in prism ? `not measured (${prism.reason}); ` : 'installed; ');
  }
  return 'reason' in prism ? undefined : prism;
}

/**
 * A fresh Prism mock on the same request, as dingread and the baseline get fresh processes:
 * measured only when it answers 2xx (it validates the token header and the body).
 */
async function measurePrism(setup: { cli: string; document: string }, spec: LoadSpec): Promise<PrismMeasurement> {
  const mock = await startPrism(setup.cli, setup.document);
  try {
    const sample = await sendOnce(mock.url, spec);
    prismWorked = true;
    if (sample.status < 200 || sample.status > 299) return { status: sample.status, bytes: sample.bytes.length };
    return { status: sample.status, bytes: sample.bytes.length, result: await measure({ ...spec, url: mock.url }) };
  } finally {
    await mock.stop();
  }
}

/** One measurement of a scenario on a store, with fresh processes of every server; Prism too when `withPrism`. */
async function measureScenario(scenario: Scenario, store: string, dir: string, tag: string, withPrism: boolean): Promise<{ row: MeasuredRow; rounds: RoundsOf }> {
  const fresh = await freshStore(store, dir, tag);
  const server = await startDingread(fresh.spec).catch(async (error: unknown) => {
    await fresh.remove();
    throw error;
  });
  const others: ServerProcess[] = [];
  try {
    const prepared = await scenario.prepare(server.url);
    const spec = { ...prepared.request, url: server.url, connections, durationSec, warmupSec };
    if (Boolean(scenario.dingtalk) !== isDingTalkPath(spec.path)) throw new Error(`${scenario.id}: its dingtalk flag does not match ${spec.path}`);
    // One request by hand: its answer is what the baseline serves, and it must be a success.
    const sample = await sendOnce(server.url, spec);
    if (sample.status !== 200) throw new Error(`${scenario.id}: sample answered ${sample.status}: ${sample.bytes.toString()}`);
    const baselineServer = await startBaseline(sample.status, sample.bytes);
    others.push(baselineServer);
    const floorServer = scenario.floor ? await startFrameworkFloor(spec.method, spec.path, sample.status, sample.bytes) : undefined;
    if (floorServer) others.push(floorServer);
    // All alive together and measured in turns (turns.ts): dingread, the baseline, the floor.
    const targets = [server, baselineServer, ...(floorServer ? [floorServer] : [])].map((s) => ({ ...prepared.request, url: s.url, connections, serverPid: s.pid }));
    // Each server's varied requests sent: dingread's say whether its load outran the scenario's distinct requests.
    const sent = targets.map(() => ({ n: 0 }));
    const [dingreadRounds = [], baselineRounds = [], floorRounds] = await measureInTurns(targets, { warmupSec, rounds: split.rounds, roundSec: split.roundSec }, undefined, sent);
    const rssMiB = server.rssMiB();
    const cpuRatioToBaseline = medianCpuRatio(dingreadRounds, baselineRounds);
    const cpuRatioToFloor = floorRounds ? medianCpuRatio(dingreadRounds, floorRounds) : undefined;
    const row: MeasuredRow = {
      id: scenario.id,
      title: scenario.title,
      store,
      dingread: combineRounds(dingreadRounds),
      baseline: combineRounds(baselineRounds),
      rssMiB,
      unit: prepared.perRequest?.unit ?? 'req',
      perRequest: prepared.perRequest?.count ?? 1,
      bytes: sample.bytes.length,
      ...(floorRounds ? { floor: combineRounds(floorRounds) } : {}),
      ...(cpuRatioToBaseline === undefined ? {} : { cpuRatioToBaseline }),
      ...(cpuRatioToFloor === undefined ? {} : { cpuRatioToFloor }),
      ...(prepared.distinct !== undefined && repeatedRequests(prepared.distinct, (sent[0]?.n ?? 0) - 1) ? { repeatedAfter: prepared.distinct } : {}),
    };
    await Promise.all(others.splice(0).map((s) => s.stop()));
    // Prism after the rounds, alone: its figure is a throughput ratio only, and far from 1.
    const setup = withPrism && scenario.dingtalk ? await prismSetup(server.url, dir) : undefined;
    if (setup) {
      try {
        row.prism = await measurePrism(setup, spec);
      } catch (error) {
        const message = (error as Error).message;
        // A mock that never worked is left out of the whole run, with the reason in the report.
        if (!prismWorked) prism = { reason: `prism mock failed: ${message}` };
        process.stderr.write(`Prism not measured: ${message}; `);
      }
    }
    return { row, rounds: { dingread: dingreadRounds, baseline: baselineRounds, ...(floorRounds ? { floor: floorRounds } : {}) } };
  } finally {
    await Promise.all(others.map((s) => s.stop()));
    await server.stop();
    await fresh.remove();
  }
}

/**
 * A scenario on a store. A row measured against the floor is measured `floorRuns` times over, each
 * time with fresh processes of dingread (its own fresh store and fixture), the baseline and the
 * floor, one measurement after the other, and the row is the measurement whose CPU dingread ÷
 * floor is the median of them (the lower middle one of an even count). One process of a build can
 * run 10 to 15% slower than another of the same build for its whole life, every round alike
 * (BENCHMARKS.md, the fifteenth round), so one measurement is one draw of that spread. (The
 * processes all alive at once, in one rotation of turns, each idle three times as long between
 * its turns, cost every server more CPU a request: the group page's floor 48 µs against 36,
 * dingread 70 against 47.)
 */
async function runScenario(scenario: Scenario, store: string, dir: string): Promise<{ row: MeasuredRow; rounds: RoundsOf }> {
  const count = scenario.floor ? floorRuns : 1;
  if (count === 1) return measureScenario(scenario, store, dir, scenario.id, true);
  const measured: Array<{ row: MeasuredRow; rounds: RoundsOf }> = [];
  for (let run = 0; run < count; run++) {
    // Prism with the first only: its figure is a throughput ratio, far from 1, taken once.
    measured.push(await measureScenario(scenario, store, dir, `${scenario.id}-${run + 1}`, run === 0));
  }
  const ratios = measured.map((m) => m.row.cpuRatioToFloor ?? Number.NaN);
  const middle = medianIndex(ratios);
  const chosen = measured[middle] as { row: MeasuredRow; rounds: RoundsOf };
  const prism = measured[0]?.row.prism;
  return { row: { ...chosen.row, ...(prism ? { prism } : {}), measurements: ratios }, rounds: chosen.rounds };
}

const cpuText = (result: LoadResult): string => (result.cpuUsPerRequest === undefined ? '–' : fmt(result.cpuUsPerRequest));

/**
 * A median CPU ratio and the rounds' own, so that the progress line shows how far they spread, and
 * how many rounds had none (a server that answered nothing in its turn, starved by other work).
 */
function ratioText(ratio: number | undefined, rounds: number[]): string {
  const missing = split.rounds - rounds.length;
  const shown = ratio === undefined ? '–' : `${fmt(ratio, 2)} (rounds ${rounds.map((r) => fmt(r, 2)).join(', ')})`;
  return missing > 0 ? `${shown} [${missing} of ${split.rounds} rounds without a CPU figure]` : shown;
}

/** One scenario's rounds, each server's, for the progress line. */
interface RoundsOf {
  dingread: Stretch[];
  baseline: Stretch[];
  floor?: Stretch[];
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${fmt(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dingread-bench-'));
  const rows: MeasuredRow[] = [];
  const cold: ColdStart[] = [];
  // Every server measured below (dingread, the baseline, the floor, Prism) on one CPU, the load
  // generator on another: each server is measured alike, and neither takes the other's core.
  const placement = placeOnCores();
  process.stderr.write(`${describePlacement(placement)}\n`);
  try {
    if ('server' in placement) runServersOn(placement.server);
    pinLoadGenerator(placement);
    for (const scenario of SCENARIOS) {
      if (only && !only.includes(scenario.id)) continue;
      for (const store of stores) {
        process.stderr.write(`${scenario.id} [${store}] … `);
        const { row, rounds } = await runScenario(scenario, store, dir);
        rows.push(row);
        const prismResult = row.prism?.result;
        process.stderr.write(
          `${fmt(row.dingread.rps * row.perRequest)} ${row.unit}/s, baseline ${fmt(row.baseline.rps * row.perRequest)}, ` +
            `ratio ${fmt(row.dingread.rps / row.baseline.rps, 2)}; CPU µs/req dingread ${cpuText(row.dingread)}, baseline ${cpuText(row.baseline)}, ` +
            `dingread ÷ baseline ${ratioText(row.cpuRatioToBaseline, cpuRatios(rounds.dingread, rounds.baseline))}` +
            (row.floor && rounds.floor
              ? `; framework floor ratio ${fmt(row.floor.rps / row.baseline.rps, 2)}; CPU floor ${cpuText(row.floor)}, ` +
                `dingread ÷ floor ${ratioText(row.cpuRatioToFloor, cpuRatios(rounds.dingread, rounds.floor))}`
              : '') +
            (row.measurements ? ` (the median of ${row.measurements.length} measurements: ${row.measurements.map((r) => fmt(r, 2)).join(', ')})` : '') +
            (prismResult ? `; Prism ${fmt(prismResult.rps)}, ratio ${fmt(row.dingread.rps / prismResult.rps, 2)}` : '') +
            (row.prism && !prismResult ? `; Prism answered ${row.prism.status}` : '') +
            (row.repeatedAfter === undefined ? '' : `; REPEATED its requests after the first ${fmt(row.repeatedAfter)}: not what the scenario measures, judged by no target`) +
            '\n',
        );
      }
    }
    // A cold start is Node's and dingread's own start, on every core as users run it.
    releaseLoadGenerator(placement);
    runServersOn(undefined);
    if (!only || only.includes('cold-start')) {
      cold.push({ what: 'bare `node -e 0`, for reference', ms: await bareNodeStart(5) });
      cold.push({ what: 'memory', ms: await coldStart('memory', 5) });
      if (stores.includes('sqlite')) {
        const file = await makeLargeSqliteFile(join(dir, 'large.db'), 100 * 2 ** 20);
        const size = statSync(file).size;
        cold.push({ what: `sqlite, ${fmt(size / 2 ** 20)} MiB file`, ms: await coldStart(`sqlite:${file}`, 5) });
      }
      for (const c of cold) process.stderr.write(`cold start ${c.what}: ${c.ms.map((m) => fmt(m)).join(', ')} ms\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const out = values.out as string;
  const existing = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
  if (existing !== undefined && notesStart(existing) < 0) process.stderr.write(`${out} has no notes marker: none of it is kept\n`);
  const text = buildReport(
    {
      command,
      machine: machine(),
      durationSec,
      warmupSec,
      rounds: split.rounds,
      connections,
      cores: describePlacement(placement),
      rows,
      cold,
      shared: SCENARIOS.filter((scenario) => scenario.dingtalk).map(({ id, title }) => ({ id, title })),
      prism:
        prism === undefined
          ? { notMeasured: 'no DingTalk API scenario in this run' }
          : 'reason' in prism
            ? { notMeasured: prism.reason }
            : { version: PRISM_VERSION },
    },
    existing,
  );
  if (values['no-write']) process.stdout.write(text);
  else {
    writeFileSync(out, text);
    process.stderr.write(`wrote ${values.out}\n`);
  }
}

await main();

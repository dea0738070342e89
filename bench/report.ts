/**
 * BENCHMARKS.md from one run's measurements: the tables, the targets worked out from them, and the
 * hand-written notes of the file it replaces, kept unchanged from NOTES_MARKER on. No clock and no
 * I/O here: run.ts measures and writes, test/bench/report.test.ts checks this.
 */
import type { LoadResult } from './load.js';

/** Everything from this line on is hand-written and survives `npm run bench`. */
export const NOTES_MARKER = '<!-- notes: kept by npm run bench -->';

export interface PrismMeasurement {
  /** The status of Prism's answer to the request sent once by hand; measured only when 2xx. */
  status: number;
  /** The size of that answer (Prism invents its body from the response schema). */
  bytes: number;
  result?: LoadResult;
}

export interface MeasuredRow {
  id: string;
  title: string;
  store: string;
  dingread: LoadResult;
  baseline: LoadResult;
  /** The dingread server's resident memory after the run. */
  rssMiB: number;
  /** What one request stands for ('req', or 'reads' for 1,000 reads a request) and how many. */
  unit: string;
  perRequest: number;
  /** The size of dingread's answer, which the baseline serves too. */
  bytes: number;
  /** Prism on the same request, for a DingTalk API scenario when Prism ran. */
  prism?: PrismMeasurement;
  /** A bare Fastify route answering the same bytes (framework-floor-server.ts), for the query scenarios. */
  floor?: LoadResult;
  /**
   * dingread's CPU per request over the floor's, the median of the rounds' ratios (bench/turns.ts):
   * steadier than the ratio of the two medians, which rounds apart can each move.
   */
  cpuRatioToFloor?: number;
  /** dingread's CPU per request over the baseline's, the median of the rounds' ratios. */
  cpuRatioToBaseline?: number;
  /**
   * Set when dingread's load outran the scenario's distinct requests (scenarios.ts, `distinct`):
   * how many there were. The requests after them repeated earlier ones, so the row does not
   * measure what its title says, and no target is judged on it.
   */
  repeatedAfter?: number;
  /**
   * CPU dingread ÷ floor of each time the row was measured (run.ts `--floor-runs`), fresh
   * processes each time, in the order measured; the row's figures are the median measurement's.
   * Absent when it was measured once.
   */
  measurements?: number[];
}

export interface ColdStart {
  what: string;
  ms: number[];
}

export interface BenchRun {
  command: string;
  /** CPUs, memory, Node version and date. */
  machine: string;
  durationSec: number;
  warmupSec: number;
  /** The rounds `durationSec` was split into, each measuring every server of a scenario in turn. */
  rounds: number;
  connections: number;
  /** Where the servers and the load generator ran (cores.ts), when the run says. */
  cores?: string;
  rows: MeasuredRow[];
  cold: ColdStart[];
  /** Every scenario a Prism mock can stand in for (DingTalk API requests), measured in this run or not. */
  shared: Array<{ id: string; title: string }>;
  /** The Prism version measured, or why Prism was not. */
  prism: { version: string } | { notMeasured: string };
}

export type TargetStatus = 'met' | 'missed' | 'not measured' | 'met where measured';

export interface TargetResult {
  target: string;
  result: string;
  status: TargetStatus;
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** `dingread / baseline` server CPU per request, or a dash where it could not be read. */
function cpuCell(row: MeasuredRow): string {
  const a = row.dingread.cpuUsPerRequest;
  const b = row.baseline.cpuUsPerRequest;
  return a === undefined || b === undefined ? '–' : `${fmt(a)} / ${fmt(b)}`;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** The stores the targets are set on. */
const TARGET_STORES = ['memory', 'sqlite'];

/** The flatness comparisons: the same operation at its smallest and largest size. */
const FLATNESS = [
  {
    label: 'group send: 10 vs 10,000 members',
    small: 'group-send-10',
    large: 'group-send-10000',
    limit: 1.5,
    target: 'group send: 10,000 members within 1.5x the cost of 10',
  },
  {
    label: 'chat open: 10 vs 1,000 unread',
    small: 'open-chat-10',
    large: 'open-chat-1000',
    limit: 1.5,
    target: 'chat open: 1,000 unread within 1.5x the cost of 10',
  },
  {
    label: 'group query: 1x vs 100x history',
    small: 'group-query',
    large: 'group-query-history-100x',
    limit: 1.3,
    target: 'group query: 100x the history within 1.3x the cost of 1x',
  },
];

/** One figure a target asks for: `shown` and `ok` are absent when the run did not measure it. */
interface Check {
  label: string;
  shown?: string;
  ok?: boolean;
}

function statusOf(checks: Check[]): TargetStatus {
  if (checks.some((check) => check.ok === false)) return 'missed';
  if (checks.length > 0 && checks.every((check) => check.ok === true)) return 'met';
  // Nothing judged: nothing measured, or nothing measured as the target asks (a load that repeated its requests).
  if (checks.every((check) => check.ok === undefined)) return 'not measured';
  return 'met where measured';
}

/** `name: memory 0.07, sqlite not measured; …`, or just `not measured`. */
function describeChecks(groups: Array<{ name?: string; checks: Check[] }>): string {
  if (groups.every((group) => group.checks.every((check) => check.shown === undefined))) return 'not measured';
  return groups
    .map((group) => {
      const unmeasured = group.checks.every((check) => check.shown === undefined);
      const text = unmeasured ? 'not measured' : group.checks.map((check) => `${check.label} ${check.shown ?? 'not measured'}`).join(', ');
      return group.name ? `${group.name}: ${text}` : text;
    })
    .join('; ');
}

function target(name: string, groups: Array<{ name?: string; checks: Check[] }>): TargetResult {
  return { target: name, result: describeChecks(groups), status: statusOf(groups.flatMap((group) => group.checks)) };
}

const rowOf = (run: BenchRun, id: string, store: string): MeasuredRow | undefined =>
  run.rows.find((row) => row.id === id && row.store === store);

/** Cost of the large case over the small one: time per request, so the ratio of throughputs inverted. */
function costRatio(run: BenchRun, small: string, large: string, store: string): number | undefined {
  const a = rowOf(run, small, store);
  const b = rowOf(run, large, store);
  return a && b && !repeatedIn(run, store, small, large) ? a.dingread.rps / b.dingread.rps : undefined;
}

/** A row's throughput, or the words that say why it measures something else. */
function throughputCell(row: MeasuredRow): string {
  return `${fmt(row.dingread.rps)} req/s${repeatedNote(row)}`;
}

/** ` (repeated its requests after the first N)` for a row whose load did, else nothing. */
function repeatedNote(row: MeasuredRow): string {
  return row.repeatedAfter === undefined ? '' : ` (repeated its requests after the first ${fmt(row.repeatedAfter)})`;
}

/** How a row whose load repeated its requests shows: measured, but not what its title says. */
const REPEATED = 'not judged (its load repeated its requests)';

/** Whether any of these scenarios' rows on `store` repeated its requests (MeasuredRow.repeatedAfter). */
function repeatedIn(run: BenchRun, store: string, ...ids: string[]): boolean {
  return ids.some((id) => rowOf(run, id, store)?.repeatedAfter !== undefined);
}

function perStore(
  measure: (store: string) => number | undefined,
  ok: (value: number) => boolean,
  show: (value: number) => string,
  stores = TARGET_STORES,
  repeated: (store: string) => boolean = () => false,
): Check[] {
  return stores.map((store) => {
    if (repeated(store)) return { label: store, shown: REPEATED };
    const value = measure(store);
    return value === undefined ? { label: store } : checkOf(store, value, ok, show);
  });
}

/** The check of a figure the run measured: judged by `ok`, shown as `show` writes it, with the digits that tell near the limit. */
function checkOf(label: string, value: number, ok: (value: number) => boolean, show: (value: number) => string): Check {
  return { label, shown: besideLimit(value, show(value), ok), ok: ok(value) };
}

/**
 * A figure whose rounding lands it on the other side of its target's limit is shown with the digits
 * that tell: 0.49963 against "at least 0.5" is 0.4996, not the 0.50 that reads as met. `shown` is
 * the figure as `fmt` writes it (a non-negative number, perhaps with a unit after it, which is kept).
 */
export function besideLimit(value: number, shown: string, ok: (value: number) => boolean): string {
  const number = /^\d[\d,]*(?:\.\d+)?/.exec(shown)?.[0];
  const plain = (text: string): number => Number(text.replaceAll(',', ''));
  if (number === undefined || ok(plain(number)) === ok(value)) return shown;
  const unit = shown.slice(number.length);
  let precise = number;
  for (let digits = 1; digits <= 12 && ok(plain(precise)) !== ok(value); digits++) precise = fmt(value, digits);
  return precise + unit;
}

function prismTarget(run: BenchRun): TargetResult {
  const name = 'faster than a Prism mock on every shared scenario (memory, sqlite)';
  if ('notMeasured' in run.prism) {
    // The reason may be an error message: keep a stray | from splitting the table's cell.
    return { target: name, result: `not measured (${run.prism.notMeasured.replaceAll('|', '\\|')})`, status: 'not measured' };
  }
  const checks: Array<Check & { id: string; store: string; ratio?: number }> = [];
  for (const scenario of run.shared) {
    for (const store of TARGET_STORES) {
      const row = rowOf(run, scenario.id, store);
      const prism = row?.prism;
      const label = `${scenario.id} on ${store}`;
      if (!row || !prism) checks.push({ id: scenario.id, store, label });
      else if (!prism.result) checks.push({ id: scenario.id, store, label, shown: `Prism answered ${prism.status}` });
      else {
        const ratio = row.dingread.rps / prism.result.rps;
        checks.push({ id: scenario.id, store, ratio, ...checkOf(label, ratio, (v) => v > 1, (v) => fmt(v, 2)) });
      }
    }
  }
  const measured = checks.filter((check) => check.ratio !== undefined);
  const parts: string[] = [];
  if (measured.length) {
    const lowest = measured.reduce((a, b) => ((b.ratio as number) < (a.ratio as number) ? b : a));
    parts.push(`dingread ÷ Prism ${lowest.shown as string} at the lowest (${lowest.label}), ${measured.length} of ${checks.length} measured`);
  }
  const refused = checks.filter((check) => check.ratio === undefined && check.shown !== undefined);
  if (refused.length) parts.push(refused.map((check) => `${check.label}: ${check.shown}`).join(', '));
  const missing = run.shared.filter((scenario) => !checks.some((check) => check.id === scenario.id && check.shown !== undefined));
  if (missing.length && (measured.length || refused.length)) parts.push(`not measured: ${missing.map((scenario) => scenario.id).join(', ')}`);
  return { target: name, result: parts.length ? parts.join('; ') : 'not measured', status: statusOf(checks) };
}

/** PostgreSQL's throughput over SQLite's on the same scenario in this run: the queries, then the sends. */
const POSTGRES_AGAINST_SQLITE = [
  { id: 'group-query', least: 0.5 },
  { id: 'oto-read-status', least: 0.5 },
  { id: 'private-chat-query', least: 0.5 },
  { id: 'group-query-spread', least: 0.5 },
  { id: 'oto-read-status-spread', least: 0.5 },
  { id: 'group-send-10', least: 0.3 },
  { id: 'group-send-1000', least: 0.3 },
];

function postgresRatio(run: BenchRun, id: string): number | undefined {
  const postgres = rowOf(run, id, 'postgres');
  const sqlite = rowOf(run, id, 'sqlite');
  return postgres && sqlite ? postgres.dingread.rps / sqlite.dingread.rps : undefined;
}

/** Every target of the benchmark issue, worked out from the run's figures. */
export function computeTargets(run: BenchRun): TargetResult[] {
  const throughputRatio = (id: string) => (store: string) => {
    const row = rowOf(run, id, store);
    return row ? row.dingread.rps / row.baseline.rps : undefined;
  };
  const ingestion = (store: string): number | undefined => {
    const row = rowOf(run, 'read-ingestion', store);
    return row ? row.dingread.rps * row.perRequest : undefined;
  };
  const cold = run.cold.find((c) => c.what === 'memory');
  const ratio = (value: number): string => fmt(value, 2);
  return [
    target('group query and readStatus (scenarios 1, 2) at ≥ 0.5 of the baseline', [
      { name: 'group query', checks: perStore(throughputRatio('group-query'), (v) => v >= 0.5, ratio) },
      { name: 'readStatus', checks: perStore(throughputRatio('oto-read-status'), (v) => v >= 0.5, ratio) },
    ]),
    // CPU, not throughput: the two share the machine's cores with the load generator, and a
    // round's ratio of CPU per request cancels what disturbs both (bench/turns.ts).
    target("hot path: CPU per request ≤ 1.3x the framework's floor (group query, readStatus)", [
      { name: 'group query', checks: perStore((store) => rowOf(run, 'group-query', store)?.cpuRatioToFloor, (v) => v <= 1.3, ratio) },
      { name: 'readStatus', checks: perStore((store) => rowOf(run, 'oto-read-status', store)?.cpuRatioToFloor, (v) => v <= 1.3, ratio) },
    ]),
    ...FLATNESS.map((flat) =>
      target(flat.target, [
        {
          checks: perStore(
            (store) => costRatio(run, flat.small, flat.large, store),
            (v) => v <= flat.limit,
            ratio,
            TARGET_STORES,
            (store) => repeatedIn(run, store, flat.small, flat.large),
          ),
        },
      ]),
    ),
    target('read ingestion ≥ 100,000 reads/s on SQLite', [
      { checks: perStore(ingestion, (v) => v >= 100_000, (v) => `${fmt(v)} reads/s`, ['sqlite'], (store) => repeatedIn(run, store, 'read-ingestion')) },
    ]),
    target('cold start median ≤ 300 ms on the memory store', [
      { checks: [cold ? checkOf('memory', median(cold.ms), (v) => v <= 300, (v) => `${fmt(v)} ms`) : { label: 'memory' }] },
    ]),
    target('PostgreSQL ÷ SQLite: queries ≥ 0.5, sends ≥ 0.3', [
      {
        checks: POSTGRES_AGAINST_SQLITE.map(({ id, least }) => {
          const value = postgresRatio(run, id);
          return value === undefined ? { label: id } : checkOf(id, value, (v) => v >= least, ratio);
        }),
      },
    ]),
    prismTarget(run),
  ];
}

/** Where the notes of `existing` start: the first line that is NOTES_MARKER, or -1. */
export function notesStart(existing: string): number {
  for (let at = existing.indexOf(NOTES_MARKER); at >= 0; at = existing.indexOf(NOTES_MARKER, at + 1)) {
    if (at === 0 || existing[at - 1] === '\n') return at;
  }
  return -1;
}

/** The hand-written part of `existing`, from the marker to the end, unchanged; a bare marker when it has none. */
export function keptNotes(existing: string | undefined): string {
  const at = existing === undefined ? -1 : notesStart(existing);
  return existing !== undefined && at >= 0 ? existing.slice(at) : `${NOTES_MARKER}\n`;
}

/** Seconds as `2` or `1.5`. */
const seconds = (value: number): string => fmt(value, Number.isInteger(value) ? 0 : 1);

const perSecond = (unit: string): string => (unit === 'req' ? 'req/s' : `${unit}/s`);

const cpuOf = (result: LoadResult): string => (result.cpuUsPerRequest === undefined ? '–' : fmt(result.cpuUsPerRequest));
const systemOf = (result: LoadResult): string => (result.systemUsPerRequest === undefined ? '–' : fmt(result.systemUsPerRequest));

/** A CPU ratio carried by a row, or a dash where the run could not read it. */
const ratioOf = (ratio: number | undefined): string => (ratio === undefined ? '–' : fmt(ratio, 2));

/** Each row's measurements (MeasuredRow.measurements), when a row was measured more than once. */
function measurementsNote(rows: MeasuredRow[]): string[] {
  const repeated = rows.filter((row) => row.measurements !== undefined && row.measurements.length > 1);
  if (repeated.length === 0) return [];
  const counts = [...new Set(repeated.map((row) => (row.measurements as number[]).length))];
  return [
    `Each of these rows was measured ${counts.join(' or ')} times, one after the other, each time with fresh processes of dingread (its`,
    'own fresh store and fixture), the floor and the baseline; a row shows the measurement whose CPU dingread ÷ floor is',
    'the median (the lower middle one of an even count). One process of a build can run 10 to 15% slower than another of',
    'the same build for its whole life, every round alike: one measurement is one draw of that spread. CPU dingread ÷ floor',
    `of each measurement, in order: ${repeated.map((row) => `${row.id} on ${row.store} ${(row.measurements as number[]).map((r) => ratioOf(Number.isNaN(r) ? undefined : r)).join(', ')}`).join('; ')}.`,
  ];
}

/** dingread, the bare Fastify route and the bare node:http server on the same request. */
function floorSection(run: BenchRun, lines: string[]): void {
  const rows = run.rows.filter((row) => row.floor !== undefined);
  if (rows.length === 0) return;
  lines.push(
    '',
    "## The framework's floor",
    '',
    'For the query scenarios, a third server in the same run: a bare Fastify route (`bench/framework-floor-server.ts`,',
    'the Fastify dingread runs on) at the same method and path, answering dingread\'s answer, serialized again for every',
    'request as dingread serializes its own. No hooks, no token, no request check, no store: what any Fastify service pays',
    'for this request and this answer. **floor ÷ baseline** is the most dingread could reach on this framework;',
    '**dingread ÷ floor** is the share of it dingread keeps while doing its own work; **CPU dingread ÷ floor**, dingread\'s',
    'CPU per request over the floor\'s in the same round, the median of the rounds, says how much dingread\'s own work adds',
    'to the framework\'s. **of it system** is the part of each CPU figure spent in the kernel (mostly the socket\'s work and',
    'waking the load generator, which a slower server more often finds asleep; a store\'s file calls too, where it makes any).',
    ...measurementsNote(rows),
    '',
  );
  lines.push(
    '| scenario | store | dingread | floor | baseline | dingread ÷ baseline | floor ÷ baseline | dingread ÷ floor | CPU µs/req (dingread / floor / baseline) | of it system | CPU dingread ÷ floor |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const floor = row.floor as LoadResult;
    lines.push(
      `| ${row.title} | ${row.store} | ${fmt(row.dingread.rps)} req/s | ${fmt(floor.rps)} req/s | ${fmt(row.baseline.rps)} req/s | ` +
        `${fmt(row.dingread.rps / row.baseline.rps, 2)} | ${fmt(floor.rps / row.baseline.rps, 2)} | ${fmt(row.dingread.rps / floor.rps, 2)} | ` +
        `${cpuOf(row.dingread)} / ${cpuOf(floor)} / ${cpuOf(row.baseline)} | ${systemOf(row.dingread)} / ${systemOf(floor)} / ${systemOf(row.baseline)} | ` +
        `${ratioOf(row.cpuRatioToFloor)} |`,
    );
  }
}

function prismSection(run: BenchRun, lines: string[]): void {
  lines.push('', '## Against a Prism mock', '');
  if ('notMeasured' in run.prism) {
    lines.push(`Prism: not measured (${run.prism.notMeasured}).`);
    return;
  }
  lines.push(
    `Prism ${run.prism.version} (\`@stoplight/prism-cli\`), what one would otherwise stand in for DingTalk with: \`prism mock\`, a fresh`,
    'process for each row as dingread gets, on 127.0.0.1, static examples (`--dynamic false`), `--errors false`, logging errors',
    'only (`dingread serve` does not log requests either), serving dingread\'s own OpenAPI document (`GET /_dingread/openapi.json`)',
    'cut down to the DingTalk routes (oauth2, /v1.0/robot/*) at bench time. It gets the same request (the token header and the',
    'body, which it validates) with the same load settings, measured on its own after the rounds. Its answers are not dingread\'s bytes: it',
    'invents a body from the response schema (placeholder strings, one item per array), hence the two sizes under **bytes**.',
    '**ratio** = dingread ÷ Prism; above 1, dingread is faster.',
    '',
  );
  lines.push('| scenario | store | dingread | Prism | ratio | Prism p50 ms | Prism p99 ms | bytes (dingread / Prism) | Prism errors |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  const shared = new Set(run.shared.map((scenario) => scenario.id));
  for (const row of run.rows.filter((r) => shared.has(r.id))) {
    const unit = perSecond(row.unit);
    const ours = `${fmt(row.dingread.rps * row.perRequest)} ${unit}`;
    const prism = row.prism;
    if (!prism) lines.push(`| ${row.title} | ${row.store} | ${ours} | not measured | | | | ${fmt(row.bytes)} / – | |`);
    else if (!prism.result) {
      lines.push(`| ${row.title} | ${row.store} | ${ours} | answered ${prism.status}, not measured | | | | ${fmt(row.bytes)} / ${fmt(prism.bytes)} | |`);
    } else {
      const r = prism.result;
      lines.push(
        `| ${row.title} | ${row.store} | ${ours} | ${fmt(r.rps * row.perRequest)} ${unit} | ${fmt(row.dingread.rps / r.rps, 2)} | ` +
          `${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(row.bytes)} / ${fmt(prism.bytes)} | ${r.errors + r.non2xx} |`,
      );
    }
  }
}

/** The whole file: the generated report, then the notes kept from `existing` (the file it replaces). */
export function buildReport(run: BenchRun, existing?: string): string {
  const lines: string[] = [];
  lines.push('# Benchmarks', '');
  lines.push(
    'Written by `npm run bench` (bench/README.md), which rewrites everything above the notes at the end and keeps the',
    'notes as they are. Servers and load generator share the machine, so the **ratios**, each between two servers',
    'measured in the same run, say more than the absolute figures.',
    '',
  );
  lines.push(`Command: \`${run.command}\``, '');
  lines.push(`Machine: ${run.machine}.`, '');
  lines.push(
    `Each scenario runs against a fresh \`dingread serve\` process (throttling off), alive together with a **baseline**, a bare`,
    '`node:http` server in its own process answering every request with the exact status and bytes dingread gave (and, for the',
    "query scenarios, the framework's floor below). Each server gets " + `${run.warmupSec} s of warm-up, then ${run.durationSec} s measured with`,
    `${run.connections} keep-alive connections (autocannon) in ${run.rounds} rounds of ${seconds(run.durationSec / run.rounds)} s: every round measures each server once, in`,
    'turn (after a short unmeasured start), every other round in reverse order, so that other work on the machine meets all',
    'of them alike. Throughput is the requests over all the measured seconds; p50, p99 and CPU µs/req are the medians of',
    "the rounds. **ratio** = dingread ÷ baseline. RSS is dingread's after the rounds.",
    "**CPU µs/req** is each server process's CPU time (user + system) per request during the measurement, dingread /",
    'baseline: it moves less than throughput when other work shares the machine.',
    ...(run.cores === undefined ? [] : [`Placement: ${run.cores}.`]),
    '',
  );
  lines.push('| scenario | store | dingread | baseline | ratio | CPU µs/req | p50 ms | p99 ms | RSS MiB | errors |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of run.rows) {
    const unit = perSecond(row.unit);
    lines.push(
      `| ${row.title}${repeatedNote(row)} | ${row.store} | ${fmt(row.dingread.rps * row.perRequest)} ${unit} | ` +
        `${fmt(row.baseline.rps * row.perRequest)} ${unit} | ${fmt(row.dingread.rps / row.baseline.rps, 2)} | ${cpuCell(row)} | ` +
        `${fmt(row.dingread.p50, 1)} | ${fmt(row.dingread.p99, 1)} | ${fmt(row.rssMiB, 0)} | ${row.dingread.errors + row.dingread.non2xx} |`,
    );
  }
  floorSection(run, lines);
  lines.push('', '## Flatness', '');
  const stores = [...new Set(run.rows.map((row) => row.store))];
  const flatness: string[] = [];
  for (const flat of FLATNESS) {
    for (const store of stores) {
      const a = rowOf(run, flat.small, store);
      const b = rowOf(run, flat.large, store);
      if (!a || !b) continue;
      const ratio = costRatio(run, flat.small, flat.large, store);
      flatness.push(`| ${flat.label} | ${store} | ${throughputCell(a)} | ${throughputCell(b)} | ${ratio === undefined ? 'not measured' : fmt(ratio, 2)} |`);
    }
  }
  if (flatness.length === 0) lines.push('Not measured: this run left out one size of every comparison.');
  else lines.push('| comparison | store | smallest | largest | largest ÷ smallest cost |', '|---|---|---:|---:|---:|', ...flatness);
  if (run.cold.length) {
    lines.push(
      '',
      '## Cold start',
      '',
      'Process spawn to the first healthy answer of `/_dingread/health`, 5 runs, beside a bare',
      '`node -e 0` (spawn to exit) measured just before them: the part of a cold start that is Node itself.',
      '',
    );
    lines.push('| store | median ms | runs ms |', '|---|---:|---|');
    for (const c of run.cold) lines.push(`| ${c.what} | ${fmt(median(c.ms))} | ${c.ms.map((m) => fmt(m)).join(', ')} |`);
  }
  prismSection(run, lines);
  lines.push('', '## Against the targets', '');
  lines.push('Worked out from the figures above; "not measured" where this run left a figure out.', '');
  lines.push('| target | result | status |', '|---|---|---|');
  for (const t of computeTargets(run)) lines.push(`| ${t.target} | ${t.result} | ${t.status} |`);
  lines.push('', '');
  return lines.join('\n') + keptNotes(existing);
}

/**
 * `npm run bench`: every scenario on every store, each beside a bare node:http baseline serving the
 * same bytes in the same run, then cold starts; the table goes to BENCHMARKS.md.
 *
 * Options: --quick (3 s runs), --duration S, --connections N, --stores memory,sqlite,
 * --only id1,id2, --out FILE (default BENCHMARKS.md), --no-write.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bareNodeStart, coldStart, makeLargeSqliteFile } from './cold-start.js';
import { measure, type LoadResult } from './load.js';
import { startBaseline, startDingread } from './processes.js';
import { SCENARIOS, type Scenario } from './scenarios.js';

interface Row {
  scenario: Scenario;
  store: string;
  dingread: LoadResult;
  baseline: LoadResult;
  rssMiB: number;
  unit: string;
  perRequest: number;
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    connections: { type: 'string', default: '50' },
    stores: { type: 'string', default: 'memory,sqlite' },
    only: { type: 'string' },
    out: { type: 'string', default: 'BENCHMARKS.md' },
    'no-write': { type: 'boolean', default: false },
  },
});
const durationSec = Number(values.duration ?? (values.quick ? 3 : 10));
const warmupSec = values.quick ? 1 : 2;
const connections = Number(values.connections);
const stores = (values.stores as string).split(',');
const only = values.only?.split(',');

function storeSpec(store: string, dir: string, id: string): string {
  return store === 'memory' ? 'memory' : store === 'sqlite' ? `sqlite:${join(dir, `${id}.db`)}` : store;
}

async function runScenario(scenario: Scenario, store: string, dir: string): Promise<Row> {
  const server = await startDingread(storeSpec(store, dir, scenario.id));
  try {
    const prepared = await scenario.prepare(server.url);
    const spec = { ...prepared.request, url: server.url, connections, durationSec, warmupSec };
    // One request by hand: its answer is what the baseline serves, and it must be a success.
    const sample = await fetch(server.url + spec.path, {
      method: spec.method,
      headers: { 'content-type': 'application/json', ...spec.headers },
      ...(spec.body === undefined ? {} : { body: spec.body }),
    });
    const bytes = Buffer.from(await sample.arrayBuffer());
    if (sample.status !== 200) throw new Error(`${scenario.id}: sample answered ${sample.status}: ${bytes.toString()}`);
    const dingread = await measure(spec);
    const rssMiB = server.rssMiB();
    const baselineServer = await startBaseline(sample.status, bytes);
    try {
      const baseline = await measure({ ...spec, url: baselineServer.url });
      return {
        scenario,
        store,
        dingread,
        baseline,
        rssMiB,
        unit: prepared.perRequest?.unit ?? 'req',
        perRequest: prepared.perRequest?.count ?? 1,
      };
    } finally {
      await baselineServer.stop();
    }
  } finally {
    await server.stop();
  }
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${fmt(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

function report(rows: Row[], cold: Array<{ what: string; ms: number[] }>, command: string): string {
  const lines: string[] = [];
  lines.push('# Benchmarks', '');
  lines.push(`Command: \`${command}\``, '');
  lines.push(`Machine: ${machine()}. Server, baseline and load generator share the machine.`, '');
  lines.push(
    `Each scenario runs against a fresh \`dingread serve\` process (throttling off), ${warmupSec} s of warm-up, then`,
    `${durationSec} s with ${connections} keep-alive connections (autocannon). The **baseline** is a bare \`node:http\``,
    'server, in its own process, answering every request with the exact status and bytes dingread gave;',
    '**ratio** = dingread ÷ baseline, both measured in the same run. RSS is the server\'s after the run.',
    '',
  );
  lines.push('| scenario | store | dingread | baseline | ratio | p50 ms | p99 ms | RSS MiB | errors |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const unit = row.unit === 'req' ? 'req/s' : `${row.unit}/s`;
    const errors = row.dingread.errors + row.dingread.non2xx;
    lines.push(
      `| ${row.scenario.title} | ${row.store} | ${fmt(row.dingread.rps * row.perRequest)} ${unit} | ` +
        `${fmt(row.baseline.rps * row.perRequest)} ${unit} | ${fmt(row.dingread.rps / row.baseline.rps, 2)} | ` +
        `${fmt(row.dingread.p50, 1)} | ${fmt(row.dingread.p99, 1)} | ${fmt(row.rssMiB, 0)} | ${errors} |`,
    );
  }
  lines.push('', '## Flatness', '');
  lines.push('| comparison | store | smallest | largest | largest ÷ smallest cost |');
  lines.push('|---|---|---:|---:|---:|');
  const groups: Array<[string, string[]]> = [
    ['group send: 10 vs 10,000 members', ['group-send-10', 'group-send-10000']],
    ['chat open: 10 vs 1,000 unread', ['open-chat-10', 'open-chat-1000']],
    ['group query: 1x vs 100x history', ['group-query', 'group-query-history-100x']],
  ];
  for (const [label, [small, large]] of groups as Array<[string, [string, string]]>) {
    for (const store of stores) {
      const a = rows.find((r) => r.scenario.id === small && r.store === store);
      const b = rows.find((r) => r.scenario.id === large && r.store === store);
      if (!a || !b) continue;
      // Cost is time per request: the ratio of throughputs, inverted.
      lines.push(`| ${label} | ${store} | ${fmt(a.dingread.rps)} req/s | ${fmt(b.dingread.rps)} req/s | ${fmt(a.dingread.rps / b.dingread.rps, 2)} |`);
    }
  }
  if (cold.length) {
    lines.push(
      '',
      '## Cold start',
      '',
      'Process spawn to the first healthy answer of `/_dingread/health`, 5 runs, beside a bare',
      '`node -e 0` (spawn to exit) measured just before them: the part of a cold start that is Node itself.',
      '',
    );
    lines.push('| store | median ms | runs ms |', '|---|---:|---|');
    for (const c of cold) {
      const sorted = [...c.ms].sort((x, y) => x - y);
      lines.push(`| ${c.what} | ${fmt(sorted[Math.floor(sorted.length / 2)] as number)} | ${c.ms.map((m) => fmt(m)).join(', ')} |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dingread-bench-'));
  const rows: Row[] = [];
  const cold: Array<{ what: string; ms: number[] }> = [];
  try {
    for (const scenario of SCENARIOS) {
      if (only && !only.includes(scenario.id)) continue;
      for (const store of stores) {
        process.stderr.write(`${scenario.id} [${store}] … `);
        const row = await runScenario(scenario, store, dir);
        rows.push(row);
        process.stderr.write(
          `${fmt(row.dingread.rps * row.perRequest)} ${row.unit}/s, baseline ${fmt(row.baseline.rps * row.perRequest)}, ` +
            `ratio ${fmt(row.dingread.rps / row.baseline.rps, 2)}\n`,
        );
      }
    }
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
  const text = report(rows, cold, command);
  if (values['no-write']) process.stdout.write(text);
  else {
    writeFileSync(values.out as string, text);
    process.stderr.write(`wrote ${values.out}\n`);
  }
}

await main();

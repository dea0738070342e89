/**
 * Where a scenario's time goes: runs one benchmark scenario against a `dingread serve` started
 * with V8's CPU profiler, then prints the functions with the most self time and the share of
 * time by source area (dingread's own code, Fastify, the SQLite driver, Node internals...).
 *
 *   node dist/bench/profile.js --scenario oto-read-status --store sqlite [--seconds 10] [--top 30]
 *
 * The .cpuprofile file is kept (its path is printed) for a flame graph in any profile viewer.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describePlacement, pinLoadGenerator, placeOnCores } from './cores.js';
import { measure } from './load.js';
import { numberOption } from './options.js';
import { runServersOn, startDingread } from './processes.js';
import { scenarioById } from './scenarios.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
}

/** The area a source file belongs to, for the summary by area. */
export function areaOf(url: string): string {
  if (url === '') return '(native / idle / gc)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1] as string;
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/dist\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  if (own) return `dingread ${own[1]}`;
  return url;
}

/** Self time by function and by area, each as a share of all samples. */
export function summarise(profile: CpuProfile, top: number): string {
  const total = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    const area = areaOf(url);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
  }
  const pct = (hits: number): string => `${((hits / total) * 100).toFixed(1).padStart(5)}%`;
  const lines = ['self time by area:'];
  for (const [area, hits] of [...byArea].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(hits)}  ${area}`);
  lines.push('', `top ${top} functions by self time:`);
  for (const [name, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(hits)}  ${name}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'oto-read-status' },
      store: { type: 'string', default: 'memory' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      top: { type: 'string', default: '30' },
    },
  });
  const scenario = scenarioById(values.scenario);
  // Read before the server starts: a bad value stops the script with nothing left running.
  const connections = numberOption(values.connections, 'connections', { whole: true, least: 1 });
  const durationSec = numberOption(values.seconds, 'seconds', { above: 0 });
  const top = numberOption(values.top, 'top', { whole: true, least: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'dingread-profile-'));
  const store = values.store === 'sqlite' ? `sqlite:${join(dir, 'profile.db')}` : (values.store as string);
  // As `npm run bench` measures: the server on a core of its own, the load generator on another.
  const placement = placeOnCores();
  process.stderr.write(`${describePlacement(placement)}\n`);
  if ('server' in placement) runServersOn(placement.server);
  pinLoadGenerator(placement);
  const server = await startDingread(store, [], ['--cpu-prof', '--cpu-prof-dir', dir]);
  try {
    const prepared = await scenario.prepare(server.url);
    const result = await measure({
      ...prepared.request,
      url: server.url,
      connections,
      durationSec,
      warmupSec: 1,
    });
    process.stdout.write(`${scenario.id} [${values.store}]: ${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms, ${result.non2xx} non-2xx\n`);
  } finally {
    await server.stop();
  }
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  process.stdout.write(`${summarise(profile, top)}\n\nprofile: ${join(dir, file)}\n`);
}

await main();

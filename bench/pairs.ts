/**
 * Builds compared in turns: one scenario against a `dingread serve` of each build given (its
 * `dist/`, e.g. a copy of the build before a change and the build after it), each prepared once,
 * plus the framework's floor for the answer, then every server measured in turn, round after
 * round, so that all of them meet the same disturbance from other work on the machine. Prints each
 * server's CPU µs a request per round and their medians, and each build's dingread ÷ floor.
 *
 *   node dist/bench/pairs.js --builds dist-before,dist --scenario group-query --store memory [--rounds 8] [--seconds 2]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describePlacement, pinLoadGenerator, placeOnCores } from './cores.js';
import { measure } from './load.js';
import { runServersOn, startDingread, startFrameworkFloor, type ServerProcess } from './processes.js';
import { SCENARIOS, type Prepared } from './scenarios.js';

interface Measured {
  name: string;
  server: ServerProcess;
  request: Prepared['request'];
  cpu: number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      builds: { type: 'string', default: 'dist' },
      scenario: { type: 'string', default: 'group-query' },
      store: { type: 'string', default: 'memory' },
      rounds: { type: 'string', default: '8' },
      seconds: { type: 'string', default: '2' },
    },
  });
  const scenario = SCENARIOS.find((s) => s.id === values.scenario);
  if (!scenario) throw new Error(`no scenario ${values.scenario}; one of ${SCENARIOS.map((s) => s.id).join(', ')}`);
  const placement = placeOnCores();
  process.stderr.write(`${describePlacement(placement)}\n`);
  if ('server' in placement) runServersOn(placement.server);
  pinLoadGenerator(placement);
  const measured: Measured[] = [];
  try {
    for (const build of (values.builds as string).split(',')) {
      const store = values.store === 'sqlite' ? `sqlite:${join(mkdtempSync(join(tmpdir(), 'dingread-pairs-')), 'pairs.db')}` : (values.store as string);
      const server = await startDingread(store, [], [], resolve(build, 'src/bin.js'));
      measured.push({ name: build, server, request: (await scenario.prepare(server.url)).request, cpu: [] });
    }
    // The floor answers what the first build answers, as `run.js` has it answer dingread's answer.
    const first = measured[0] as Measured;
    const answer = await fetch(new URL(first.request.path, first.server.url), {
      method: first.request.method,
      headers: { 'content-type': 'application/json', ...first.request.headers },
      ...(first.request.body === undefined ? {} : { body: first.request.body }),
    });
    const floor = await startFrameworkFloor(first.request.method, first.request.path, answer.status, Buffer.from(await answer.arrayBuffer()));
    measured.push({ name: 'floor', server: floor, request: first.request, cpu: [] });
    for (const m of measured) await measure({ ...m.request, url: m.server.url, connections: 50, durationSec: 2, warmupSec: 0, serverPid: m.server.pid });
    for (let round = 0; round < Number(values.rounds); round++) {
      // Every other round in the reverse order, so that no server always follows the same one.
      for (const m of round % 2 ? [...measured].reverse() : measured) {
        const result = await measure({ ...m.request, url: m.server.url, connections: 50, durationSec: Number(values.seconds), warmupSec: 0.3, serverPid: m.server.pid });
        m.cpu.push(result.cpuUsPerRequest ?? Number.NaN);
      }
      process.stdout.write(`round ${round + 1}: ${measured.map((m) => `${m.name} ${(m.cpu[round] as number).toFixed(1)}`).join(', ')} µs/req\n`);
    }
    const floorCpu = (measured.at(-1) as Measured).cpu;
    for (const m of measured) {
      const ratios = m.cpu.map((cpu, i) => cpu / (floorCpu[i] as number));
      process.stdout.write(`${m.name}: median ${median(m.cpu).toFixed(1)} µs/req` + (m.name === 'floor' ? '\n' : `, ÷ floor ${median(ratios).toFixed(2)} (median of the rounds)\n`));
    }
  } finally {
    await Promise.all(measured.map((m) => m.server.stop()));
  }
}

await main();

/**
 * Builds compared in turns: one scenario against a `dingread serve` of each build given (its
 * `dist/`, e.g. a copy of the build before a change and the build after it), each prepared once,
 * plus the framework's floor for the answer, then every server measured in turn, round after
 * round (turns.ts, as `run.js` measures a scenario), so that all of them meet the same disturbance
 * from other work on the machine. Prints each server's CPU µs a request per round and their
 * medians, and each build's dingread ÷ floor (the median of the rounds' ratios).
 *
 *   node dist/bench/pairs.js --builds dist-before,dist --scenario group-query --store memory [--rounds 8] [--seconds 2] [--floor-inside]
 *
 * `--floor-inside` adds a second floor, loaded into the first build's dingread process
 * (floor-inside.ts) and measured in turns with the others: its CPU a request over the floor's own
 * says how much of dingread's gap to the floor is its process (heap, loaded code, the feedback
 * Node's functions gathered there) rather than its requests' own path.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describePlacement, pinLoadGenerator, placeOnCores } from './cores.js';
import { sendOnce } from './load.js';
import { numberOption } from './options.js';
import { runServersOn, startDingread, startDingreadWithFloorInside, startFrameworkFloor, type ServeFloor, type ServerProcess } from './processes.js';
import { scenarioById, type Prepared } from './scenarios.js';
import { measureInTurns, median, medianCpuRatio } from './turns.js';

interface Measured {
  name: string;
  server: ServerProcess;
  request: Prepared['request'];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      builds: { type: 'string', default: 'dist' },
      scenario: { type: 'string', default: 'group-query' },
      store: { type: 'string', default: 'memory' },
      rounds: { type: 'string', default: '8' },
      seconds: { type: 'string', default: '2' },
      'floor-inside': { type: 'boolean', default: false },
    },
  });
  const scenario = scenarioById(values.scenario);
  // Read before any server starts: a bad value stops the script with nothing left running.
  const roundCount = numberOption(values.rounds, 'rounds', { whole: true, least: 1 });
  const roundSec = numberOption(values.seconds, 'seconds', { above: 0 });
  const placement = placeOnCores();
  process.stderr.write(`${describePlacement(placement)}\n`);
  if ('server' in placement) runServersOn(placement.server);
  pinLoadGenerator(placement);
  const measured: Measured[] = [];
  let serveFloorInside: ServeFloor | undefined;
  try {
    for (const build of (values.builds as string).split(',')) {
      const store = values.store === 'sqlite' ? `sqlite:${join(mkdtempSync(join(tmpdir(), 'dingread-pairs-')), 'pairs.db')}` : (values.store as string);
      const bin = resolve(build, 'src/bin.js');
      let server: ServerProcess;
      if (values['floor-inside'] && measured.length === 0) {
        const started = await startDingreadWithFloorInside(store, bin);
        server = started.server;
        serveFloorInside = started.serveFloor;
      } else {
        server = await startDingread(store, [], [], bin);
      }
      measured.push({ name: build, server, request: (await scenario.prepare(server.url)).request });
    }
    // The floor answers what the first build answers, as `run.js` has it answer dingread's answer.
    const first = measured[0] as Measured;
    const answer = await sendOnce(first.server.url, first.request);
    // The first request over and over: the floor has the one route, and a scenario whose path varies
    // (the chat opens) would meet its 404 from the second chat on.
    const { vary: _varied, ...fixed } = first.request;
    if (serveFloorInside) {
      // Measured by the CPU of the process it shares with the first build, whose dingread sits idle
      // in the floor's turns; it goes with that process, so stopping it is nothing of its own.
      const url = await serveFloorInside(first.request.method, first.request.path, answer.status, answer.bytes);
      measured.push({ name: `floor inside ${first.name}`, server: { ...first.server, url, stop: () => Promise.resolve() }, request: fixed });
    }
    const floor = await startFrameworkFloor(first.request.method, first.request.path, answer.status, answer.bytes);
    measured.push({ name: 'floor', server: floor, request: fixed });
    const rounds = await measureInTurns(
      measured.map((m) => ({ ...m.request, url: m.server.url, connections: 50, serverPid: m.server.pid })),
      { warmupSec: 2, rounds: roundCount, roundSec },
      (round, results) => {
        const cpu = results.map((r, i) => `${(measured[i] as Measured).name} ${(r.cpuUsPerRequest ?? Number.NaN).toFixed(1)}`);
        process.stdout.write(`round ${round + 1}: ${cpu.join(', ')} µs/req\n`);
      },
    );
    const floorRounds = rounds.at(-1) ?? [];
    measured.forEach((m, i) => {
      const own = rounds[i] ?? [];
      const cpu = median(own.map((r) => r.cpuUsPerRequest ?? Number.NaN));
      const ratio = medianCpuRatio(own, floorRounds) ?? Number.NaN;
      process.stdout.write(`${m.name}: median ${cpu.toFixed(1)} µs/req` + (m.name === 'floor' ? '\n' : `, ÷ floor ${ratio.toFixed(2)} (median of the rounds)\n`));
    });
  } finally {
    await Promise.all(measured.map((m) => m.server.stop()));
  }
}

await main();

/**
 * Instructions per request: dingread and the framework's floor each run under valgrind's
 * callgrind, which counts every instruction the process executes (all its threads, the garbage
 * collector's and the compiler's included), and each gets the same scenario request many times
 * over. Unlike CPU time, the count hardly moves with the neighbours' load on a shared machine (runs
 * of one build agree within about 2%, most within 1%), so it shows a change of a few per cent that
 * `npm run bench`'s CPU figures cannot. Work on the machine's own cores beside it (a test suite)
 * is another matter: counts then ran 20 to 40% high. The cause is not pinned down (the load
 * generator, sharing the cores, sends the requests more spread out, and V8's background work
 * falls differently), so count on a quiet machine. It does not see what the instructions cost:
 * cache misses, the kernel's work for the socket. So `npm run bench` stays the measure of record;
 * this says how much work a change added or took away, and where.
 *
 *   node dist/bench/instructions.js --scenario group-query --store memory [--builds dist-before,dist] [--top 40]
 *     [--cache [--i1 32768,8,64] [--d1 49152,12,64] [--ll 1048576,16,64]] [--repeat 3]
 *
 * Each server is warmed up uncounted (`--warmup` requests: V8 optimises the hot path before the
 * count), then `--requests` requests from `--connections` connections are counted. `--top N` lists
 * the N functions whose own instructions per request differ most between the first build and the
 * floor, JavaScript named through V8's perf map (`--perf-basic-prof`). Needs valgrind
 * (`apt-get install valgrind`); about a minute per server.
 *
 * `--cache` adds callgrind's cache simulation, with its last level set to this machine's
 * second-level cache (per core, from /sys; where /sys does not say, valgrind's own choice, which
 * on a virtual machine can be far from any real cache, and the lines printed say which was
 * simulated): misses a request and KCachegrind's cycle estimate `instructions + 10 × first-level
 * misses + 100 × last-level misses`, for each server and against the floor. `--i1`, `--d1` and
 * `--ll` (`bytes,ways,line bytes`, as valgrind takes them) set a level's geometry by hand, for a
 * machine whose /sys does not describe its caches. With `--top`, the functions are then ranked
 * by the difference in their estimated cycles, with their misses beside: where the cost that an
 * instruction count does not see goes. It runs several times slower, and every server then
 * executes more instructions a request than without it (the work that comes with time, such as
 * timers, falls on fewer requests), so its figures compare only with each other.
 *
 * `--repeat N` counts each server N times, each on a fresh process, and reports the median run
 * (by estimated cycles with `--cache`, else by instructions), its functions with it. One count can
 * run several per cent high (one build read 10% cheaper than its twin so, in the thirteenth
 * round); three runs leave such a count out, at three times the time. Judge a change of 1 or 2%
 * with it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CACHE_EVENTS, cacheFigures, codeNames, estimatedCycles, eventTotals, medianRun, ownCosts, type CacheFigures } from './callgrind.js';
import { sendOnce } from './load.js';
import { numberOption } from './options.js';
import { FRAMEWORK_FLOOR } from './processes.js';
import { scenarioById, type Prepared } from './scenarios.js';

type ScenarioRequest = Prepared['request'];

interface Counted {
  name: string;
  perRequest: number;
  /** With `--cache`. */
  cache: CacheFigures | undefined;
  /**
   * Each function's own counts per request by event (`Ir`, and with `--cache` its misses), by name;
   * empty unless `--top` asks for them.
   */
  functions: Map<string, Map<string, number>>;
}

function usage(message: string): never {
  process.stderr.write(`instructions: ${message}\n`);
  process.exit(2);
}

/** A server under callgrind, counting nothing until asked (`callgrind_control -i on`). */
interface CountedServer {
  child: ChildProcess;
  url: string;
  dir: string;
}

/** A cache's geometry as valgrind takes it: `bytes,ways,line bytes`. */
const GEOMETRY = /^\d+,\d+,\d+$/;

/**
 * The cache simulation's options: on, each level given by hand as it is, and the last level
 * otherwise set to the core's second-level cache where /sys describes it (the level dingread's
 * larger working set spills from first).
 */
function cacheSimulation(levels: { i1: string | undefined; d1: string | undefined; ll: string | undefined }): string[] {
  const given = Object.entries({ I1: levels.i1, D1: levels.d1, LL: levels.ll }).flatMap(([level, geometry]) => (geometry === undefined ? [] : [`--${level}=${geometry}`]));
  if (levels.ll !== undefined) return ['--cache-sim=yes', ...given];
  const level2 = '/sys/devices/system/cpu/cpu0/cache/index2';
  try {
    const read = (file: string) => readFileSync(join(level2, file), 'utf8').trim();
    const size = /^(\d+)K$/.exec(read('size'));
    if (read('level') !== '2' || !size) return ['--cache-sim=yes', ...given];
    return ['--cache-sim=yes', ...given, `--LL=${Number(size[1]) * 1024},${read('ways_of_associativity')},${read('coherency_line_size')}`];
  } catch {
    return ['--cache-sim=yes', ...given];
  }
}

function startCounted(args: string[], ready: RegExp, url: (match: RegExpExecArray) => string, what: string, simulation: string[]): Promise<CountedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'dingread-instructions-'));
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', ...simulation, '--instr-atstart=no', '--dump-instr=no', `--callgrind-out-file=${dir}/callgrind.%p`, process.execPath, '--perf-basic-prof', ...args],
    // In the scratch directory: V8 writes a log file in the working directory (its perf map goes to /tmp).
    // The compile cache off: V8 refuses a cache made without --perf-basic-prof, and one made with it
    // would then be refused, and rewritten, by the next ordinary start.
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DINGREAD_QPS_LIMIT: '0', DINGREAD_COMPILE_CACHE: 'off' } },
  );
  const fail = (reject: (error: Error) => void, error: Error): void => {
    child.kill('SIGKILL');
    removeScratch(dir, child.pid);
    reject(error);
  };
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(reject, new Error(`${what}: not ready in 120 s under valgrind; ${err}`)), 120_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolvePromise({ child, url: url(match), dir });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(reject, new Error(`${what} exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** `count` requests from `connections` keep-alive connections, each expecting a 200. */
async function load(url: string, request: ScenarioRequest, count: number, connections: number): Promise<void> {
  let left = count;
  const one = async (): Promise<void> => {
    while (left-- > 0) {
      const { status } = await sendOnce(url, request);
      if (status !== 200) throw new Error(`answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: connections }, one));
}

function control(server: CountedServer, ...args: string[]): void {
  const done = spawnSync('callgrind_control', [...args, String(server.child.pid)], { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`callgrind_control ${args.join(' ')}: ${done.stderr}`);
}

/**
 * Warms up uncounted, then counts `requests` requests; the server is stopped after. Each function's
 * own count (`callgrind_annotate`, seconds a server) only when `byFunction`.
 */
async function count(
  name: string,
  server: CountedServer,
  request: ScenarioRequest,
  plan: { warmup: number; requests: number; connections: number; byFunction: boolean },
): Promise<Counted> {
  try {
    await load(server.url, request, plan.warmup, plan.connections);
    control(server, '-i', 'on');
    // Instrumenting code costs a first pass through it: a few requests before the count begins.
    await load(server.url, request, 200, plan.connections);
    control(server, '-z');
    await load(server.url, request, plan.requests, plan.connections);
    control(server, '-d');
    const dump = readdirSync(server.dir).find((file) => /^callgrind\.\d+\.1$/.test(file));
    if (!dump) throw new Error(`${name}: callgrind wrote no dump in ${server.dir}`);
    const text = readFileSync(join(server.dir, dump), 'utf8');
    const total = eventTotals(text)?.get('Ir');
    if (total === undefined) throw new Error(`${name}: no instruction total in ${dump}`);
    const cache = cacheFigures(text, plan.requests);
    const functions = plan.byFunction ? functionsOf(join(server.dir, dump), server.child.pid as number, plan.requests, cache !== undefined) : new Map<string, Map<string, number>>();
    return { name, perRequest: total / plan.requests, cache, functions };
  } finally {
    server.child.kill('SIGKILL');
    removeScratch(server.dir, server.child.pid);
  }
}

/** A server's scratch directory and the perf map V8 wrote for it. */
function removeScratch(dir: string, pid: number | undefined): void {
  rmSync(dir, { recursive: true, force: true });
  if (pid !== undefined) rmSync(`/tmp/perf-${pid}.map`, { force: true });
}

/** Each function's own counts per request (instructions, and misses when simulated), JIT code named from V8's perf map. */
function functionsOf(dump: string, pid: number, requests: number, simulated: boolean): Map<string, Map<string, number>> {
  const map = `/tmp/perf-${pid}.map`;
  let perfMap = '';
  try {
    perfMap = readFileSync(map, 'utf8');
  } catch {
    // No perf map: JavaScript stays unnamed (its addresses).
  }
  // --auto=no: no source files annotated, whose lines would read as functions.
  const show = simulated ? CACHE_EVENTS.join(',') : 'Ir';
  const annotated = spawnSync('callgrind_annotate', ['--threshold=100', '--auto=no', `--show=${show}`, dump], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (annotated.status !== 0) throw new Error(`callgrind_annotate: ${annotated.stderr || annotated.error?.message}`);
  return ownCosts(annotated.stdout, codeNames(perfMap), requests);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'group-query' },
      store: { type: 'string', default: 'memory' },
      builds: { type: 'string', default: 'dist' },
      warmup: { type: 'string', default: '60000' },
      requests: { type: 'string', default: '3000' },
      connections: { type: 'string', default: '8' },
      top: { type: 'string', default: '0' },
      repeat: { type: 'string', default: '1' },
      cache: { type: 'boolean', default: false },
      i1: { type: 'string' },
      d1: { type: 'string' },
      ll: { type: 'string' },
    },
  });
  for (const level of ['i1', 'd1', 'll'] as const) {
    const geometry = values[level];
    if (geometry === undefined) continue;
    if (!values.cache) usage(`--${level} sets a cache of the simulation: it needs --cache`);
    if (!GEOMETRY.test(geometry)) usage(`--${level} ${geometry}: give bytes,ways,line bytes (32768,8,64)`);
  }
  const scenario = scenarioById(values.scenario);
  const top = numberOption(values.top, 'top', { whole: true, least: 0 });
  const repeat = numberOption(values.repeat, 'repeat', { whole: true, least: 1 });
  const plan = {
    warmup: numberOption(values.warmup, 'warmup', { whole: true, least: 0 }),
    requests: numberOption(values.requests, 'requests', { whole: true, least: 1 }),
    connections: numberOption(values.connections, 'connections', { whole: true, least: 1 }),
    byFunction: top > 0,
  };
  if (spawnSync('valgrind', ['--version']).status !== 0) usage('needs valgrind (apt-get install valgrind)');
  const simulation = values.cache ? cacheSimulation({ i1: values.i1, d1: values.d1, ll: values.ll }) : [];
  if (values.cache) process.stdout.write(`cache simulation: ${simulation.join(' ')}\n`);
  const report = (c: Counted): void => {
    process.stdout.write(`${c.name}: ${Math.round(c.perRequest)} instructions a request\n`);
    if (c.cache) {
      const { firstLevelMisses, lastLevelMisses, estimatedCycles, lastLevel } = c.cache;
      process.stdout.write(
        `${c.name}: ${Math.round(firstLevelMisses)} first-level and ${Math.round(lastLevelMisses)} last-level misses a request (last level ${lastLevel ?? 'not described'}), ${Math.round(estimatedCycles)} estimated cycles\n`,
      );
    } else if (values.cache) {
      process.stdout.write(`${c.name}: no cache figures in callgrind's dump\n`);
    }
  };

  let sample: { request: ScenarioRequest; status: number; body: Buffer } | undefined;
  const countBuild = async (build: string): Promise<Counted> => {
    const dbDir = values.store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'dingread-instructions-db-')) : undefined;
    const store = dbDir === undefined ? (values.store as string) : `sqlite:${join(dbDir, 'bench.db')}`;
    const bin = resolve(build, 'src/bin.js');
    try {
      // The line's end as well: a chunk may end within the URL.
      const server = await startCounted([bin, 'serve', '--port', '0', '--store', store], /listening on (http:\/\/\S+)\s/, (m) => m[1] as string, build, simulation);
      let request: ScenarioRequest;
      try {
        ({ request } = await scenario.prepare(server.url));
        if (!sample) {
          const answer = await sendOnce(server.url, request);
          sample = { request, status: answer.status, body: answer.bytes };
        }
      } catch (error) {
        server.child.kill('SIGKILL');
        removeScratch(server.dir, server.child.pid);
        throw error;
      }
      return await count(build, server, request, plan);
    } finally {
      if (dbDir !== undefined) rmSync(dbDir, { recursive: true, force: true });
    }
  };
  const countFloor = async (): Promise<Counted> => {
    const { request, status, body } = sample as NonNullable<typeof sample>;
    const floor = await startCounted(
      [FRAMEWORK_FLOOR, '0', request.method, request.path, String(status), body.toString('base64')],
      /READY (\d+)\n/,
      (m) => `http://127.0.0.1:${m[1]}`,
      'framework floor',
      simulation,
    );
    return count('floor', floor, request, plan);
  };
  /** `--repeat` counts of a server, each on a fresh process; the median one is reported and kept. */
  const repeated = async (name: string, countOnce: () => Promise<Counted>): Promise<Counted> => {
    const runs: Counted[] = [];
    for (let i = 0; i < repeat; i++) runs.push(await countOnce());
    if (repeat > 1) {
      const figure = (run: Counted): string => String(Math.round(run.cache?.estimatedCycles ?? run.perRequest));
      process.stdout.write(`${name}: ${runs.map(figure).join(', ')} ${values.cache ? 'estimated cycles' : 'instructions'} a request in ${repeat} runs; the median run:\n`);
    }
    const median = medianRun(runs);
    report(median);
    return median;
  };

  const counted: Counted[] = [];
  for (const build of (values.builds as string).split(',')) counted.push(await repeated(build, () => countBuild(build)));
  const floorCount = await repeated('floor', countFloor);
  for (const c of counted) {
    const cycles = c.cache && floorCount.cache ? `, estimated cycles ${(c.cache.estimatedCycles / floorCount.cache.estimatedCycles).toFixed(3)}` : '';
    process.stdout.write(`${c.name} ÷ floor: ${(c.perRequest / floorCount.perRequest).toFixed(3)}${cycles}\n`);
  }

  if (top > 0) printTop(counted[0] as Counted, floorCount, top);
}

/**
 * The `top` functions whose own cost a request differs most between a build and the floor: by
 * instructions, or with a cache simulation by estimated cycles, the instructions and misses beside.
 */
function printTop(build: Counted, floor: Counted, top: number): void {
  const simulated = build.cache !== undefined && floor.cache !== undefined;
  const costOf = (own: Map<string, number> | undefined) => (event: string) => own?.get(event) ?? 0;
  const measure = (own: Map<string, number> | undefined): number => (simulated ? estimatedCycles(costOf(own)) : costOf(own)('Ir'));
  const names = new Set([...build.functions.keys(), ...floor.functions.keys()]);
  const rows = [...names]
    .map((name) => ({ name, own: build.functions.get(name), floor: floor.functions.get(name) }))
    .map((row) => ({ ...row, difference: measure(row.own) - measure(row.floor) }))
    .sort((a, b) => Math.abs(b.difference) - Math.abs(a.difference))
    .slice(0, top);
  const signed = (value: number): string => (Math.round(value) > 0 ? `+${Math.round(value)}` : String(Math.round(value)));
  process.stdout.write(
    simulated
      ? `\nown estimated cycles a request, ${build.name} − floor (${build.name}, floor), the ${top} largest differences, ` +
          'each with the differences in instructions, first-level misses (instruction, data read, data write) and last-level misses (the same):\n'
      : `\nown instructions a request, ${build.name} − floor (${build.name}, floor), the ${top} largest differences:\n`,
  );
  for (const row of rows) {
    const delta = (event: string): string => signed(costOf(row.own)(event) - costOf(row.floor)(event));
    const differences = simulated
      ? `Ir ${delta('Ir')}, I1 ${delta('I1mr')} D1 ${delta('D1mr')}/${delta('D1mw')} LL ${delta('ILmr')}/${delta('DLmr')}/${delta('DLmw')}  `
      : '';
    process.stdout.write(
      `${signed(row.difference).padStart(8)}  (${Math.round(measure(row.own))}, ${Math.round(measure(row.floor))})  ${differences}${row.name.slice(0, simulated ? 120 : 140)}\n`,
    );
  }
}

await main();

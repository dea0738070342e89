/** Servers under test, each in a process of its own so the load generator does not share its event loop. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { onCpu } from './cores.js';
import type { FloorAnswer } from './floor-inside.js';

/** The `dingread` command as package.json's `bin` names it: the bundle (scripts/bundle.js). */
export const MAIN = fileURLToPath(new URL('../src/bin.js', import.meta.url));
const BASELINE = fileURLToPath(new URL('./baseline-server.js', import.meta.url));
export const FRAMEWORK_FLOOR = fileURLToPath(new URL('./framework-floor-server.js', import.meta.url));
/** Loaded into a dingread process with `--import` (a URL, as --import takes). */
const FLOOR_INSIDE = new URL('./floor-inside.js', import.meta.url).href;

export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident memory of the server process, in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
  /** Settles when the process has exited, with its code (null when a signal ended it) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
}

/** The CPU servers started from now on run on alone (cores.ts), or undefined for any. */
let serverCpu: number | undefined;

/** Servers started after this call run on `cpu` alone (undefined: wherever the system puts them). */
export function runServersOn(cpu: number | undefined): void {
  serverCpu = cpu;
}

/** `node args` as a child, on the servers' CPU when one is set. */
function spawnNode(args: string[], options: SpawnOptions): ChildProcess {
  const [command, commandArgs] = onCpu(serverCpu, process.execPath, args);
  return spawn(command, commandArgs, options);
}

function waitFor(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    // A child that never gets ready is killed, so that nothing is left running after the bench.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: not ready in 60 s; ${out} ${err}`));
    }, 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${err}`));
    });
  });
}

function wrap(child: ChildProcess, url: string): ServerProcess {
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // Keep reading stdout, so a server that logs cannot block on a full pipe.
  child.stdout?.resume();
  return {
    url,
    pid: child.pid as number,
    exited,
    stderr: () => err,
    rssMiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return kib / 1024;
    },
    stop() {
      return new Promise((resolve) => {
        // Ended already, by itself or by a signal (a test's SIGKILL).
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/**
 * `dingread serve` on a free port, throttling off, with `nodeFlags` given to Node itself (--cpu-prof).
 * `main` is the command's file (another build's `dist/src/bin.js`, to compare builds); `env` is
 * added to the bench's own environment. Resolves when the banner is out.
 */
export async function startDingread(store: string, extra: string[] = [], nodeFlags: string[] = [], main = MAIN, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawnNode([...nodeFlags, main, 'serve', '--port', '0', '--store', store, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DINGREAD_QPS_LIMIT: '0', ...env },
  });
  const match = await waitFor(child, /listening on (http:\/\/\S+)/, 'dingread');
  return wrap(child, match[1] as string);
}

/** Gives the floor inside a dingread process its answer; resolves with the floor's URL once it listens. */
export type ServeFloor = (method: string, path: string, status: number, body: Buffer) => Promise<string>;

/**
 * `dingread serve` as startDingread starts it, with the framework's floor loaded into its process
 * (floor-inside.ts); `serveFloor` gives that floor its answer and resolves with its URL once it
 * listens. The floor goes with the process.
 */
export async function startDingreadWithFloorInside(
  store: string,
  main = MAIN,
): Promise<{ server: ServerProcess; serveFloor: ServeFloor }> {
  const folder = mkdtempSync(join(tmpdir(), 'dingread-floor-inside-'));
  const removeFolder = (): void => rmSync(folder, { recursive: true, force: true });
  const started = await startDingread(store, [], ['--import', FLOOR_INSIDE], main, { DINGREAD_BENCH_FLOOR_INSIDE: folder }).catch((error: unknown) => {
    removeFolder();
    throw error;
  });
  let ended = false;
  void started.exited.then(() => (ended = true));
  const server: ServerProcess = { ...started, stop: () => started.stop().then(removeFolder) };
  const serveFloor: ServeFloor = async (method, path, status, body) => {
    const answer: FloorAnswer = { method, path, status, body: body.toString('base64') };
    // Written whole, then renamed: the floor never reads half an answer.
    writeFileSync(join(folder, 'answer.json.part'), JSON.stringify(answer));
    renameSync(join(folder, 'answer.json.part'), join(folder, 'answer.json'));
    const portFile = join(folder, 'port');
    // A deadline only against a floor that never comes up; its error is in dingread's stderr.
    const deadline = Date.now() + 30_000;
    while (!existsSync(portFile)) {
      if (ended) throw new Error(`dingread exited before the floor inside it listened: ${server.stderr()}`);
      if (Date.now() > deadline) throw new Error(`the floor inside dingread did not listen in 30 s: ${server.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return `http://127.0.0.1:${readFileSync(portFile, 'utf8')}`;
  };
  return { server, serveFloor };
}

/** A bench-only server script that takes its settings as arguments and prints `READY <port>`. */
async function startReadyServer(script: string, args: string[], what: string): Promise<ServerProcess> {
  const child = spawnNode([script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const match = await waitFor(child, /READY (\d+)/, what);
  return wrap(child, `http://127.0.0.1:${match[1]}`);
}

/** The bare node:http server answering `body` with `status`. */
export function startBaseline(status: number, body: Buffer): Promise<ServerProcess> {
  return startReadyServer(BASELINE, ['0', String(status), body.toString('base64')], 'baseline');
}

/** A bare Fastify route at `method` `path` answering `body` (JSON) with `status`, serialized per request. */
export function startFrameworkFloor(method: string, path: string, status: number, body: Buffer): Promise<ServerProcess> {
  return startReadyServer(FRAMEWORK_FLOOR, ['0', method, path, String(status), body.toString('base64')], 'framework floor');
}

/** A port free on 127.0.0.1 just now, for a server that cannot be asked to pick one and say which. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * `prism mock` (`cli` is Prism's entry point) serving `document` on 127.0.0.1: static examples
 * (`--dynamic false`), violations not turned into errors (`--errors false`), and logging only
 * errors, as `dingread serve` does not log requests either. Resolves once it answers HTTP.
 */
export async function startPrism(cli: string, document: string): Promise<ServerProcess> {
  const port = await freePort();
  const args = ['mock', document, '--host', '127.0.0.1', '--port', String(port), '--dynamic', 'false', '--errors', 'false', '--verboseLevel', 'error'];
  const child = spawnNode([cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out = (out + chunk.toString()).slice(-2000)));
  const server = wrap(child, `http://127.0.0.1:${port}`);
  let ended = false;
  void server.exited.then(() => (ended = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (ended) throw new Error(`prism exited before answering: ${out} ${server.stderr()}`.trim());
    try {
      // Any answer will do (Prism says 404 to a path it does not know): it is listening.
      await (await fetch(server.url, { signal: AbortSignal.timeout(2000) })).arrayBuffer();
      return server;
    } catch {
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`prism: not answering in 60 s: ${out} ${server.stderr()}`.trim());
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

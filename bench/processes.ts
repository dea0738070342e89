/** Servers under test, each in a process of its own so the load generator does not share its event loop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The `dingread` command as package.json's `bin` names it: the bundle (scripts/bundle.js). */
export const MAIN = fileURLToPath(new URL('../src/bin.js', import.meta.url));
const BASELINE = fileURLToPath(new URL('./baseline-server.js', import.meta.url));

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

function waitFor(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what}: not ready in 60 s; ${out} ${err}`)), 60_000);
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
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/** `dingread serve` on a free port, throttling off. Resolves when the banner is out. */
export async function startDingread(store: string, extra: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--store', store, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DINGREAD_QPS_LIMIT: '0' },
  });
  const match = await waitFor(child, /listening on (http:\/\/\S+)/, 'dingread');
  return wrap(child, match[1] as string);
}

/** The bare node:http server answering `body` with `status`. */
export async function startBaseline(status: number, body: Buffer): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BASELINE, '0', String(status), body.toString('base64')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const match = await waitFor(child, /READY (\d+)/, 'baseline');
  return wrap(child, `http://127.0.0.1:${match[1]}`);
}

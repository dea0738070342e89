/**
 * The `dingread` command as the CLI tests run it: `MAIN` is the bundled file that package.json's
 * `bin` names (scripts/bundle.js), in this build, for the tests that need a real process (exit
 * codes, signals, serve); `runCli` and `startCli` call main() in this process, with streams,
 * environment and signals of their own.
 */
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Io, Signal } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export const MAIN = fileURLToPath(new URL('../../src/bin.js', import.meta.url));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The whole environment the command sees (nothing of this process's leaks in). */
  env?: Record<string, string>;
  stdin?: string;
  /** Whether stdout is a terminal. */
  tty?: boolean;
}

export interface RunningCli {
  /** What the command has printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Delivers a signal to the command, as the process would. */
  signal(name: Signal): void;
  /** How many listeners the command has for signals now. */
  readonly listening: number;
  readonly done: Promise<CliResult>;
}

/** Runs `dingread ARGV` in this process and resolves once it is done. */
export function runCli(argv: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(argv, options).done;
}

export function startCli(argv: string[], options: CliOptions = {}): RunningCli {
  let stdout = '';
  let stderr = '';
  const listeners = new Set<{ signals: readonly Signal[]; listener: (signal: Signal) => void }>();
  const io: Io = {
    stdout: { write: (text: string) => (stdout += text), isTTY: options.tty === true },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: options.env ?? {},
    onSignal(signals, listener) {
      const entry = { signals, listener };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
  };
  const done = main(argv, io).then((status) => ({ status, stdout, stderr }));
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    get listening() {
      return listeners.size;
    },
    signal(name) {
      for (const { signals, listener } of [...listeners]) if (signals.includes(name)) listener(name);
    },
    done,
  };
}

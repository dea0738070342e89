/**
 * dingread as a proxy, from the client's side: requests whose target is a whole URL (what a
 * plain HTTP proxy receives), the local CA's certificate in a file (what NODE_EXTRA_CA_CERTS and
 * curl --cacert take), and client programs run in a child process (NODE_EXTRA_CA_CERTS is read
 * only when a process starts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawResponse } from './raw-http.js';

/** One request with `url` as its target (absolute-form), on a fresh connection to `proxyUrl`. */
export function absoluteRequest(
  proxyUrl: string,
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(proxyUrl);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, method, path: url, headers, agent: false, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${url}: no answer in time`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The server's CA certificate (GET /_dingread/v1/ca.pem) in a file of its own. */
export async function caFile(serverUrl: string): Promise<{ path: string; pem: string }> {
  const response = await fetch(`${serverUrl}/_dingread/v1/ca.pem`);
  const pem = await response.text();
  if (!response.ok) throw new Error(`ca.pem answered ${response.status}: ${pem}`);
  const path = join(mkdtempSync(join(tmpdir(), 'dingread-ca-')), 'ca.pem');
  writeFileSync(path, pem);
  return { path, pem };
}

export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args…` with `env` added to a copy of this process's environment from which any
 * proxy setting of the machine is removed, so that only the test's own apply.
 */
export function runChild(command: string, args: string[], env: Record<string, string>, options: { cwd?: string; timeoutMs?: number } = {}): Promise<ChildRun> {
  return startChild(command, args, env, options).done;
}

export interface RunningChild {
  /** What it has printed on stdout so far. */
  readonly stdout: string;
  /** The JSON objects among the lines it has printed so far. */
  lines<T = Record<string, unknown>>(): T[];
  /** Ends it (SIGTERM); `done` settles once it has exited. */
  stop(): void;
  readonly done: Promise<ChildRun>;
}

/** runChild for a client that runs until it is stopped: its output can be read while it runs. */
export function startChild(command: string, args: string[], env: Record<string, string>, options: { cwd?: string; timeoutMs?: number } = {}): RunningChild {
  const base = { ...process.env };
  for (const name of Object.keys(base)) if (/^(https?_proxy|no_proxy|all_proxy|global_agent_.*)$/i.test(name)) delete base[name];
  const child = spawn(command, args, { env: { ...base, ...env }, ...(options.cwd ? { cwd: options.cwd } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<ChildRun>((resolve, reject) => {
    // Only a guard against a hang: the child normally exits in well under a second.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    get stdout() {
      return stdout;
    },
    lines<T>() {
      // Whole lines only: the last one may still be on its way.
      return stdout
        .split('\n')
        .slice(0, -1)
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as T);
    },
    stop: () => child.kill('SIGTERM'),
    done,
  };
}

/** The child's one JSON line, or a failure that shows what it printed. */
export function childJson<T>(run: ChildRun): T {
  if (run.code !== 0) throw new Error(`the client exited with ${String(run.code)}:\n${run.stderr}\n${run.stdout}`);
  try {
    return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as T;
  } catch {
    throw new Error(`the client printed no JSON:\n${run.stdout}\n${run.stderr}`);
  }
}

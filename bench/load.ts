/**
 * Measured load with autocannon: a warm-up (discarded) and a measured stretch, on one server
 * (`measure`), or the pieces for measuring several in turns (turns.ts).
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A fresh body or path for each request (request number from 0). */
  vary?: (n: number) => { path?: string; body?: string };
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** The server's process, whose CPU time the measurement reads (Linux /proc). */
  serverPid?: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  /**
   * The server's CPU time (user + system) per request during the measurement, in microseconds.
   * Unlike throughput, it hardly moves when other work shares the machine.
   */
  cpuUsPerRequest?: number;
  /**
   * Of that, the kernel's (system) time: mostly the socket's work and waking the load generator,
   * which a slower server finds asleep more often.
   */
  systemUsPerRequest?: number;
}

/** A process's CPU time so far in ms, user and system, or undefined where /proc is not there to ask. */
export function cpuTimesMs(pid: number): { user: number; system: number } | undefined {
  try {
    // utime and stime are fields 14 and 15, counted after the command name's closing parenthesis.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    if (!Number.isFinite(user) || !Number.isFinite(system)) return undefined;
    return { user: user * (1000 / CLOCK_TICKS_PER_SECOND), system: system * (1000 / CLOCK_TICKS_PER_SECOND) };
  } catch {
    return undefined;
  }
}

/** A process's CPU time so far in ms (user + system), or undefined where /proc is not there to ask. */
export function cpuTimeMs(pid: number): number | undefined {
  const times = cpuTimesMs(pid);
  return times === undefined ? undefined : times.user + times.system;
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times: 100 on every common kernel. */
const CLOCK_TICKS_PER_SECOND = 100;

function once(spec: Omit<LoadSpec, 'durationSec' | 'warmupSec'>, durationSec: number, counter: { n: number }): Promise<autocannon.Result> {
  const request: autocannon.Request = {
    method: spec.method,
    path: spec.path,
    headers: { 'content-type': 'application/json', ...spec.headers },
    ...(spec.body === undefined ? {} : { body: spec.body }),
  };
  if (spec.vary) {
    const vary = spec.vary;
    request.setupRequest = (req) => {
      const next = vary(counter.n++);
      return { ...req, ...(next.path ? { path: next.path } : {}), ...(next.body === undefined ? {} : { body: next.body }) };
    };
  }
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: durationSec,
    pipelining: 1,
    // autocannon stops only when it takes a sample: at its default of one a second, a 0.3 s
    // stretch ran for a whole second and 2.5 s for 3. Samples every 100 ms end it within 0.1 s
    // (the rates here are counted over the stretch's own length, not from the samples).
    sampleInt: 100,
    requests: [request],
  });
}

/** One measured stretch's result, with the seconds it lasted as the load generator timed them. */
export interface Stretch extends LoadResult {
  seconds: number;
}

/**
 * Load for `durationSec`, all of it measured, no warm-up: requests numbered on from `counter`, so
 * that stretches of one server (warm-up, rounds) never repeat a varied request (a send's id).
 */
export async function measureStretch(spec: Omit<LoadSpec, 'durationSec' | 'warmupSec'>, durationSec: number, counter: { n: number }): Promise<Stretch> {
  const cpuBefore = spec.serverPid === undefined ? undefined : cpuTimesMs(spec.serverPid);
  const result = await once(spec, durationSec, counter);
  const cpuAfter = spec.serverPid === undefined ? undefined : cpuTimesMs(spec.serverPid);
  const perRequest = (ms: number): number => (ms * 1000) / result.requests.total;
  const cpu =
    cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0
      ? {
          cpuUsPerRequest: perRequest(cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system),
          systemUsPerRequest: perRequest(cpuAfter.system - cpuBefore.system),
        }
      : {};
  // autocannon's own duration, to 10 ms: the requests it counted were answered in it.
  const seconds = result.duration > 0 ? result.duration : durationSec;
  return {
    ...cpu,
    rps: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    seconds,
  };
}

/** Load for `seconds`, not measured (warm-up), requests numbered on from `counter`. */
export async function warmUp(spec: Omit<LoadSpec, 'durationSec' | 'warmupSec'>, seconds: number, counter: { n: number }): Promise<void> {
  if (seconds > 0) await once(spec, seconds, counter);
}

/** Sends the load's request once, by hand: the sample answer, or one request of a hand-made load. */
export async function sendOnce(url: string, spec: Pick<LoadSpec, 'method' | 'path' | 'headers' | 'body'>): Promise<{ status: number; bytes: Buffer }> {
  const response = await fetch(url + spec.path, {
    method: spec.method,
    headers: { 'content-type': 'application/json', ...spec.headers },
    ...(spec.body === undefined ? {} : { body: spec.body }),
  });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** Warm-up (discarded), then `durationSec` measured, on one server alone. */
export async function measure(spec: LoadSpec): Promise<LoadResult> {
  const counter = { n: 0 };
  await warmUp(spec, spec.warmupSec, counter);
  return measureStretch(spec, spec.durationSec, counter);
}

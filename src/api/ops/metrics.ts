/**
 * Prometheus text exposition (format 0.0.4), written by hand: a few counters, histograms and
 * gauges are all dingread needs, and prom-client would be the server's largest dependency.
 * Served at `GET /_dingread/metrics` (ops.routes.ts); the store is timed by `instrumentStore`.
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { Store } from '../../core/store.js';

/** Seconds; chosen around the measured costs in docs/SCALING.md (most calls well under 10 ms). */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

class Histogram {
  readonly counts = new Array<number>(BUCKETS.length).fill(0);
  sum = 0;
  count = 0;
  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    for (let i = 0; i < BUCKETS.length; i++) {
      if (seconds <= (BUCKETS[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
    }
  }
}

/** `{a="x",b="y"}` with Prometheus escaping. */
function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function histogramLines(name: string, series: Map<string, { labels: Record<string, string>; histogram: Histogram }>): string[] {
  const lines: string[] = [];
  for (const { labels: base, histogram } of series.values()) {
    let cumulative = 0;
    BUCKETS.forEach((bound, i) => {
      cumulative += histogram.counts[i] as number;
      lines.push(`${name}_bucket${labels({ ...base, le: String(bound) })} ${cumulative}`);
    });
    lines.push(`${name}_bucket${labels({ ...base, le: '+Inf' })} ${histogram.count}`);
    lines.push(`${name}_sum${labels(base)} ${histogram.sum}`);
    lines.push(`${name}_count${labels(base)} ${histogram.count}`);
  }
  return lines;
}

/**
 * How many answered requests wait before they are counted together: counted one by one, the
 * counting code ran once between every request's other work and was fetched again each time (as
 * the request log's was: emulator/request-log.ts). The metrics are read through render(), which
 * counts the rest first, so a scrape never sees them behind.
 */
const COUNT_BATCH = 32;

export class Metrics {
  private readonly requests = new Map<string, { labels: Record<string, string>; count: number }>();
  /** The same series as `requests` and `requestSeconds`, by route, method and status. */
  private readonly routes = new Map<
    string,
    Map<string, { timed: { labels: Record<string, string>; histogram: Histogram }; byStatus: Map<number, { labels: Record<string, string>; count: number }> }>
  >();
  private readonly requestSeconds = new Map<string, { labels: Record<string, string>; histogram: Histogram }>();
  private readonly storeSeconds = new Map<string, { labels: Record<string, string>; histogram: Histogram }>();
  private readonly storeErrors = new Map<string, number>();
  private readonly loop: IntervalHistogram;
  /** Answered requests not counted yet: how many, and each one's method, route, status and seconds. */
  private waiting = 0;
  private readonly waitingMethods = new Array<string>(COUNT_BATCH).fill('');
  private readonly waitingRoutes = new Array<string>(COUNT_BATCH).fill('');
  private readonly waitingStatuses = new Uint16Array(COUNT_BATCH);
  private readonly waitingSeconds = new Float64Array(COUNT_BATCH);

  constructor() {
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
  }

  /**
   * One answered request. `route` is the route pattern (never the raw URL: that would be unbounded).
   * Noted here and counted with the next batch (COUNT_BATCH), or when the metrics are read.
   */
  request(method: string, route: string, status: number, seconds: number): void {
    const at = this.waiting;
    this.waitingMethods[at] = method;
    this.waitingRoutes[at] = route;
    this.waitingStatuses[at] = status;
    this.waitingSeconds[at] = seconds;
    this.waiting = at + 1;
    if (this.waiting === COUNT_BATCH) this.countWaiting();
  }

  /** Counts the requests noted since the last time. */
  private countWaiting(): void {
    const waiting = this.waiting;
    this.waiting = 0;
    for (let i = 0; i < waiting; i++) {
      this.count(this.waitingMethods[i] as string, this.waitingRoutes[i] as string, this.waitingStatuses[i] as number, this.waitingSeconds[i] as number);
    }
  }

  private count(method: string, route: string, status: number, seconds: number): void {
    // Looked up by route, then method and status, so that no key string is built per request.
    let byMethod = this.routes.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.routes.set(route, byMethod);
    }
    let series = byMethod.get(method);
    if (!series) {
      const timed = { labels: { method, route }, histogram: new Histogram() };
      this.requestSeconds.set(`${method} ${route}`, timed);
      series = { timed, byStatus: new Map() };
      byMethod.set(method, series);
    }
    const counted = series.byStatus.get(status);
    if (counted) counted.count++;
    else {
      const entry = { labels: { method, route, code: String(status) }, count: 1 };
      series.byStatus.set(status, entry);
      this.requests.set(`${method} ${route} ${status}`, entry);
    }
    series.timed.histogram.observe(seconds);
  }

  storeCall(operation: string, seconds: number, failed: boolean): void {
    let timed = this.storeSeconds.get(operation);
    if (!timed) {
      timed = { labels: { operation }, histogram: new Histogram() };
      this.storeSeconds.set(operation, timed);
    }
    timed.histogram.observe(seconds);
    if (failed) this.storeErrors.set(operation, (this.storeErrors.get(operation) ?? 0) + 1);
  }

  stop(): void {
    this.loop.disable();
  }

  /** The exposition text. */
  render(): string {
    this.countWaiting();
    const lines: string[] = [];
    lines.push('# HELP dingread_http_requests_total Answered HTTP requests, by method, route pattern and status code.');
    lines.push('# TYPE dingread_http_requests_total counter');
    for (const { labels: pairs, count } of this.requests.values()) lines.push(`dingread_http_requests_total${labels(pairs)} ${count}`);
    lines.push('# HELP dingread_http_request_duration_seconds Time from the first byte of a request to its answer.');
    lines.push('# TYPE dingread_http_request_duration_seconds histogram');
    lines.push(...histogramLines('dingread_http_request_duration_seconds', this.requestSeconds));
    lines.push('# HELP dingread_store_operation_duration_seconds Time of one store unit of work (one transaction).');
    lines.push('# TYPE dingread_store_operation_duration_seconds histogram');
    lines.push(...histogramLines('dingread_store_operation_duration_seconds', this.storeSeconds));
    lines.push('# HELP dingread_store_errors_total Store units of work that failed.');
    lines.push('# TYPE dingread_store_errors_total counter');
    for (const [operation, count] of this.storeErrors) lines.push(`dingread_store_errors_total${labels({ operation })} ${count}`);
    const ns = (value: number): number => (Number.isFinite(value) ? value / 1e9 : 0);
    lines.push('# HELP dingread_event_loop_lag_seconds Event-loop delay since the server started, as percentiles.');
    lines.push('# TYPE dingread_event_loop_lag_seconds gauge');
    for (const p of [50, 90, 99]) lines.push(`dingread_event_loop_lag_seconds${labels({ quantile: String(p / 100) })} ${ns(this.loop.percentile(p))}`);
    lines.push(`dingread_event_loop_lag_seconds${labels({ quantile: '1' })} ${ns(this.loop.max)}`);
    const memory = process.memoryUsage();
    lines.push('# HELP dingread_process_resident_memory_bytes Resident memory of the process.');
    lines.push('# TYPE dingread_process_resident_memory_bytes gauge');
    lines.push(`dingread_process_resident_memory_bytes ${memory.rss}`);
    lines.push('# HELP dingread_process_heap_used_bytes V8 heap in use.');
    lines.push('# TYPE dingread_process_heap_used_bytes gauge');
    lines.push(`dingread_process_heap_used_bytes ${memory.heapUsed}`);
    return `${lines.join('\n')}\n`;
  }
}

/**
 * The store, with each method timed into `metrics`: an object whose prototype is the store, with
 * a timed wrapper of each method of its own. The methods run on the store itself, so a backend's
 * private state is untouched; everything else (its fields, its bus) is read through. Built once,
 * so a store call costs a plain method call and two clock reads, not a proxy trap.
 */
export function instrumentStore(store: Store, metrics: Metrics): Store {
  const timed = Object.create(store) as Store;
  for (const name of methodNames(store)) {
    if (name === 'constructor') continue;
    const method = (store as unknown as Record<string, (...args: unknown[]) => unknown>)[name] as (...args: unknown[]) => unknown;
    // Every method runs on the store itself; closing is not a unit of work, so it is not timed.
    const value = name === 'close' ? method.bind(store) : timedMethod(store, name, method, metrics);
    Object.defineProperty(timed, name, { value, writable: true, configurable: true });
  }
  return timed;
}

function methodNames(store: Store): Set<string> {
  const names = new Set<string>();
  for (let layer: object | null = store; layer !== null && layer !== Object.prototype; layer = Object.getPrototypeOf(layer) as object | null) {
    for (const name of Object.getOwnPropertyNames(layer)) {
      const descriptor = Object.getOwnPropertyDescriptor(layer, name);
      if (descriptor && typeof descriptor.value === 'function') names.add(name);
    }
  }
  return names;
}

function timedMethod(store: Store, operation: string, method: (...args: unknown[]) => unknown, metrics: Metrics) {
  return function timedCall(...args: unknown[]): unknown {
    const started = performance.now();
    let result: unknown;
    try {
      result = method.apply(store, args);
    } catch (error) {
      metrics.storeCall(operation, (performance.now() - started) / 1000, true);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (settled: unknown) => {
          metrics.storeCall(operation, (performance.now() - started) / 1000, false);
          return settled;
        },
        (error: unknown) => {
          metrics.storeCall(operation, (performance.now() - started) / 1000, true);
          throw error;
        },
      );
    }
    metrics.storeCall(operation, (performance.now() - started) / 1000, false);
    return result;
  };
}

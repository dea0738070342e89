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
    const index = BUCKETS.findIndex((bound) => seconds <= bound);
    if (index >= 0) this.counts[index] = (this.counts[index] as number) + 1;
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

export class Metrics {
  private readonly requests = new Map<string, { labels: Record<string, string>; count: number }>();
  private readonly requestSeconds = new Map<string, { labels: Record<string, string>; histogram: Histogram }>();
  private readonly storeSeconds = new Map<string, { labels: Record<string, string>; histogram: Histogram }>();
  private readonly storeErrors = new Map<string, number>();
  private readonly loop: IntervalHistogram;

  constructor() {
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
  }

  /** One answered request. `route` is the route pattern (never the raw URL: that would be unbounded). */
  request(method: string, route: string, status: number, seconds: number): void {
    const countKey = `${method} ${route} ${status}`;
    const counted = this.requests.get(countKey);
    if (counted) counted.count++;
    else this.requests.set(countKey, { labels: { method, route, code: String(status) }, count: 1 });
    const timeKey = `${method} ${route}`;
    let timed = this.requestSeconds.get(timeKey);
    if (!timed) {
      timed = { labels: { method, route }, histogram: new Histogram() };
      this.requestSeconds.set(timeKey, timed);
    }
    timed.histogram.observe(seconds);
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
 * The store, with each method timed into `metrics`. The methods run on the store itself (not the
 * proxy), so a backend's private state is untouched; everything else passes through. Each
 * method's wrapper is made on its first use and kept: a query makes several store calls, and a
 * fresh closure for each would be garbage on every request.
 */
export function instrumentStore(store: Store, metrics: Metrics): Store {
  const wrappers = new Map<string, { of: unknown; wrapper: unknown }>();
  const wrap = (property: string, method: (...a: unknown[]) => unknown): ((...args: unknown[]) => unknown) => {
    return (...args: unknown[]): unknown => {
      const started = performance.now();
      const done = (failed: boolean): void => metrics.storeCall(property, (performance.now() - started) / 1000, failed);
      let result: unknown;
      try {
        result = method.apply(store, args);
      } catch (error) {
        done(true);
        throw error;
      }
      if (result instanceof Promise) {
        return result.then(
          (settled: unknown) => {
            done(false);
            return settled;
          },
          (error: unknown) => {
            done(true);
            throw error;
          },
        );
      }
      done(false);
      return result;
    };
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (typeof property !== 'string') return value.bind(target);
      // Kept per property and checked against the method it wraps, should a method be replaced.
      const kept = wrappers.get(property);
      if (kept?.of === value) return kept.wrapper;
      const untimed = property === 'close' || property === 'constructor';
      const wrapper = untimed ? value.bind(target) : wrap(property, value as (...a: unknown[]) => unknown);
      wrappers.set(property, { of: value, wrapper });
      return wrapper;
    },
  });
}

/** One measured load run with autocannon: warm-up first (discarded), then the measurement. */
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
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
}

function once(spec: LoadSpec, durationSec: number, counter: { n: number }): Promise<autocannon.Result> {
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
    requests: [request],
  });
}

export async function measure(spec: LoadSpec): Promise<LoadResult> {
  const counter = { n: 0 };
  if (spec.warmupSec > 0) await once(spec, spec.warmupSec, counter);
  const result = await once(spec, spec.durationSec, counter);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * HTTP at the byte level, for hostile-input tests: raw paths (no URL normalisation), raw body
 * bytes (invalid UTF-8, huge or chunked bodies), raw header values; and the checks every error
 * answer must pass (DingTalk's envelope, with the request id in `x-acs-request-id`).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { isErrorCode } from '../../src/core/errors.js';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method: string;
  /** Sent as-is: percent-encoding, dots and query string are the caller's. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  timeoutMs?: number;
}

/** One request on a fresh connection (no keep-alive pool, so one test's broken socket never leaks into the next). */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method: request.method,
        path: request.path,
        headers: request.headers ?? {},
        agent: false,
        timeout: request.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${request.method} ${request.path.slice(0, 80)}: no answer in time`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

export interface StreamedUpload {
  response: RawResponse;
  /** Body bytes written before the answer arrived. */
  bytesWrittenBeforeAnswer: number;
}

/**
 * Streams `totalBytes` of `filler` as a chunked body (no Content-Length, so the server cannot refuse
 * up front) and stops writing as soon as an answer arrives.
 */
export function streamUpload(
  baseUrl: string,
  path: string,
  totalBytes: number,
  headers: Record<string, string> = {},
  filler = 'a',
): Promise<StreamedUpload> {
  const { hostname, port } = new URL(baseUrl);
  const chunk = Buffer.alloc(64 * 1024, filler);
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    let writtenAtAnswer = 0;
    const req = http.request({
      host: hostname,
      port,
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers },
      agent: false,
      timeout: 20_000,
    });
    req.on('response', (res) => {
      answered = true;
      writtenAtAnswer = written;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({
          response: { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') },
          bytesWrittenBeforeAnswer: writtenAtAnswer,
        });
        req.destroy();
      });
    });
    req.on('timeout', () => req.destroy(new Error(`upload to ${path}: no answer in time`)));
    req.on('error', (error) => {
      // The server may close the connection once it has answered; only an error before that counts.
      if (!answered) reject(error);
    });
    const pump = (): void => {
      while (!answered && written < totalBytes) {
        written += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

/** Bytes straight onto a socket; resolves with whatever the server sent before closing (or after `waitMs`). */
export function rawSocket(baseUrl: string, bytes: string | Buffer, waitMs = 2_000): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the server answered and hung up is an answer too.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
      clearTimeout(timer);
      reject(error);
    });
  });
}

export interface Envelope {
  code: string;
  message: string;
  requestid: string;
}

/**
 * Asserts that `response` is an error in DingTalk's envelope: a JSON body with string code, message
 * and requestid, the code one of the table's (and not system.error), the id echoed in the header.
 */
export function assertEnvelope(response: RawResponse, expected: { status?: number; code?: string } = {}): Envelope {
  const where = `${response.status} ${response.text.slice(0, 300)}`;
  if (expected.status !== undefined) assert.equal(response.status, expected.status, where);
  assert.ok(response.status >= 400 && response.status < 500, `expected a 4xx, got ${where}`);
  assert.match(String(response.headers['content-type']), /^application\/json/, where);
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    assert.fail(`the error body is not JSON: ${where}`);
  }
  assert.ok(body !== null && typeof body === 'object' && !Array.isArray(body), where);
  const envelope = body as Record<string, unknown>;
  assert.equal(typeof envelope['code'], 'string', where);
  assert.equal(typeof envelope['message'], 'string', where);
  assert.equal(typeof envelope['requestid'], 'string', where);
  const code = envelope['code'] as string;
  assert.ok(isErrorCode(code), `unknown error code ${code}`);
  assert.notEqual(code, 'system.error', where);
  assert.equal(response.headers['x-acs-request-id'], envelope['requestid'], `x-acs-request-id differs: ${where}`);
  if (expected.code !== undefined) assert.equal(code, expected.code, where);
  return envelope as unknown as Envelope;
}

/** What every answer to hostile input must be: a 2xx with a JSON body, or a 4xx envelope. */
export function assertSane(response: RawResponse): void {
  const where = `${response.status} ${response.text.slice(0, 300)}`;
  if (response.status >= 200 && response.status < 300) {
    assert.doesNotThrow(() => JSON.parse(response.text), `a 2xx body that is not JSON: ${where}`);
    return;
  }
  assertEnvelope(response);
}

/** Properties Object.prototype has now; compare later to see that nothing polluted it. */
export function prototypeSnapshot(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

export function assertPrototypeClean(snapshot: string[]): void {
  assert.deepEqual(prototypeSnapshot(), snapshot, 'Object.prototype gained properties');
  const probe: Record<string, unknown> = {};
  for (const key of ['x', 'polluted', 'isAdmin']) assert.equal(probe[key], undefined, `Object.prototype.${key} is set`);
}

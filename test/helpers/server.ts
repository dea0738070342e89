/**
 * Real servers for tests: on port 0, over the in-memory store, a real SQLite file, or a schema of
 * its own in the test PostgreSQL (when it is reachable; helpers/postgres.ts), with the clock under
 * the test's control. `forEachStore` runs a suite once per backend.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import { AnswerCheck } from '../../src/api/answer-check.js';
import { Clock } from '../../src/core/clock.js';
import type { CoreOptions } from '../../src/core/context.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server.js';
import { testDirectory } from './fixtures.js';
import { dropSchema, newSchema, postgresSkipReason, schemaUrl } from './postgres.js';

export type TestStoreKind = 'memory' | 'sqlite' | 'postgres';
export const TEST_STORES: TestStoreKind[] = postgresSkipReason ? ['memory', 'sqlite'] : ['memory', 'sqlite', 'postgres'];

export interface TestServer extends RunningServer {
  clock: Clock;
  /** What the server's answers were checked against their schemas (src/api/answer-check.ts). */
  answerCheck: AnswerCheck;
  /** Calls the control plane and returns the parsed body; throws on a non-2xx answer. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

export interface TestServerOptions {
  store?: TestStoreKind;
  adminToken?: string;
  core?: Partial<CoreOptions>;
  /** Load testDirectory() (default true). */
  seed?: boolean;
  /** A store spec to use instead of a fresh one of `store`'s kind (several nodes on one database). */
  storeSpec?: string;
  retention?: ServerOptions['retention'];
  /** Refuse unknown and null fields on DingTalk's routes (serve --strict). */
  strict?: boolean;
  /** The server's clock (a fresh system-mode one by default): give one to step its elapsed time. */
  clock?: Clock;
  /** Faults, DingTalk's QPS limit (off unless given) and the request log. */
  emulator?: ServerOptions['emulator'];
  controlQpsLimit?: number;
  /** Stream mode: redelivery, lifetimes, limits (core/stream.ts). */
  stream?: ServerOptions['stream'];
}

/** A fresh store spec of that kind, and how to remove what it leaves behind. */
function freshStoreSpec(kind: TestStoreKind): { spec: string; cleanUp(): Promise<void> } {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'dingread-test-'));
    return { spec: `sqlite:${join(dir, 'dingread.db')}`, cleanUp: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (kind === 'postgres') {
    if (postgresSkipReason) throw new Error(postgresSkipReason);
    const schema = newSchema();
    return { spec: schemaUrl(schema), cleanUp: () => dropSchema(schema) };
  }
  return { spec: 'memory', cleanUp: async () => undefined };
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const fresh = options.storeSpec === undefined ? freshStoreSpec(options.store ?? 'memory') : undefined;
  const clock = options.clock ?? new Clock();
  // Every answer the suite gets is checked against its route's schema; close() fails on a mismatch.
  const answerCheck = new AnswerCheck();
  const server = await startServer({
    answerCheck,
    port: 0,
    store: options.storeSpec ?? (fresh as { spec: string }).spec,
    adminToken: options.adminToken,
    clock,
    ...(options.core ? { core: options.core } : {}),
    ...(options.retention !== undefined ? { retention: options.retention } : {}),
    ...(options.strict !== undefined ? { strict: options.strict } : {}),
    ...(options.emulator ? { emulator: options.emulator } : {}),
    ...(options.controlQpsLimit !== undefined ? { controlQpsLimit: options.controlQpsLimit } : {}),
    ...(options.stream !== undefined ? { stream: options.stream } : {}),
  });
  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.adminToken) headers['authorization'] = `Bearer ${options.adminToken}`;
    const response = await fetch(`${server.url}/_dingread/v1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  if (options.seed ?? true) await admin('POST', '/fixtures', testDirectory());
  return {
    ...server,
    clock,
    admin,
    answerCheck,
    async close() {
      await server.close();
      await fresh?.cleanUp();
      answerCheck.assertClean();
    },
  };
}

/** Declares `suite` once for each backend, named after it. */
export function forEachStore(name: string, suite: (store: TestStoreKind) => void): void {
  for (const store of TEST_STORES) describe(`${name} [${store}]`, () => suite(store));
}

/** A JSON call to the server, returning status, headers and parsed body (errors included). */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['x-acs-dingtalk-access-token'] = options.token;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // left as text: a test asserting on the envelope will fail on it
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** An access token for app credentials, through the real endpoint. */
export async function tokenFor(url: string, appKey: string, appSecret: string): Promise<string> {
  const { status, body } = await call(url, 'POST', '/v1.0/oauth2/accessToken', { body: { appKey, appSecret } });
  if (status !== 200) throw new Error(`token for ${appKey}: ${status} ${JSON.stringify(body)}`);
  return body.accessToken as string;
}

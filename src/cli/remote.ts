/**
 * What the commands that talk to a running server share: where it is (`--url`), its admin token,
 * a first look at `/_dingread/health` so that a server that is not dingread is named as such
 * instead of having its HTML printed, and the control plane's event stream. Each command stays a
 * thin layer over the control-plane client (src/testing/admin-client.ts) and the DingTalk client
 * (src/client/).
 */
import { AdminClient } from '../testing/admin-client.js';
import { readEventStream } from '../testing/event-stream.js';
import { CommandError, UsageError, type OptionSpecs, type Values } from './command.js';
import { causeOf, unreachable } from './failures.js';
import type { Io } from './io.js';

export const DEFAULT_URL = 'http://127.0.0.1:3939';
const PROBE_TIMEOUT_MS = 10_000;

export const CONNECTION_OPTIONS = {
  url: { type: 'string', value: 'URL', section: 'Connection', help: `the dingread server (default ${DEFAULT_URL}; env DINGREAD_URL)` },
  'admin-token': {
    type: 'string',
    value: 'TOKEN',
    section: 'Connection',
    help: "the server's admin token, if it was started with one (env DINGREAD_ADMIN_TOKEN)",
  },
} as const satisfies OptionSpecs;

type ConnectionValues = Values<typeof CONNECTION_OPTIONS>;

export interface Remote {
  url: string;
  adminToken: string | undefined;
  admin: AdminClient;
  /** The server's version, from its health answer. */
  version: string;
}

/** The server's base URL from --url, DINGREAD_URL or the default, without a trailing slash. */
export function serverUrl(values: ConnectionValues, env: Io['env']): string {
  const url = (values.url ?? (env['DINGREAD_URL'] || DEFAULT_URL)).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+$/.test(url)) throw new UsageError(`--url must look like ${DEFAULT_URL}, not ${JSON.stringify(url)}`);
  return url;
}

/** For CommandSpec.target: where the server is, or nothing when --url itself is wrong. */
export function targetOf(values: ConnectionValues, env: Io['env']): string | undefined {
  try {
    return serverUrl(values, env);
  } catch {
    return undefined;
  }
}

/** The server, once it has answered its health check as a dingread server does. */
export async function connect(values: ConnectionValues, env: Io['env']): Promise<Remote> {
  const url = serverUrl(values, env);
  const adminToken = values['admin-token'] ?? (env['DINGREAD_ADMIN_TOKEN'] || undefined);
  const version = await probe(url);
  return { url, adminToken, admin: new AdminClient(url, adminToken), version };
}

async function probe(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${url}/_dingread/health`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (error) {
    throw unreachable(url, causeOf(error) ?? 'no answer');
  }
  const text = await response.text().catch(() => '');
  let body: { status?: unknown; version?: unknown; store?: unknown } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (response.ok && body?.status === 'ok' && typeof body.version === 'string' && typeof body.store === 'string') return body.version;
  const type = response.headers.get('content-type')?.split(';')[0] || 'no content type';
  throw new CommandError(
    'notDingread',
    `${url} answers, but not as a dingread server (GET /_dingread/health gave HTTP ${response.status}, ${type}). Check --url or DINGREAD_URL.`,
    { status: response.status },
  );
}

/** The event stream dropped or ended: worth connecting again. */
export class StreamDropped extends Error {}

/**
 * The names of the control plane's events (`GET /_dingread/v1/events`, docs/control-plane.md),
 * the `ready` event first, until `signal` aborts. A refusal (auth, no such route) is thrown as
 * is; a dropped or ended stream as StreamDropped.
 */
export async function* eventNames(remote: Remote, query: Record<string, string>, signal: AbortSignal): AsyncGenerator<string> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (remote.adminToken) headers['authorization'] = `Bearer ${remote.adminToken}`;
  let response: Response;
  try {
    response = await fetch(`${remote.url}/_dingread/v1/events?${new URLSearchParams(query)}`, { headers, signal });
  } catch (error) {
    if (signal.aborted) return;
    throw new StreamDropped(causeOf(error) ?? String(error));
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    throw new CommandError('events.refused', `the event stream answered HTTP ${response.status}: ${text.slice(0, 200)}`, { status: response.status });
  }
  try {
    for await (const frame of readEventStream(response.body)) if (frame.event) yield frame.event;
  } catch (error) {
    if (signal.aborted) return;
    throw new StreamDropped(String(error));
  }
  if (!signal.aborted) throw new StreamDropped('the event stream ended');
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** `1 user`, `2 users`. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

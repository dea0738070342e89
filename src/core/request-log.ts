/**
 * The recent DingTalk API calls a server answered, for a test or a person to look at what a bot
 * really sent: a bounded ring buffer (the oldest entries fall out), newest first, with secrets
 * masked. Like faults, it is runtime state of one server, not part of the store.
 */

export interface LoggedRequest {
  /** Increases by one per logged call; `since` filters on the server-clock time `at`. */
  seq: number;
  requestId: string;
  /** Server-clock time the call arrived, epoch ms. */
  at: number;
  method: string;
  /** The host the call was addressed to (`api.dingtalk.com`, `127.0.0.1:3939`), as sent. */
  host?: string;
  /** How a proxied call came: `absolute` (a full URL as the target) or `tunnel` (inside CONNECT); absent for a direct call. */
  via?: 'absolute' | 'tunnel';
  /** The path as sent, without the query string; never a whole URL. */
  path: string;
  query?: Record<string, unknown>;
  /** The calling app: the token's app, or the appKey sent to oauth2/accessToken. */
  appKey?: string;
  /** HTTP status; 0 when the connection was dropped by an injected fault. */
  status: number;
  /** The error code, for an error answer. */
  code?: string;
  durationMs: number;
  /** Ids of injected faults that hit this call. */
  faults?: string[];
  /**
   * Fields of the body (or query string) that the API does not know, which DingTalk ignores:
   * ignored here too, or refused under `--strict`. Either way they are named here.
   */
  unknownFields?: string[];
  requestBody?: unknown;
  responseBody?: unknown;
}

export interface RequestLogFilter {
  path?: string;
  appKey?: string;
  /** An exact status (`403`) or a class (`4xx`). */
  status?: string;
  /** Only calls at or after this server-clock time. */
  since?: number;
  limit?: number;
}

export const DEFAULT_REQUEST_LOG_SIZE = 1000;
/** A body logged larger than this is cut to its start, so the buffer's memory stays bounded. */
export const MAX_LOGGED_BODY_BYTES = 16 * 1024;
const MASK = '***';
/**
 * Fields that carry credentials in DingTalk's API: app and suite secrets (the legacy gettoken's
 * `appsecret`, Stream mode's `clientSecret`), suite tickets, Stream tickets, session webhooks'
 * `session`, access tokens, legacy bot tokens.
 */
const SECRET_FIELDS = new Set([
  'appSecret',
  'appsecret',
  'suiteSecret',
  'clientSecret',
  'suiteTicket',
  'ticket',
  'session',
  'accessToken',
  'access_token',
  'token',
  // A custom robot's secret (fixtures), and a signature, which works for an hour.
  'secret',
  'sign',
]);

/** A response body is logged as the text that was sent, and read back as JSON where it is JSON. */
function fromText(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body.slice(0, 1024);
  }
}

export class RequestLog {
  /** A ring: `size` entries, the newest at `(start + size - 1) % capacity`. */
  private readonly entries: LoggedRequest[] = [];
  private start = 0;
  private size = 0;
  private nextSeq = 1;

  constructor(readonly capacity: number = DEFAULT_REQUEST_LOG_SIZE) {}

  /** Keeps the entry itself (it is the caller's no more), numbered; the oldest falls out when full. */
  add(entry: Omit<LoggedRequest, 'seq'>): void {
    if (this.capacity <= 0) return;
    const numbered = entry as LoggedRequest;
    numbered.seq = this.nextSeq++;
    if (this.size < this.capacity) {
      this.entries[(this.start + this.size) % this.capacity] = numbered;
      this.size++;
    } else {
      this.entries[this.start] = numbered;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /**
   * An entry as callers see it: secrets masked, long bodies cut. Done when the log is read, not
   * on every call, because the log is read rarely and written on every request.
   */
  private view(entry: LoggedRequest): LoggedRequest {
    const logged: LoggedRequest = { ...entry };
    if (entry.query !== undefined) logged.query = masked(entry.query) as Record<string, unknown>;
    if (entry.requestBody !== undefined) logged.requestBody = bounded(masked(entry.requestBody));
    if (entry.responseBody !== undefined) logged.responseBody = bounded(masked(fromText(entry.responseBody)));
    return logged;
  }

  /** Newest first. */
  list(filter: RequestLogFilter = {}): LoggedRequest[] {
    const out: LoggedRequest[] = [];
    const limit = filter.limit ?? 100;
    for (let i = this.size - 1; i >= 0 && out.length < limit; i--) {
      const entry = this.entries[(this.start + i) % this.capacity] as LoggedRequest;
      if (filter.path !== undefined && entry.path !== filter.path) continue;
      if (filter.appKey !== undefined && entry.appKey !== filter.appKey) continue;
      if (filter.since !== undefined && entry.at < filter.since) continue;
      if (filter.status !== undefined && !statusMatches(filter.status, entry.status)) continue;
      out.push(this.view(entry));
    }
    return out;
  }

  clear(): number {
    const cleared = this.size;
    this.entries.length = 0;
    this.start = 0;
    this.size = 0;
    return cleared;
  }
}

function statusMatches(filter: string, status: number): boolean {
  if (/^[1-5]xx$/.test(filter)) return Math.floor(status / 100) === Number(filter[0]);
  return Number(filter) === status;
}

/** A copy with every credential field replaced by `***`, at any depth. */
export function masked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(masked);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    // defineProperty, so that a field named __proto__ stays a field.
    const copy = SECRET_FIELDS.has(key) && typeof inner === 'string' ? MASK : masked(inner);
    Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function bounded(value: unknown): unknown {
  const text = JSON.stringify(value) ?? '';
  if (Buffer.byteLength(text) <= MAX_LOGGED_BODY_BYTES) return value;
  return { truncated: true, bytes: Buffer.byteLength(text), head: text.slice(0, 1024) };
}

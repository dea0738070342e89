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
/**
 * The most calls a server may be told to keep (`--request-log`): each keeps up to twice
 * MAX_LOGGED_BODY_BYTES of bodies, so this bounds the log's memory to about 3 GiB in the worst case.
 */
export const MAX_REQUEST_LOG_SIZE = 100_000;
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

/**
 * One place of the ring, reused by every entry that comes to it. Numbers and the strings made
 * once (method, route, host, app) stay in fields; what each call makes afresh (its id, query,
 * bodies) is kept as UTF-8 bytes in a buffer of the place's own.
 */
interface Slot {
  seq: number;
  at: number;
  status: number;
  durationMs: number;
  method: string;
  path: string;
  host: string | undefined;
  via: LoggedRequest['via'];
  appKey: string | undefined;
  code: string | undefined;
  faults: string[] | undefined;
  unknownFields: string[] | undefined;
  /** The request id, then the query's JSON, the request body's JSON and the response body's text, each when there. */
  bytes: Buffer;
  idBytes: number;
  /** -1 for each that the entry has not. */
  queryBytes: number;
  requestBytes: number;
  responseBytes: number;
  /** An entry that does not fit the bytes (a body over the limit, or neither text nor JSON), kept as it came. */
  whole: LoggedRequest | undefined;
}

/** An entry's bytes above this are kept whole rather than copied: the log cuts such bodies when read. */
const MAX_SLOT_BYTES = 2 * MAX_LOGGED_BODY_BYTES;
/** A place's first buffer; it grows to the largest entry that came to it. */
const FIRST_SLOT_BYTES = 2048;
const EMPTY = Buffer.alloc(0);

function emptySlot(): Slot {
  return {
    seq: 0,
    at: 0,
    status: 0,
    durationMs: 0,
    method: '',
    path: '',
    host: undefined,
    via: undefined,
    appKey: undefined,
    code: undefined,
    faults: undefined,
    unknownFields: undefined,
    bytes: EMPTY,
    idBytes: 0,
    queryBytes: -1,
    requestBytes: -1,
    responseBytes: -1,
    whole: undefined,
  };
}

/**
 * The ring. An entry lives for the next `capacity` calls: long enough, under load, to outlive V8's
 * young-generation collections and be copied into the old generation, whose collections then
 * clear it, which cost more a request than all of dingread's own work on a query. So the ring
 * keeps what a call makes afresh as bytes outside the JavaScript heap, in buffers made once per
 * place, and builds the entry again when the log is read, which is rare.
 */
export class RequestLog {
  /** `size` places in use, the newest at `(start + size - 1) % capacity`. */
  private slots: Slot[] = [];
  private start = 0;
  private size = 0;
  private nextSeq = 1;

  constructor(readonly capacity: number = DEFAULT_REQUEST_LOG_SIZE) {}

  /**
   * Keeps the entry, numbered; the oldest falls out when full. `requestJson`, when the caller has
   * it, is the request body's JSON text as it came (the body the entry holds parsed from it): kept
   * as it is rather than written out again.
   */
  add(entry: Omit<LoggedRequest, 'seq'>, requestJson?: string): void {
    if (this.capacity <= 0) return;
    let slot: Slot;
    if (this.size < this.capacity) {
      slot = this.slots[(this.start + this.size) % this.capacity] ??= emptySlot();
      this.size++;
    } else {
      slot = this.slots[this.start] as Slot;
      this.start = (this.start + 1) % this.capacity;
    }
    slot.seq = this.nextSeq++;
    slot.at = entry.at;
    slot.status = entry.status;
    slot.durationMs = entry.durationMs;
    slot.method = entry.method;
    slot.path = entry.path;
    slot.host = entry.host;
    slot.via = entry.via;
    slot.appKey = entry.appKey;
    slot.code = entry.code;
    slot.faults = entry.faults;
    slot.unknownFields = entry.unknownFields;
    slot.whole = keepAsBytes(slot, entry, requestJson) ? undefined : { ...entry, seq: slot.seq };
  }

  /** The entry in a place, built again, its fields in the order the recorder writes them. */
  private entryAt(slot: Slot): LoggedRequest {
    if (slot.whole) return slot.whole;
    const { bytes } = slot;
    const entry: Omit<LoggedRequest, 'seq'> = {
      requestId: bytes.toString('utf8', 0, slot.idBytes),
      at: slot.at,
      method: slot.method,
      path: slot.path,
      status: slot.status,
      durationMs: slot.durationMs,
    };
    let at = slot.idBytes;
    const next = (length: number): string => bytes.toString('utf8', at, (at += length));
    if (slot.host !== undefined) entry.host = slot.host;
    if (slot.via !== undefined) entry.via = slot.via;
    if (slot.queryBytes >= 0) entry.query = JSON.parse(next(slot.queryBytes)) as Record<string, unknown>;
    if (slot.appKey !== undefined) entry.appKey = slot.appKey;
    if (slot.code !== undefined) entry.code = slot.code;
    if (slot.faults !== undefined) entry.faults = slot.faults;
    if (slot.unknownFields !== undefined) entry.unknownFields = slot.unknownFields;
    if (slot.requestBytes >= 0) entry.requestBody = JSON.parse(next(slot.requestBytes)) as unknown;
    if (slot.responseBytes >= 0) entry.responseBody = next(slot.responseBytes);
    return { ...entry, seq: slot.seq };
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
      const slot = this.slots[(this.start + i) % this.capacity] as Slot;
      if (filter.path !== undefined && slot.path !== filter.path) continue;
      if (filter.appKey !== undefined && slot.appKey !== filter.appKey) continue;
      if (filter.since !== undefined && slot.at < filter.since) continue;
      if (filter.status !== undefined && !statusMatches(filter.status, slot.status)) continue;
      out.push(this.view(this.entryAt(slot)));
    }
    return out;
  }

  clear(): number {
    const cleared = this.size;
    this.slots = [];
    this.start = 0;
    this.size = 0;
    return cleared;
  }
}

/** JSON text, or undefined for what JSON cannot write (a body from the JSON parser always can). */
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/**
 * Writes the entry's id, query, request body and response body into `slot.bytes`; false when
 * they are not to be kept so: a response body that is not text, a value JSON cannot write, or
 * more than MAX_SLOT_BYTES together.
 */
function keepAsBytes(slot: Slot, entry: Omit<LoggedRequest, 'seq'>, requestJson: string | undefined): boolean {
  const { requestId, responseBody } = entry;
  if (responseBody !== undefined && typeof responseBody !== 'string') return false;
  const query = entry.query === undefined ? undefined : jsonOf(entry.query);
  const request = entry.requestBody === undefined ? undefined : (requestJson ?? jsonOf(entry.requestBody));
  if ((entry.query !== undefined && query === undefined) || (entry.requestBody !== undefined && request === undefined)) return false;
  // Each UTF-16 unit takes at most 3 bytes: the length in bytes is counted only when that bound is over the limit.
  const units = requestId.length + (query?.length ?? 0) + (request?.length ?? 0) + (responseBody?.length ?? 0);
  const byteLength = (): number =>
    Buffer.byteLength(requestId) +
    (query === undefined ? 0 : Buffer.byteLength(query)) +
    (request === undefined ? 0 : Buffer.byteLength(request)) +
    (responseBody === undefined ? 0 : Buffer.byteLength(responseBody));
  if (units * 3 > MAX_SLOT_BYTES && byteLength() > MAX_SLOT_BYTES) return false;
  for (;;) {
    const { bytes } = slot;
    let at = 0;
    const write = (text: string | undefined): number => {
      if (text === undefined) return -1;
      const written = bytes.write(text, at, 'utf8');
      at += written;
      return written;
    };
    const idBytes = write(requestId);
    const queryBytes = write(query);
    const requestBytes = write(request);
    const responseBytes = write(responseBody);
    // A write that leaves fewer than 4 bytes free may have stopped short of a character.
    if (bytes.length - at >= 4) {
      slot.idBytes = idBytes;
      slot.queryBytes = queryBytes;
      slot.requestBytes = requestBytes;
      slot.responseBytes = responseBytes;
      return true;
    }
    // A quarter more than this entry needs, so that the next, a little larger, fits too.
    const needed = byteLength() + 4;
    slot.bytes = Buffer.allocUnsafeSlow(Math.max(FIRST_SLOT_BYTES, needed + (needed >> 2)));
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

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
  /**
   * The call had bodies, but the log no longer holds them: later calls' bodies took their place
   * in the log's body budget (`--request-log-bodies`), or they were larger than all of it.
   */
  bodiesDropped?: true;
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
/** The most calls a server may be told to keep (`--request-log`). */
export const MAX_REQUEST_LOG_SIZE = 100_000;
/**
 * How many bytes of bodies the log keeps, the latest calls' (`--request-log-bodies`): a few
 * hundred calls of the size of a chat query's, and small enough to stay in a processor's cache.
 */
export const DEFAULT_REQUEST_LOG_BODY_BYTES = 1024 * 1024;
export const MAX_REQUEST_LOG_BODY_BYTES = 1024 * 1024 * 1024;
/** A body logged larger than this is kept as its start, so that one call does not take the log's whole budget. */
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
 * once (method, route, host, app) stay in fields; what each call makes afresh is kept as UTF-8
 * bytes: its id and query in a small buffer of the place's own, its bodies in the log's arena.
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
  /** The request id, then the query's JSON when there is a query. */
  own: Buffer;
  idBytes: number;
  /** -1 when the entry has no query. */
  queryBytes: number;
  /** Whether the call had a request or a response body, kept or not. */
  hadBodies: boolean;
  /** Where the bodies start in the arena, counted from the arena's first write (see BodyArena); -1 for none kept. */
  bodyFrom: number;
  /** -1 for each body the entry has not. */
  requestBytes: number;
  responseBytes: number;
  /** An entry whose query or body JSON cannot write (never one from HTTP), kept as it came. */
  whole: LoggedRequest | undefined;
}

/** A place's first buffer for its id and query; it grows to the largest that came to it. */
const FIRST_OWN_BYTES = 128;
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
    own: EMPTY,
    idBytes: 0,
    queryBytes: -1,
    hadBodies: false,
    bodyFrom: -1,
    requestBytes: -1,
    responseBytes: -1,
    whole: undefined,
  };
}

/**
 * The bodies of the latest calls, written one after the other round a buffer of a fixed size: the
 * newest overwrite the oldest. Positions are counted from the first write, never wrapped, so that
 * whether an entry's bytes are still there is one subtraction: they are while fewer than the
 * buffer's size bytes have been written since they started. An entry that would not fit before the
 * buffer's end starts at its beginning, the end's bytes counted as written.
 */
class BodyArena {
  private bytes: Buffer = EMPTY;
  /** How many bytes have been written (or skipped at an end) since the first write. */
  private written = 0;
  /** The bytes of the texts of the last write: their lengths, which reading them needs. */
  firstBytes = 0;
  secondBytes = 0;

  constructor(readonly size: number) {}

  /** Writes the texts one after the other; answers where they start, or -1 when they cannot fit at all. */
  write(first: string | undefined, second: string | undefined): number {
    if (this.size <= 0) return -1;
    if (this.bytes.length === 0) this.bytes = Buffer.allocUnsafeSlow(this.size);
    // Each UTF-16 unit takes at most 3 bytes: the exact length is counted only when that bound does not fit.
    const bound = ((first?.length ?? 0) + (second?.length ?? 0)) * 3;
    let at = this.written % this.size;
    if (this.size - at < bound) {
      const exact = (first === undefined ? 0 : Buffer.byteLength(first)) + (second === undefined ? 0 : Buffer.byteLength(second));
      if (exact > this.size) return -1;
      if (this.size - at < exact) {
        this.written += this.size - at;
        at = 0;
      }
    }
    const from = this.written;
    this.firstBytes = first === undefined ? 0 : this.bytes.write(first, at, 'utf8');
    this.secondBytes = second === undefined ? 0 : this.bytes.write(second, at + this.firstBytes, 'utf8');
    this.written = from + this.firstBytes + this.secondBytes;
    return from;
  }

  /** Whether the bytes written from `from` on are still there. */
  holds(from: number): boolean {
    return from >= 0 && this.written - from <= this.size;
  }

  read(from: number, length: number): string {
    const at = from % this.size;
    return this.bytes.toString('utf8', at, at + length);
  }

  clear(): void {
    this.written = 0;
  }
}

/**
 * The ring. An entry lives for the next `capacity` calls: long enough, under load, to outlive V8's
 * young-generation collections and be copied into the old generation, whose collections then
 * clear it, which cost more a request than all of dingread's own work on a query. So the ring
 * keeps what a call makes afresh as bytes outside the JavaScript heap, in buffers made once, and
 * builds the entry again when the log is read, which is rare. The bodies share one buffer of
 * `bodyBytes`: the log's memory is bounded by that, not by how large the calls were, and a small
 * one stays in the processor's cache, which a buffer written round and round on every call does
 * not.
 */
export class RequestLog {
  /** `size` places in use, the newest at `(start + size - 1) % capacity`. */
  private slots: Slot[] = [];
  private start = 0;
  private size = 0;
  private nextSeq = 1;
  private readonly arena: BodyArena;

  constructor(
    readonly capacity: number = DEFAULT_REQUEST_LOG_SIZE,
    bodyBytes: number = DEFAULT_REQUEST_LOG_BODY_BYTES,
  ) {
    for (const [name, value, most] of [['capacity', capacity, MAX_REQUEST_LOG_SIZE], ['bodyBytes', bodyBytes, MAX_REQUEST_LOG_BODY_BYTES]] as const) {
      if (!Number.isSafeInteger(value) || value < 0 || value > most) throw new RangeError(`the request log's ${name} must be a whole number from 0 to ${most}, not ${value}`);
    }
    this.arena = new BodyArena(bodyBytes);
  }

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
    let kept: boolean;
    try {
      kept = this.keepAsBytes(slot, entry, requestJson);
    } catch {
      // A buffer the machine could not allocate: kept whole rather than half written in the place.
      kept = false;
    }
    slot.whole = kept ? undefined : { ...entry, seq: slot.seq };
  }

  /**
   * Writes the entry's id and query into its place, its bodies into the arena; false when JSON
   * cannot write its query or a body. A body over MAX_LOGGED_BODY_BYTES is kept as what reading
   * it gives, `{"truncated":true,…}`, so that a large call takes no more of the arena than that.
   */
  private keepAsBytes(slot: Slot, entry: Omit<LoggedRequest, 'seq'>, requestJson: string | undefined): boolean {
    const query = entry.query === undefined ? undefined : jsonOf(entry.query);
    const { requestBody, responseBody } = entry;
    const request = requestBody === undefined ? undefined : boundedText(requestJson ?? jsonOf(requestBody), requestBody, false);
    const response =
      responseBody === undefined
        ? undefined
        : typeof responseBody === 'string'
          ? boundedText(responseBody, responseBody, true)
          : boundedText(jsonOf(responseBody), responseBody, false);
    if ((entry.query !== undefined && query === undefined) || (entry.requestBody !== undefined && request === undefined)) return false;
    if (responseBody !== undefined && response === undefined) return false;
    writeOwn(slot, entry.requestId, query);
    slot.hadBodies = request !== undefined || response !== undefined;
    slot.requestBytes = -1;
    slot.responseBytes = -1;
    slot.bodyFrom = slot.hadBodies ? this.arena.write(request, response) : -1;
    if (slot.bodyFrom >= 0) {
      if (request !== undefined) slot.requestBytes = this.arena.firstBytes;
      if (response !== undefined) slot.responseBytes = this.arena.secondBytes;
    }
    return true;
  }

  /** The entry in a place, built again, its fields in the order the recorder writes them. */
  private entryAt(slot: Slot): LoggedRequest {
    if (slot.whole) return slot.whole;
    const { own } = slot;
    const entry: Omit<LoggedRequest, 'seq'> = {
      requestId: own.toString('utf8', 0, slot.idBytes),
      at: slot.at,
      method: slot.method,
      path: slot.path,
      status: slot.status,
      durationMs: slot.durationMs,
    };
    if (slot.host !== undefined) entry.host = slot.host;
    if (slot.via !== undefined) entry.via = slot.via;
    if (slot.queryBytes >= 0) entry.query = JSON.parse(own.toString('utf8', slot.idBytes, slot.idBytes + slot.queryBytes)) as Record<string, unknown>;
    if (slot.appKey !== undefined) entry.appKey = slot.appKey;
    if (slot.code !== undefined) entry.code = slot.code;
    if (slot.faults !== undefined) entry.faults = slot.faults;
    if (slot.unknownFields !== undefined) entry.unknownFields = slot.unknownFields;
    if (slot.hadBodies && !this.arena.holds(slot.bodyFrom)) {
      entry.bodiesDropped = true;
    } else {
      if (slot.requestBytes >= 0) entry.requestBody = JSON.parse(this.arena.read(slot.bodyFrom, slot.requestBytes)) as unknown;
      if (slot.responseBytes >= 0) entry.responseBody = this.arena.read(slot.bodyFrom + Math.max(slot.requestBytes, 0), slot.responseBytes);
    }
    return { ...entry, seq: slot.seq };
  }

  /**
   * An entry as callers see it: secrets masked, long bodies cut. Done when the log is read, not
   * on every call, because the log is read rarely and written on every request.
   */
  private view(entry: LoggedRequest, slot: Slot): LoggedRequest {
    const logged: LoggedRequest = { ...entry };
    if (entry.query !== undefined) logged.query = masked(entry.query) as Record<string, unknown>;
    if (entry.requestBody !== undefined) logged.requestBody = readable(entry.requestBody, slot.whole ? undefined : slot.requestBytes);
    if (entry.responseBody !== undefined) logged.responseBody = readable(fromText(entry.responseBody), slot.whole ? undefined : slot.responseBytes);
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
      out.push(this.view(this.entryAt(slot), slot));
    }
    return out;
  }

  clear(): number {
    const cleared = this.size;
    this.slots = [];
    this.start = 0;
    this.size = 0;
    this.arena.clear();
    return cleared;
  }
}

/** Writes the id and the query's JSON into the place's own buffer, grown when they do not fit. */
function writeOwn(slot: Slot, requestId: string, query: string | undefined): void {
  for (;;) {
    const { own } = slot;
    const idBytes = own.write(requestId, 0, 'utf8');
    const queryBytes = query === undefined ? -1 : own.write(query, idBytes, 'utf8');
    // A write that leaves fewer than 4 bytes free may have stopped short of a character.
    if (own.length - idBytes - Math.max(queryBytes, 0) >= 4) {
      slot.idBytes = idBytes;
      slot.queryBytes = queryBytes;
      return;
    }
    // A quarter more than this entry needs, so that the next, a little larger, fits too.
    const needed = Buffer.byteLength(requestId) + (query === undefined ? 0 : Buffer.byteLength(query)) + 4;
    slot.own = Buffer.allocUnsafeSlow(Math.max(FIRST_OWN_BYTES, needed + (needed >> 2)));
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
 * The text to keep of a body: as it is, or for one over MAX_LOGGED_BODY_BYTES the JSON of what
 * reading it gives (its head, masked), so that a large call takes no more of the arena than that.
 * `body` is the body the text is of, read back as JSON first when `bodyIsText` (a response's).
 */
function boundedText(text: string | undefined, body: unknown, bodyIsText: boolean): string | undefined {
  if (text === undefined || text.length * 3 <= MAX_LOGGED_BODY_BYTES) return text;
  const bytes = Buffer.byteLength(text);
  return bytes <= MAX_LOGGED_BODY_BYTES ? text : JSON.stringify(readable(bodyIsText ? fromText(body) : body, bytes));
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

/**
 * A body as the log shows it: masked, and cut when long. One nested deeper than masking can walk
 * (a few thousand levels fit in 16 KiB) is shown without its head, which could not be masked.
 */
function readable(body: unknown, keptBytes: number | undefined): unknown {
  try {
    return bounded(masked(body));
  } catch {
    return { truncated: true, bytes: keptBytes ?? bytesOf(body), head: '' };
  }
}

/** The size of a body as JSON; 0 for one too deep for JSON.stringify too. */
function bytesOf(body: unknown): number {
  try {
    return Buffer.byteLength(typeof body === 'string' ? body : (JSON.stringify(body) ?? ''));
  } catch {
    return 0;
  }
}

function bounded(value: unknown): unknown {
  const text = JSON.stringify(value) ?? '';
  if (Buffer.byteLength(text) <= MAX_LOGGED_BODY_BYTES) return value;
  return { truncated: true, bytes: Buffer.byteLength(text), head: text.slice(0, 1024) };
}

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
 * What an entry keeps beside its numbers and bytes, held only by the few entries that have any:
 * injected faults, unknown fields, an id too long for its place, or the whole entry when JSON
 * could not write its query or a body (never one from HTTP).
 */
interface Rare {
  faults: string[] | undefined;
  unknownFields: string[] | undefined;
  requestId: string | undefined;
  whole: LoggedRequest | undefined;
}

/** Code units of a request id kept in its place (dingread's are 36); a longer one is kept as Rare. */
const ID_UNITS = 40;
/** Places made at first; they double as the log fills, up to its capacity. */
const FIRST_PLACES = 1024;
/** A place's first buffer for a query's JSON; it grows to the largest that came to it. */
const FIRST_QUERY_BYTES = 128;
const EMPTY = Buffer.alloc(0);

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
 * keeps what a call makes afresh (its id, its query, its bodies, its numbers) as bytes and numbers
 * in typed arrays and buffers made once, not as objects and strings on the JavaScript heap, and
 * builds the entry again when the log is read, which is rare.
 *
 * Each field is an array of its own, indexed by place (a column), rather than an object per
 * place: an entry written touches the same few cache lines as the entries just before it, where
 * an object per place, with a buffer of its own for the id, was memory the processor last saw a
 * thousand calls ago (on the group page the columns took 0.5 to 1 µs of CPU off a request;
 * BENCHMARKS.md, the eleventh round). The strings (method, route, host, app, an error's code)
 * are kept as they are, in plain arrays: all but the code are made once and shared by every call.
 * What few entries have (faults, unknown fields, a long id) is kept in a map by place: a bot whose
 * every call has one pays for an object a call. The bodies share one buffer of `bodyBytes`,
 * written one after the other: the log's memory is bounded by that, not by how large the calls
 * were.
 */
export class RequestLog {
  /** `size` places in use, the newest at `(start + size - 1) % capacity`. */
  private start = 0;
  private size = 0;
  private nextSeq = 1;
  private readonly arena: BodyArena;
  /** How many places the columns hold: they grow to `capacity` as the log fills. */
  private places = 0;
  private seqs = new Float64Array(0);
  private ats = new Float64Array(0);
  private durations = new Float64Array(0);
  private statuses = new Uint16Array(0);
  /** Where the entry's bodies start in the arena (see BodyArena); -1 for none kept. */
  private bodyFroms = new Float64Array(0);
  /** -1 for each body the entry has not. */
  private requestBytes = new Int32Array(0);
  private responseBytes = new Int32Array(0);
  /** 1 when the call had a request or a response body, kept or not. */
  private hadBodies = new Uint8Array(0);
  /** 1 when the place has an entry in `rare`. */
  private hasRare = new Uint8Array(0);
  /** The request id's code units, ID_UNITS a place, and how many of them are the id. */
  private idUnits = new Uint16Array(0);
  private idLengths = new Uint8Array(0);
  /**
   * A query's JSON as UTF-8, in a buffer of the place's own, made the first time a call with a
   * query (a GET) comes to the place and reused by the calls after it; -1 bytes for none.
   */
  private queries: (Buffer | undefined)[] = [];
  private queryBytes = new Int32Array(0);
  private methods: string[] = [];
  private paths: string[] = [];
  private hosts: (string | undefined)[] = [];
  private vias: LoggedRequest['via'][] = [];
  private appKeys: (string | undefined)[] = [];
  private codes: (string | undefined)[] = [];
  private readonly rare = new Map<number, Rare>();

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
    let place: number;
    if (this.size < this.capacity) {
      place = (this.start + this.size) % this.capacity;
      if (place >= this.places) this.grow();
      this.size++;
    } else {
      place = this.start;
      this.start = (this.start + 1) % this.capacity;
    }
    const seq = this.nextSeq++;
    this.seqs[place] = seq;
    this.ats[place] = entry.at;
    this.statuses[place] = entry.status;
    this.durations[place] = entry.durationMs;
    this.methods[place] = entry.method;
    this.paths[place] = entry.path;
    this.hosts[place] = entry.host;
    this.vias[place] = entry.via;
    this.appKeys[place] = entry.appKey;
    this.codes[place] = entry.code;
    if (this.hasRare[place] === 1) {
      this.rare.delete(place);
      this.hasRare[place] = 0;
    }
    if (entry.faults !== undefined || entry.unknownFields !== undefined) {
      const rare = this.rareAt(place);
      rare.faults = entry.faults;
      rare.unknownFields = entry.unknownFields;
    }
    let kept: boolean;
    try {
      kept = this.keepAsBytes(place, entry, requestJson);
    } catch {
      // A buffer the machine could not allocate: kept whole rather than half written in the place.
      kept = false;
    }
    if (!kept) this.rareAt(place).whole = { ...entry, seq };
  }

  /** The place's Rare, made when it has none. */
  private rareAt(place: number): Rare {
    let rare = this.rare.get(place);
    if (rare === undefined) {
      rare = { faults: undefined, unknownFields: undefined, requestId: undefined, whole: undefined };
      this.rare.set(place, rare);
      this.hasRare[place] = 1;
    }
    return rare;
  }

  /**
   * Makes the columns FIRST_PLACES long, or twice as long (at most `capacity`); only while the
   * ring has not come round, when `start` is 0 and the places in use are the first `size`.
   */
  private grow(): void {
    this.resize(Math.min(this.capacity, Math.max(FIRST_PLACES, this.places * 2)));
  }

  /** Makes every column `places` long, keeping what its first places hold. */
  private resize(places: number): void {
    const sized = <T extends Float64Array | Int32Array | Uint16Array | Uint8Array>(old: T, make: (n: number) => T, per = 1): T => {
      const next = make(places * per);
      next.set(old.subarray(0, Math.min(old.length, places * per)));
      return next;
    };
    this.seqs = sized(this.seqs, (n) => new Float64Array(n));
    this.ats = sized(this.ats, (n) => new Float64Array(n));
    this.durations = sized(this.durations, (n) => new Float64Array(n));
    this.statuses = sized(this.statuses, (n) => new Uint16Array(n));
    this.bodyFroms = sized(this.bodyFroms, (n) => new Float64Array(n));
    this.requestBytes = sized(this.requestBytes, (n) => new Int32Array(n));
    this.responseBytes = sized(this.responseBytes, (n) => new Int32Array(n));
    this.hadBodies = sized(this.hadBodies, (n) => new Uint8Array(n));
    this.hasRare = sized(this.hasRare, (n) => new Uint8Array(n));
    this.idUnits = sized(this.idUnits, (n) => new Uint16Array(n), ID_UNITS);
    this.idLengths = sized(this.idLengths, (n) => new Uint8Array(n));
    this.queryBytes = sized(this.queryBytes, (n) => new Int32Array(n));
    // Filled to their length, so that V8 keeps them packed.
    for (const column of [this.methods, this.paths] as string[][]) {
      column.length = Math.min(column.length, places);
      while (column.length < places) column.push('');
    }
    for (const column of [this.hosts, this.vias, this.appKeys, this.codes, this.queries] as unknown[][]) {
      column.length = Math.min(column.length, places);
      while (column.length < places) column.push(undefined);
    }
    this.places = places;
  }

  /**
   * Writes the entry's id and query into its place, its bodies into the arena; false when JSON cannot write
   * its query or a body. A body over MAX_LOGGED_BODY_BYTES is kept as what reading it gives,
   * `{"truncated":true,…}`, so that a large call takes no more of the arena than that.
   */
  private keepAsBytes(place: number, entry: Omit<LoggedRequest, 'seq'>, requestJson: string | undefined): boolean {
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
    const { requestId } = entry;
    if (requestId.length <= ID_UNITS) {
      // Code units, not UTF-8: a loop in JavaScript, where a Buffer write is a call into C++.
      const units = this.idUnits;
      const at = place * ID_UNITS;
      for (let i = 0; i < requestId.length; i++) units[at + i] = requestId.charCodeAt(i);
      this.idLengths[place] = requestId.length;
    } else {
      this.rareAt(place).requestId = requestId;
      this.idLengths[place] = 0;
    }
    this.queryBytes[place] = query === undefined ? -1 : this.writeQuery(place, query);
    const hadBodies = request !== undefined || response !== undefined;
    this.hadBodies[place] = hadBodies ? 1 : 0;
    this.requestBytes[place] = -1;
    this.responseBytes[place] = -1;
    const from = hadBodies ? this.arena.write(request, response) : -1;
    this.bodyFroms[place] = from;
    if (from >= 0) {
      if (request !== undefined) this.requestBytes[place] = this.arena.firstBytes;
      if (response !== undefined) this.responseBytes[place] = this.arena.secondBytes;
    }
    return true;
  }

  /** Writes a query's JSON into the place's buffer, grown when it does not fit; answers its bytes. */
  private writeQuery(place: number, query: string): number {
    let buffer = this.queries[place];
    // Each UTF-16 unit takes at most 3 bytes: the exact length is counted only when that bound does not fit.
    if (buffer === undefined || buffer.length < query.length * 3) {
      const needed = Buffer.byteLength(query);
      if (buffer === undefined || buffer.length < needed) {
        // A quarter more than this query needs, so that the next, a little larger, fits too.
        buffer = Buffer.allocUnsafeSlow(Math.max(FIRST_QUERY_BYTES, needed + (needed >> 2)));
        this.queries[place] = buffer;
      }
    }
    return buffer.write(query, 0, 'utf8');
  }

  /** The entry in a place, built again, its fields in the order the recorder writes them. */
  private entryAt(place: number): LoggedRequest {
    const rare = this.hasRare[place] === 1 ? this.rare.get(place) : undefined;
    if (rare?.whole) return rare.whole;
    const at = place * ID_UNITS;
    const entry: Omit<LoggedRequest, 'seq'> = {
      requestId: rare?.requestId ?? String.fromCharCode(...this.idUnits.subarray(at, at + (this.idLengths[place] as number))),
      at: this.ats[place] as number,
      method: this.methods[place] as string,
      path: this.paths[place] as string,
      status: this.statuses[place] as number,
      durationMs: this.durations[place] as number,
    };
    const host = this.hosts[place];
    const via = this.vias[place];
    const appKey = this.appKeys[place];
    const code = this.codes[place];
    if (host !== undefined) entry.host = host;
    if (via !== undefined) entry.via = via;
    const queryBytes = this.queryBytes[place] as number;
    if (queryBytes >= 0) entry.query = JSON.parse((this.queries[place] as Buffer).toString('utf8', 0, queryBytes)) as Record<string, unknown>;
    if (appKey !== undefined) entry.appKey = appKey;
    if (code !== undefined) entry.code = code;
    if (rare?.faults !== undefined) entry.faults = rare.faults;
    if (rare?.unknownFields !== undefined) entry.unknownFields = rare.unknownFields;
    const from = this.bodyFroms[place] as number;
    const requestBytes = this.requestBytes[place] as number;
    const responseBytes = this.responseBytes[place] as number;
    if (this.hadBodies[place] === 1 && !this.arena.holds(from)) {
      entry.bodiesDropped = true;
    } else {
      if (requestBytes >= 0) entry.requestBody = JSON.parse(this.arena.read(from, requestBytes)) as unknown;
      if (responseBytes >= 0) entry.responseBody = this.arena.read(from + Math.max(requestBytes, 0), responseBytes);
    }
    return { ...entry, seq: this.seqs[place] as number };
  }

  /**
   * An entry as callers see it: secrets masked, long bodies cut. Done when the log is read, not
   * on every call, because the log is read rarely and written on every request.
   */
  private view(entry: LoggedRequest, place: number): LoggedRequest {
    const whole = this.hasRare[place] === 1 && this.rare.get(place)?.whole !== undefined;
    const logged: LoggedRequest = { ...entry };
    if (entry.query !== undefined) logged.query = masked(entry.query) as Record<string, unknown>;
    if (entry.requestBody !== undefined) logged.requestBody = readable(entry.requestBody, whole ? undefined : this.requestBytes[place]);
    if (entry.responseBody !== undefined) logged.responseBody = readable(fromText(entry.responseBody), whole ? undefined : this.responseBytes[place]);
    return logged;
  }

  /** Newest first. */
  list(filter: RequestLogFilter = {}): LoggedRequest[] {
    const out: LoggedRequest[] = [];
    const limit = filter.limit ?? 100;
    for (let i = this.size - 1; i >= 0 && out.length < limit; i--) {
      const place = (this.start + i) % this.capacity;
      // `add` writes these columns for an entry kept whole too.
      if (filter.path !== undefined && this.paths[place] !== filter.path) continue;
      if (filter.appKey !== undefined && this.appKeys[place] !== filter.appKey) continue;
      if (filter.since !== undefined && (this.ats[place] as number) < filter.since) continue;
      if (filter.status !== undefined && !statusMatches(filter.status, this.statuses[place] as number)) continue;
      out.push(this.view(this.entryAt(place), place));
    }
    return out;
  }

  /** Forgets every entry, and lets go of the memory the columns and the queries' buffers took. */
  clear(): number {
    const cleared = this.size;
    this.start = 0;
    this.size = 0;
    this.resize(0);
    this.rare.clear();
    this.arena.clear();
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

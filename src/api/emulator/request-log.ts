/**
 * The request log on the HTTP side: what each call of DingTalk's API carries from its first hook
 * to its last, the entry written once it is answered (in batches: WRITE_BATCH), and
 * `/_dingread/v1/requests` (the ring buffer itself is core/request-log.ts).
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import { RequestLog, type LoggedRequest, type RequestLogFilter } from '../../core/request-log.js';
import { routeOf } from '../access.js';
import { pathOf, requestTarget } from '../proxy/request-target.js';
import { notesOf } from '../request-notes.js';
import { appKeyOf, isDingTalkCall } from './calls.js';
import { RequestsQuery } from './schemas.js';

/**
 * What one logged call carries from its first hook to its last. Made with every field in place,
 * so that the fields set later do not change the object's shape on every call.
 */
export interface PendingEntry {
  startedAt: number;
  at: number;
  faults: string[] | undefined;
  /** The body as parsed, before leniency dropped anything (dingtalk/leniency.ts). */
  requestBody: unknown;
  /** The JSON text the body was parsed from (parseJsonKeepingText), for the log to keep as it is. */
  requestText: string | undefined;
  /** Set once the call is answered (record): the entry is written from these a little later. */
  logged: boolean;
  status: number;
  /** The answer's text; undefined for an answer that is not text (a file's bytes, a dropped connection). */
  responseText: string | undefined;
  durationMs: number;
}

/**
 * How many answered calls wait before their entries are written together. Written one by one, the
 * log's code ran once between every request's other work and paid each time to be fetched again;
 * written 32 at a time, it runs 32 times in a row, which took about half of the log's cost off a
 * query (BENCHMARKS.md, the twelfth round). The log is read through flush(), so a reader never
 * sees it behind; a batch holds at most 32 answers' texts, for a few requests' time.
 */
const WRITE_BATCH = 32;

export class RequestRecorder {
  private readonly log: RequestLog;
  /** Calls answered whose entries are not written yet, in the order they were answered. */
  private answered: FastifyRequest[] = [];

  constructor(
    private readonly clock: Clock,
    size: number,
    bodyBytes: number,
  ) {
    this.log = new RequestLog(size, bodyBytes);
  }

  /** Starts the entry of a DingTalk call (onRequest); answers whether the call is logged. */
  begin(request: FastifyRequest): boolean {
    if (!isDingTalkCall(request)) return false;
    const notes = notesOf(request);
    notes.loggedCall = {
      startedAt: notes.receivedAt,
      at: this.clock.now(),
      faults: undefined,
      requestBody: undefined,
      requestText: undefined,
      logged: false,
      status: 0,
      responseText: undefined,
      durationMs: 0,
    };
    return true;
  }

  /**
   * Fastify's own JSON body parser, with the text it parses noted on a logged call's entry: the log
   * keeps that text instead of writing the parsed body out as JSON again on every call.
   */
  parseJsonKeepingText(app: FastifyInstance): void {
    const parse = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
      const entry = request.notes?.loggedCall;
      // Noted before parsing (its callback goes on with the request at once); read only once a body
      // was parsed from it. A byte-order mark is dropped by the parser and so from the text kept.
      if (entry) entry.requestText = (text as string).charCodeAt(0) === 0xfeff ? (text as string).slice(1) : (text as string);
      // Fastify's parser answers through `done`; its declared type also allows a promise, which it never returns.
      void parse(request, text as string, done);
    });
  }

  /** Keeps the body as sent, before leniency leaves fields out (preValidation, before leniency's hook). */
  keepBody(request: FastifyRequest): void {
    const entry = request.notes?.loggedCall;
    if (entry) entry.requestBody = request.body;
  }

  noteFaults(request: FastifyRequest, fired: string[]): void {
    const entry = request.notes?.loggedCall;
    if (entry) entry.faults = fired;
  }

  /**
   * Notes the call's answer, once: when it goes out (onSend), or when the connection is dropped
   * (status 0). Its entry is written with the next batch (WRITE_BATCH), or when the log is read.
   */
  record(request: FastifyRequest, status: number, payload: unknown): void {
    const entry = request.notes?.loggedCall;
    if (!entry || entry.logged) return;
    entry.logged = true;
    entry.status = status;
    entry.responseText = typeof payload === 'string' ? payload : undefined;
    entry.durationMs = Math.round(performance.now() - entry.startedAt);
    this.answered.push(request);
    if (this.answered.length >= WRITE_BATCH) this.flush();
  }

  /** Writes the entries of the calls answered since the last time, oldest first. */
  flush(): void {
    const answered = this.answered;
    if (answered.length === 0) return;
    this.answered = [];
    for (const request of answered) {
      try {
        this.write(request);
      } catch (error) {
        // The log is a record of the answers, never a reason to change one (nor, written in a
        // batch, the answer of the call whose turn it was to write it).
        request.log.error({ err: error }, 'the request log could not keep this call');
      }
    }
  }

  /** Forgets every call, the ones whose entries are not written yet too; answers how many. */
  clear(): number {
    this.flush();
    return this.log.clear();
  }

  /** Writes one answered call's entry; it may throw (flush keeps that from any answer). */
  private write(request: FastifyRequest): void {
    const notes = request.notes;
    const entry = notes?.loggedCall;
    if (!entry) return;
    const { status } = entry;
    // The body stays text here (the log parses it when read); only an error's code is needed now.
    const responseBody = entry.responseText;
    const envelopeCode =
      status >= 400 && responseBody !== undefined ? (parseJson(responseBody) as { code?: unknown } | undefined)?.code : undefined;
    const target = requestTarget(request.raw);
    // Built field by field: this runs on every call of DingTalk's API.
    const logged: Omit<LoggedRequest, 'seq'> = {
      requestId: request.id,
      at: entry.at,
      method: request.method,
      path: pathOrRoute(request),
      status,
      durationMs: entry.durationMs,
    };
    if (target.authority !== '') logged.host = target.authority;
    if (target.via !== 'direct') logged.via = target.via;
    const query = request.query as Record<string, unknown> | undefined;
    if (query && hasKeys(query)) logged.query = query;
    const appKey = appKeyOf(request);
    if (appKey !== undefined) logged.appKey = appKey;
    if (status >= 400 && typeof envelopeCode === 'string') logged.code = envelopeCode;
    if (entry.faults) logged.faults = entry.faults;
    if (notes?.unknownFields) logged.unknownFields = notes.unknownFields;
    // The text is the body's only when the body kept is the one parsed from it (keepBody).
    const requestBody = entry.requestBody ?? request.body;
    if (requestBody !== undefined) logged.requestBody = requestBody;
    if (responseBody !== undefined) logged.responseBody = responseBody;
    this.log.add(logged, entry.requestBody === undefined ? undefined : entry.requestText);
  }

  /** `/_dingread/v1/requests`: list (filtered) and clear. */
  routes(v1: FastifyInstance): void {
    v1.get('/requests', { schema: { querystring: RequestsQuery } }, async (request) => {
      this.flush();
      return { items: this.log.list(filterOf(request.query as RequestsQuery)) };
    });
    v1.delete('/requests', async () => ({ removed: this.clear() }));
  }
}

function filterOf(query: RequestsQuery): RequestLogFilter {
  const filter: RequestLogFilter = {};
  if (query.path !== undefined) filter.path = query.path;
  if (query.appKey !== undefined) filter.appKey = query.appKey;
  if (query.status !== undefined) filter.status = query.status;
  if (query.since !== undefined) filter.since = Number(query.since);
  if (query.limit !== undefined) filter.limit = Number(query.limit);
  return filter;
}

/**
 * The path as sent; the route's own pattern when they are the same, so that the log's entry, kept
 * for the next thousand calls, holds a string made once rather than one made for this request.
 */
function pathOrRoute(request: FastifyRequest): string {
  const path = pathOf(request.url);
  const route = routeOf(request).url;
  return path === route ? route : path;
}

function hasKeys(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 1024);
  }
}

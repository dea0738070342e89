/**
 * The emulator toolkit on the HTTP side: injected faults, DingTalk's per-app QPS limit and the
 * request log for every call of DingTalk's API (`/v1.0/*`, the legacy routes, and anything
 * addressed to a DingTalk host), their control routes under `/_dingread/v1/`, and the
 * OpenAPI document at `/_dingread/openapi.json`. Registered once by app.ts, before any route, so
 * that its hooks and its route catalogue see all of them.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { CoreContext } from '../../core/context.js';
import { DingReadError, ERROR_TABLE, isErrorCode } from '../../core/errors.js';
import { FaultRegistry, type FaultError, type FaultSpec } from '../../core/faults.js';
import { DEFAULT_REQUEST_LOG_SIZE, RequestLog, type RequestLogFilter } from '../../core/request-log.js';
import { QpsLimiter } from '../../core/throttle.js';
import { surfaceOf } from '../access.js';
import { LEGACY, sendLegacy } from '../dingtalk/legacy.js';
import { sendError, type ErrorEnvelope } from '../envelope.js';
import { pathOf, requestTarget } from '../proxy/request-target.js';
import { openApiDocument } from '../openapi/openapi.js';
import { RouteCatalog } from '../openapi/route-catalog.js';
import { FaultBody, FaultParams, RequestsQuery } from './schemas.js';

export interface EmulatorOptions {
  /**
   * Calls per second allowed per app and API before `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`;
   * 0 (the default here) turns throttling off. The CLI passes DingTalk's 20.
   */
  qpsLimit?: number;
  /** How many recent calls `GET /_dingread/v1/requests` keeps (default 1000). */
  requestLogSize?: number;
}

export interface EmulatorPluginOptions extends EmulatorOptions {
  version: string;
}

/** What one request carries from its first hook to its last. */
interface Pending {
  startedAt: number;
  at: number;
  faults?: string[];
  /** The body as parsed, before leniency dropped anything (dingtalk/leniency.ts). */
  requestBody?: unknown;
  payload?: unknown;
  logged?: true;
}

const RESET_ROUTE = '/_dingread/v1/reset';

/**
 * A call of DingTalk's API: a DingTalk route, an unknown path under `/v1.0/` or anything
 * addressed to a DingTalk host (a bot's wrong path is worth seeing in the log); not a stray
 * request for `/favicon.ico`.
 */
function isDingTalkCall(request: FastifyRequest): boolean {
  if (surfaceOf(request) !== 'dingtalk') return false;
  return !request.is404 || request.url.startsWith('/v1.0/') || requestTarget(request.raw).dingtalk !== undefined;
}

export function emulator(ctx: CoreContext, options: EmulatorPluginOptions): FastifyPluginAsync {
  const faults = new FaultRegistry(ctx.random);
  const limiter = new QpsLimiter(options.qpsLimit ?? 0, () => ctx.clock.elapsed());
  const requests = new RequestLog(options.requestLogSize ?? DEFAULT_REQUEST_LOG_SIZE);
  const catalog = new RouteCatalog();
  const pending = new WeakMap<FastifyRequest, Pending>();

  function record(request: FastifyRequest, status: number, payload: unknown): void {
    const state = pending.get(request);
    if (!state || state.logged) return;
    state.logged = true;
    // The body stays text here (the log parses it when read); only an error's code is needed now.
    const responseBody = typeof payload === 'string' ? payload : undefined;
    const envelopeCode =
      status >= 400 && responseBody !== undefined ? (parseJson(responseBody) as { code?: unknown } | undefined)?.code : undefined;
    const appKey = appKeyOf(request);
    const query = request.query as Record<string, unknown> | undefined;
    const target = requestTarget(request.raw);
    const requestBody = state.requestBody ?? request.body;
    requests.add({
      requestId: String(request.id),
      at: state.at,
      method: request.method,
      ...(target.authority === '' ? {} : { host: target.authority }),
      ...(target.via === 'direct' ? {} : { via: target.via }),
      path: pathOf(request.url),
      ...(query && Object.keys(query).length > 0 ? { query } : {}),
      ...(appKey === undefined ? {} : { appKey }),
      status,
      ...(status >= 400 && typeof envelopeCode === 'string' ? { code: envelopeCode } : {}),
      durationMs: Math.round(performance.now() - state.startedAt),
      ...(state.faults ? { faults: state.faults } : {}),
      ...(request.unknownFields ? { unknownFields: request.unknownFields } : {}),
      ...(requestBody === undefined ? {} : { requestBody }),
      ...(responseBody === undefined ? {} : { responseBody }),
    });
  }

  /** Injected faults, then the QPS limit; answers (or drops) the request when either applies. */
  async function gate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const route = request.routeOptions.url;
    if (route === undefined || !pending.has(request)) return undefined;
    const appKey = appKeyOf(request);
    // The route's own path: the router decodes escapes, so `/v1.0/robot/groupMessages/%71uery` is still that route.
    const outcome = faults.hit({ path: route, appKey, robotCode: robotCodeOf(request) });
    const state = pending.get(request);
    if (state && outcome.fired.length > 0) state.faults = outcome.fired;
    if (outcome.latencyMs > 0) await delay(outcome.latencyMs);
    if (outcome.drop) {
      record(request, 0, undefined);
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    if (outcome.error) return sendInjected(reply, outcome.error);
    if (appKey !== undefined && !limiter.admit(appKey, route)) {
      // The legacy routes (gettoken) answer as the legacy host does: HTTP 200 and an errcode.
      if (!route.startsWith('/v1.0/')) return sendLegacy(reply, LEGACY.throttled);
      return sendError(reply, new DingReadError('Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', `${route} for app ${appKey}`));
    }
    return undefined;
  }

  const plugin = async (app: FastifyInstance): Promise<void> => {
    catalog.watch(app);

    // Callback-form hooks (no promise per hook): they run on every request.
    app.addHook('onRequest', (request, _reply, done) => {
      if (isDingTalkCall(request)) pending.set(request, { startedAt: performance.now(), at: ctx.clock.now() });
      done();
    });
    app.addHook('preValidation', (request, reply, done) => {
      const state = pending.get(request);
      if (state) state.requestBody = request.body;
      // Nothing to inject and no limit: the common case costs no promise.
      if (faults.isEmpty() && limiter.limit <= 0) return done();
      gate(request, reply).then(
        (answered) => (answered ? undefined : done()),
        (error: Error) => done(error),
      );
    });
    app.addHook('onSend', (request, reply, payload, done) => {
      const state = pending.get(request);
      if (state) state.payload = payload;
      // `POST /reset` forgets everything: the emulator's state goes with the store's.
      if (request.routeOptions.url === RESET_ROUTE && request.method === 'POST' && reply.statusCode === 200) {
        faults.clear();
        requests.clear();
      }
      done(null, payload);
    });
    app.addHook('onResponse', (request, reply, done) => {
      const state = pending.get(request);
      if (state) record(request, reply.statusCode, state.payload);
      done();
    });

    app.get('/_dingread/openapi.json', async () => openApiDocument(catalog.routes, options.version));

    await app.register(
      async (v1) => {
        v1.post('/faults', { schema: { body: FaultBody } }, async (request) => faults.add(request.body as FaultSpec));
        v1.get('/faults', async () => ({ items: faults.list() }));
        v1.delete('/faults', async () => ({ removed: faults.clear() }));
        v1.delete('/faults/:id', { schema: { params: FaultParams } }, async (request) => {
          faults.remove((request.params as { id: string }).id);
          return {};
        });
        v1.get('/requests', { schema: { querystring: RequestsQuery } }, async (request) => ({
          items: requests.list(filterOf(request.query as RequestsQuery)),
        }));
        v1.delete('/requests', async () => ({ removed: requests.clear() }));
      },
      { prefix: '/_dingread/v1' },
    );
  };
  // Not encapsulated: the hooks apply to every route of the app, not only to the ones this plugin registers.
  return fastifyPlugin(plugin, { name: 'dingread-emulator' });
}

/** An injected error, in DingTalk's envelope like every other. */
function sendInjected(reply: FastifyReply, error: FaultError): FastifyReply {
  const fallback = isErrorCode(error.code) ? ERROR_TABLE[error.code].message : 'Injected fault';
  const body: ErrorEnvelope = { code: error.code, message: error.message ?? fallback, requestid: String(reply.request.id) };
  return reply.code(error.status).type('application/json;charset=utf-8').send(body);
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

function field(source: unknown, name: string): string | undefined {
  if (source === null || typeof source !== 'object') return undefined;
  const value = (source as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The token's app (or suite) on the robot API; the claimed appKey or suiteKey on oauth2/* and the legacy gettoken, clientId on Stream's gateway. */
function appKeyOf(request: FastifyRequest): string | undefined {
  return (
    request.caller?.appKey ??
    field(request.body, 'appKey') ??
    field(request.body, 'suiteKey') ??
    field(request.body, 'clientId') ??
    field(request.query, 'appkey')
  );
}

function robotCodeOf(request: FastifyRequest): string | undefined {
  return field(request.body, 'robotCode') ?? field(request.query, 'robotCode');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 1024);
  }
}

/**
 * The HTTP application: DingTalk's API, the control plane and the error envelope, as one Fastify
 * instance. It does not listen; src/server.ts does that (tests use `inject` or `startServer`).
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Ajv, type ValidateFunction } from 'ajv';
import Fastify, { type FastifyInstance, type FastifySchemaCompiler, type FastifyServerOptions } from 'fastify';
import type { CoreContext } from '../core/context.js';
import { newRequestId } from '../core/ids.js';
import { StreamHub } from '../core/stream-hub.js';
import type { StreamOptions } from '../core/stream.js';
import { accessGuard } from './access.js';
import type { AnswerCheck } from './answer-check.js';
import { type AnswerWriterOptions, compileAnswerWriter, NOT_OF_SCHEMA, SCALARS } from './answer-writer.js';
import { chatRoutes } from './control/chat.routes.js';
import { controlRoutes } from './control/control.routes.js';
import { emulator, type EmulatorOptions } from './emulator/emulator.js';
import { eventRoutes } from './control/events.routes.js';
import { leniency } from './dingtalk/leniency.js';
import { closeIdleSockets } from './idle-sockets.js';
import { lengthKeywords } from './length-keywords.js';
import { legacyRoutes } from './dingtalk/legacy.routes.js';
import { oauth2Routes } from './dingtalk/oauth2.routes.js';
import { controlCardRoutes } from './control/card.routes.js';
import { cardRoutes } from './dingtalk/card.routes.js';
import { robotRoutes } from './dingtalk/robot.routes.js';
import { sessionWebhookRoutes } from './dingtalk/session-webhook.routes.js';
import { webhookRobotRoutes } from './dingtalk/webhook-robot.routes.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './envelope.js';
import { uiRoutes } from './ui/ui.routes.js';
import { loggerOptions } from './ops/logging.js';
import { fileRoutes } from './media/files.routes.js';
import { mediaRoutes } from './media/media.routes.js';
import { Metrics } from './ops/metrics.js';
import { opsRoutes } from './ops/ops.routes.js';
import { proxyRoutes } from './proxy/proxy.routes.js';
import { RequestNotes } from './request-notes.js';
import { RequestSteps } from './request-steps.js';
import { attachResponseSchema } from './responses.js';
import { normaliseRequestTarget } from './proxy/request-target.js';
import { streamRoutes } from './stream/stream.routes.js';

/** How long a client may take; docs/RELIABILITY.md says why each is what it is. */
export interface HttpTimeouts {
  /** The request line and headers must arrive within this (slowloris). */
  headersMs: number;
  /** The whole request, body included, must arrive within this. */
  requestMs: number;
  /** A socket with no traffic at all is closed after this (idle-sockets.ts); 0 never. */
  idleMs: number;
  /** A kept-alive connection waits this long for its next request. */
  keepAliveMs: number;
  /** How often Node looks for connections over the headers and request timeouts, and dingread for idle ones. */
  checkIntervalMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  idleMs: 60_000,
  keepAliveMs: 10_000,
  checkIntervalMs: 1_000,
};

export interface AppOptions {
  adminToken?: string | undefined;
  version: string;
  logger?: FastifyServerOptions['logger'];
  /** Faults, QPS limit and request log (src/api/emulator/). */
  emulator?: EmulatorOptions;
  timeouts?: Partial<HttpTimeouts>;
  /** Where request and store timings go (a fresh registry when absent). */
  metrics?: Metrics;
  /** Control-plane calls per second per client address; 0 (default) turns the limit off. */
  controlQpsLimit?: number;
  /** Refuse unknown and `null` fields on DingTalk's routes instead of ignoring them (dingtalk/leniency.ts). */
  strict?: boolean;
  /** Stream mode: redelivery, tickets, session webhooks, limits (core/stream.ts). */
  stream?: Partial<StreamOptions>;
  /** Checks every answer against its route's schema (the tests turn this on; answer-check.ts). */
  answerCheck?: AnswerCheck;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This node's Stream connections and deliveries (core/stream-hub.ts). */
    streamHub: StreamHub;
  }
}

type CompilersFactory = Required<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>>;
type Checker = ReturnType<FastifySchemaCompiler<unknown>>;

/**
 * The request checkers: strict (no coercion, "7" is not 7; no removal of unknown fields; no
 * defaults), and each compiled on its route's first request rather than when the server starts.
 * Compiling every route's schemas was a good part of a cold start, and a run calls few routes;
 * the Ajv instance itself is made on the first compile too. Ajv never changes the data here, so
 * the checker need not pass Fastify's parent data on. `maxLength` and `minLength` are Ajv's, made
 * cheaper (length-keywords.ts).
 */
export function requestCheckers(): FastifySchemaCompiler<unknown> {
  let ajv: Ajv | undefined;
  const compile = (schema: object): ValidateFunction => {
    if (ajv === undefined) {
      ajv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, strict: false });
      // The same keywords, counting code points only where the length cannot settle it.
      for (const keyword of lengthKeywords) {
        ajv.removeKeyword(keyword.keyword as string);
        ajv.addKeyword(keyword);
      }
    }
    return ajv.compile(schema);
  };
  return ({ schema }) => {
    let validate: ValidateFunction | undefined;
    const check: Checker = (data: unknown) => {
      validate ??= compile(schema as object);
      const valid = validate(data) as boolean;
      check.errors = validate.errors ?? null;
      return valid;
    };
    return check;
  };
}

/**
 * The response serializers: answer-writer.ts's, for the schemas it takes, and otherwise Fastify's
 * own compiler (fast-json-stringify, loaded from where Fastify would load it), each route's compiled
 * on its first answer rather than when the server starts, for the same reason as the request
 * checkers. Every route has a response schema (responses.ts).
 *
 * In fast-json-stringify, arrays of 64 items and more whose items are strings, numbers or booleans
 * (a page of readUserIds) go to the native JSON.stringify whole instead of item by item: on Node 20
 * that is the faster of the two (BENCHMARKS.md). A route whose answer holds an array of objects
 * anywhere is compiled without it, so that every item of such an array, however many, is written
 * by its schema and carries no field beyond it. The answer writer is told the same
 * (serializerOptionsOf), and writes such an array as fast-json-stringify would.
 */
const buildSerializer: CompilersFactory['buildSerializer'] = (externalSchemas, serializerOptions) => {
  type Compile = ReturnType<CompilersFactory['buildSerializer']>;
  let fastJsonStringify: CompilersFactory['buildSerializer'] | undefined;
  const compilers = new Map<boolean, Compile>();
  const compilerFor = (wholeArrays: boolean): Compile => {
    let compile = compilers.get(wholeArrays);
    if (compile === undefined) {
      if (fastJsonStringify === undefined) {
        const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
        fastJsonStringify = (fromFastify('@fastify/fast-json-stringify-compiler') as () => CompilersFactory['buildSerializer'])();
      }
      compile = fastJsonStringify(externalSchemas, wholeArrays ? { ...serializerOptions, ...WHOLE_LARGE_ARRAYS } : serializerOptions);
      compilers.set(wholeArrays, compile);
    }
    return compile;
  };
  const serializerFor = (route: Parameters<Compile>[0]): ((data: unknown) => string) => {
    const options = serializerOptionsOf(route.schema);
    return answerSerializer(route.schema, () => compilerFor(options.wholeArrays)(route) as (data: unknown) => string, options.writer);
  };
  return (route) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data: unknown) => {
      serialize ??= serializerFor(route);
      return serialize(data);
    };
  };
};

/**
 * The route's answers written by answer-writer.ts where it takes the schema, and by
 * fast-json-stringify where it does not, or for an answer with a value not of its schema's type,
 * which fast-json-stringify coerces or refuses as it always has. fast-json-stringify is compiled
 * either way, with the writer: a schema it refuses (past its depth, or not a valid schema) fails
 * on the route's first answer, as it did before the writer.
 */
export function answerSerializer(
  schema: unknown,
  fastJsonStringify: () => (data: unknown) => string,
  options: AnswerWriterOptions = {},
): (data: unknown) => string {
  const other = fastJsonStringify();
  const write = compileAnswerWriter(schema, options);
  if (write === undefined) return other;
  return (data) => {
    try {
      return write(data);
    } catch (error) {
      if (error !== NOT_OF_SCHEMA) throw error;
    }
    return other(data);
  };
}

/** fast-json-stringify's options for arrays written whole by JSON.stringify (see buildSerializer). */
export const WHOLE_LARGE_ARRAYS = { largeArrayMechanism: 'json-stringify', largeArraySize: 64 } as const;

/**
 * How a route's answers are written: whether fast-json-stringify gives its large arrays to
 * JSON.stringify whole (WHOLE_LARGE_ARRAYS), and the answer writer's options to match, so that the
 * two write the same bytes.
 */
export function serializerOptionsOf(schema: unknown): { wholeArrays: boolean; writer: AnswerWriterOptions } {
  const wholeArrays = onlyScalarArrays(schema);
  return { wholeArrays, writer: wholeArrays ? { wholeArraysFrom: WHOLE_LARGE_ARRAYS.largeArraySize } : {} };
}

/** Keywords that make a schema an array's to the serializer even without `type: 'array'`. */
const ARRAY_KEYWORDS = ['items', 'prefixItems', 'additionalItems', 'contains', 'minItems', 'maxItems', 'uniqueItems'];

/**
 * Whether every array the schema describes, at any depth, holds plain scalars (strings, numbers,
 * integers, booleans, with no `format`): those alone may go to JSON.stringify whole. It writes each
 * item as it is, where the serializer would coerce one of the wrong type (round a fraction for an
 * integer, write a number as a string); the answers hold the right types (the tests' answer check).
 * A `$ref` anywhere answers false, since what it points to is not looked at.
 */
export function onlyScalarArrays(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return true;
  if (Array.isArray(schema)) return schema.every(onlyScalarArrays);
  const node = schema as Record<string, unknown>;
  if ('$ref' in node) return false;
  const types = Array.isArray(node['type']) ? (node['type'] as unknown[]) : [node['type']];
  if (types.includes('array') || (node['type'] === undefined && ARRAY_KEYWORDS.some((keyword) => keyword in node))) {
    const items = node['items'];
    if (typeof items !== 'object' || items === null || Array.isArray(items)) return false;
    const item = items as Record<string, unknown>;
    const itemTypes = Array.isArray(item['type']) ? (item['type'] as unknown[]) : [item['type']];
    if (!itemTypes.every((type) => SCALARS.has(type as string)) || 'format' in item) return false;
  }
  return Object.values(node).every(onlyScalarArrays);
}

export async function buildApp(ctx: CoreContext, options: AppOptions): Promise<FastifyInstance> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const checkers = requestCheckers();
  const app = Fastify({
    logger: loggerOptions(options.logger),
    genReqId: () => newRequestId(ctx.random),
    // Limits that bound what one client can make the server hold.
    bodyLimit: 1024 * 1024,
    // The idle timeout is idle-sockets.ts's sweep, not Node's timer on every socket (set below).
    connectionTimeout: 0,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: { headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs), connectionsCheckingInterval: timeouts.checkIntervalMs },
    // On close, idle kept-alive connections are closed at once and busy ones after their answer;
    // a request arriving meanwhile gets the envelope (ops.routes.ts), not Fastify's own 503 body.
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 1024 },
    // Routing errors (bad percent-encoding, over-long path parameters) in the envelope too.
    frameworkErrors,
    // Requests the HTTP parser refuses (raw non-ASCII in the URL, bad header lines) as well.
    clientErrorHandler,
    // Both compilers given here, so that Fastify does not load its default ones at start.
    // (Fastify's declared type for buildValidator differs from what it calls; this is the latter.)
    schemaController: { compilersFactory: { buildValidator: (() => checkers) as unknown as CompilersFactory['buildValidator'], buildSerializer } },
  });
  // A proxied request's full URL becomes its path and host here, before Fastify or anything else
  // sees it. A listener rather than Fastify's `rewriteUrl`, which would run, and write the URL
  // again, for every request; this returns at once for a request whose target is a path.
  // (`inject` never sends a full URL as the target: it takes the host out of one.)
  app.server.prependListener('request', normaliseRequestTarget);
  const stopIdleSweep = closeIdleSockets(app.server, timeouts.idleMs, timeouts.checkIntervalMs);
  app.addHook('onClose', (_instance, done) => {
    stopIdleSweep();
    done();
  });

  // What every hook notes of a request, on one object (request-notes.ts). Declared here so that
  // every request is made with it: a field added later moves each request to a new hidden class.
  app.decorateRequest('notes', null);
  // The steps of every request (request-steps.ts): these first, then the emulator's, the ops
  // plugin's, the access guard's and leniency's, each added as they are registered below.
  const steps = new RequestSteps();
  steps.onRequest((request, reply) => {
    request.notes = new RequestNotes(performance.now());
    reply.header('x-acs-request-id', String(request.id));
    return false;
  });
  // A POST without a body is checked as an empty object, so that it gets the endpoint's own
  // missing-field code (robotCode.empty, processQueryKey.missing…) rather than a generic one.
  steps.preValidation((request) => {
    if (request.method === 'POST' && request.body === undefined) request.body = {};
    return false;
  });

  // Bodies are JSON only: Fastify's built-in text/plain parser would hand a string to the routes
  // (a 400 "must be object", or a body-less route such as /reset running on it) instead of a 415.
  app.removeContentTypeParser('text/plain');

  // Every route's success answers serialized with its schema, and (in tests) checked against it.
  app.addHook('onRoute', attachResponseSchema);
  if (options.answerCheck) options.answerCheck.install(app);
  installErrorHandling(app);
  // Where the emulator's hooks were: after the answer check's, before every route's own hooks.
  steps.install(app);
  // First, so that its hooks and its route catalogue (for the OpenAPI document) cover every route.
  await app.register(emulator(ctx, { ...options.emulator, version: options.version, steps }));
  // Its step answers a draining server's and a throttled client's calls before any body is read
  // or any route hook runs.
  await app.register(opsRoutes(ctx, { metrics: options.metrics ?? new Metrics(), controlQpsLimit: options.controlQpsLimit ?? 0, steps }));
  // After the control-plane limit (so guessing the admin token is throttled) and before every route's own hooks.
  steps.onRequest(accessGuard(options.adminToken));
  // After the emulator has kept the body as sent, for the request log.
  steps.preValidation(leniency(options.strict ?? false));
  const hub = new StreamHub(ctx, options.stream, (error, what) => app.log.error({ err: error }, what));
  app.decorate('streamHub', hub);
  // Before the server waits for its connections: Stream clients would otherwise hold it open.
  app.addHook('preClose', () => hub.close());
  await app.register(oauth2Routes(ctx));
  await app.register(robotRoutes(ctx), { prefix: '/v1.0/robot' });
  await app.register(cardRoutes(ctx), { prefix: '/v1.0/card' });
  await app.register(legacyRoutes(ctx));
  await app.register(mediaRoutes(ctx));
  await app.register(streamRoutes(ctx, hub));
  await app.register(sessionWebhookRoutes(ctx));
  await app.register(webhookRobotRoutes(ctx));
  await app.register(controlRoutes(ctx, { version: options.version, onReset: () => hub.reset() }));
  await app.register(chatRoutes(ctx, hub), { prefix: '/_dingread/v1' });
  await app.register(controlCardRoutes(ctx, hub), { prefix: '/_dingread/v1' });
  await app.register(eventRoutes(ctx), { prefix: '/_dingread/v1' });
  await app.register(fileRoutes(ctx), { prefix: '/_dingread/v1' });
  await app.register(uiRoutes());
  await app.register(proxyRoutes(ctx, { handshakeTimeoutMs: timeouts.headersMs }));
  return app;
}

/**
 * The emulator toolkit on the HTTP side, put together: injected faults (faults.ts), DingTalk's
 * per-app QPS limit (throttle.ts) and the request log (request-log.ts) for every call of
 * DingTalk's API (`/v1.0/*`, the legacy routes, and anything addressed to a DingTalk host), their
 * control routes under `/_dingread/v1/`, and the OpenAPI document at `/_dingread/openapi.json`.
 * Registered once by app.ts, before any route, so that its hooks and its route catalogue see all
 * of them.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { CoreContext } from '../../core/context.js';
import { FaultRegistry } from '../../core/faults.js';
import { DEFAULT_REQUEST_LOG_BODY_BYTES, DEFAULT_REQUEST_LOG_SIZE } from '../../core/request-log.js';
import { QpsLimiter } from '../../core/throttle.js';
import { routeOf } from '../access.js';
import { openApiDocument } from '../openapi/openapi.js';
import type { RequestSteps } from '../request-steps.js';
import { RouteCatalog } from '../openapi/route-catalog.js';
import { faultRoutes, injectFaults } from './faults.js';
import { RequestRecorder } from './request-log.js';
import { throttle } from './throttle.js';

export interface EmulatorOptions {
  /**
   * Calls per second allowed per app and API before `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`;
   * 0 (the default here) turns throttling off. The CLI passes DingTalk's 20.
   */
  qpsLimit?: number;
  /** How many recent calls `GET /_dingread/v1/requests` keeps (default 1000). */
  requestLogSize?: number;
  /** How many bytes of the latest calls' bodies it keeps (default 1 MiB; 0 keeps no bodies). */
  requestLogBodyBytes?: number;
}

export interface EmulatorPluginOptions extends EmulatorOptions {
  version: string;
  /** Where its steps on every request go (request-steps.ts). */
  steps: RequestSteps;
}

const RESET_ROUTE = '/_dingread/v1/reset';

export function emulator(ctx: CoreContext, options: EmulatorPluginOptions): FastifyPluginAsync {
  const faults = new FaultRegistry(ctx.random);
  const limiter = new QpsLimiter(options.qpsLimit ?? 0, () => ctx.clock.elapsed());
  const recorder = new RequestRecorder(ctx.clock, options.requestLogSize ?? DEFAULT_REQUEST_LOG_SIZE, options.requestLogBodyBytes ?? DEFAULT_REQUEST_LOG_BODY_BYTES);
  const catalog = new RouteCatalog();

  const plugin = async (app: FastifyInstance): Promise<void> => {
    catalog.watch(app);
    recorder.parseJsonKeepingText(app);

    // Steps and callback-form hooks (no promise per hook): they run on every request.
    options.steps.onRequest((request) => {
      recorder.begin(request);
      return false;
    });
    // Faults and the QPS limit apply to DingTalk's calls, the ones the log records.
    options.steps.preValidation((request, reply) => {
      if (!request.notes?.loggedCall) return false;
      recorder.keepBody(request);
      const route = routeOf(request).url;
      // Nothing to inject and no limit: the common case costs no promise.
      if (route === undefined || (faults.isEmpty() && limiter.limit <= 0)) return false;
      if (faults.isEmpty()) return throttle(limiter, request, reply, route);
      return injectFaults(faults, recorder, request, reply, route).then((answered) => answered || throttle(limiter, request, reply, route));
    });
    // The call's entry is written as the answer goes out, with the answer in hand, rather than in
    // an onResponse hook: a route with any onResponse hook makes Fastify put listeners on every
    // response and time it, about 7 µs of CPU a request in all, a tenth of a query's.
    options.steps.onSend((request, reply, payload) => {
      recorder.record(request, reply.statusCode, payload);
      // `POST /reset` forgets everything: the emulator's state goes with the store's.
      if (routeOf(request).url === RESET_ROUTE && request.method === 'POST' && reply.statusCode === 200) {
        faults.clear();
        recorder.clear();
      }
      return payload;
    });

    app.get('/_dingread/openapi.json', async () => openApiDocument(catalog.routes, options.version));

    await app.register(
      async (v1) => {
        faultRoutes(v1, faults);
        recorder.routes(v1);
      },
      { prefix: '/_dingread/v1' },
    );
  };
  // Not encapsulated: the hooks apply to every route of the app, not only to the ones this plugin registers.
  return fastifyPlugin(plugin, { name: 'dingread-emulator' });
}

/**
 * What an operator and a load balancer need from a running server (docs/RELIABILITY.md):
 * readiness beside liveness, Prometheus metrics, a per-client limit on the control plane, and the
 * refusal of requests that arrive while the server drains for shutdown.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { CoreContext } from '../../core/context.js';
import { DingReadError } from '../../core/errors.js';
import { QpsLimiter } from '../../core/throttle.js';
import { routeOf, surfaceOf } from '../access.js';
import { sendError } from '../envelope.js';
import { notesOf } from '../request-notes.js';
import type { RequestSteps } from '../request-steps.js';
import type { Metrics } from './metrics.js';

export interface OpsOptions {
  metrics: Metrics;
  /** Control-plane calls per second per client address before 403 QpsLimitForApi; 0 turns it off. */
  controlQpsLimit: number;
  /** Where its steps on every request go (request-steps.ts). */
  steps: RequestSteps;
}

/** How long the readiness probe waits for the store. */
const READY_TIMEOUT_MS = 2_000;
const METRICS_PATH = '/_dingread/metrics';

export function opsRoutes(ctx: CoreContext, options: OpsOptions): FastifyPluginAsync {
  // The control plane's limit is DingTalk's limiter, keyed by the caller's address instead of its app.
  const limiter = new QpsLimiter(options.controlQpsLimit, () => ctx.clock.elapsed());
  const plugin = async (app: FastifyInstance): Promise<void> => {
    let draining = false;
    // Set as close() begins: Fastify then stops accepting connections and closes idle ones; a
    // request that still arrives on a busy kept-alive connection is refused whole, never half-done.
    app.addHook('preClose', async () => {
      draining = true;
    });

    // A step on every request (request-steps.ts); true when it answered the request.
    options.steps.onRequest((request, reply) => {
      if (draining) {
        sendError(reply.header('connection', 'close'), new DingReadError('server.shuttingDown'));
        return true;
      }
      // Before the admin token is checked (access.ts), so that guessing it is throttled too.
      const surface = surfaceOf(request);
      if ((surface === 'control' || surface === 'events') && !limiter.admit(request.ip, 'control')) {
        sendError(reply, new DingReadError('Forbidden.AccessDenied.QpsLimitForApi', `client ${request.ip}`));
        return true;
      }
      return false;
    });
    // An answer finished while draining closes its connection, so that no kept-alive socket (or a
    // request pipelined behind it) holds the process open.
    // The answer is counted here, as it goes out, rather than in an onResponse hook (see the
    // emulator's onSend step for why).
    options.steps.onSend((request, reply, payload) => {
      if (draining) reply.header('connection', 'close');
      options.metrics.request(request.method, routeOf(request).url ?? 'unmatched', reply.statusCode, (performance.now() - notesOf(request).receivedAt) / 1000);
      return payload;
    });

    app.get('/_dingread/ready', async (_request, reply) => {
      if (draining) return sendError(reply, new DingReadError('server.shuttingDown'));
      try {
        await withTimeout(ctx.store.findOrg(''), READY_TIMEOUT_MS);
      } catch (error) {
        return sendError(reply, new DingReadError('store.unavailable', (error as Error).message));
      }
      return { status: 'ready', store: ctx.store.kind };
    });

    app.get(METRICS_PATH, async (_request, reply) =>
      reply.type('text/plain; version=0.0.4; charset=utf-8').send(options.metrics.render()),
    );
  };
  // Like the emulator, not encapsulated: its hooks apply to every route of the app.
  return fastifyPlugin(plugin, { name: 'dingread-ops' });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

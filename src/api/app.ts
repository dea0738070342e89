/**
 * The HTTP application: DingTalk's API, the control plane and the error envelope, as one Fastify
 * instance. It does not listen; src/server.ts does that (tests use `inject` or `startServer`).
 */
import { Ajv } from 'ajv';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { CoreContext } from '../core/context.js';
import { newRequestId } from '../core/ids.js';
import { controlRoutes } from './control/control.routes.js';
import { emulator, type EmulatorOptions } from './emulator/emulator.js';
import { eventRoutes } from './control/events.routes.js';
import { oauth2Routes } from './dingtalk/oauth2.routes.js';
import { robotRoutes } from './dingtalk/robot.routes.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './envelope.js';
import { uiRoutes } from './ui/ui.routes.js';

export interface AppOptions {
  adminToken?: string | undefined;
  version: string;
  logger?: FastifyServerOptions['logger'];
  /** Faults, QPS limit and request log (src/api/emulator/). */
  emulator?: EmulatorOptions;
}

export async function buildApp(ctx: CoreContext, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    genReqId: () => newRequestId(ctx.random),
    // Limits that bound what one client can make the server hold.
    bodyLimit: 1024 * 1024,
    connectionTimeout: 0,
    requestTimeout: 30_000,
    keepAliveTimeout: 10_000,
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 1024 },
    // Routing errors (bad percent-encoding, over-long path parameters) in the envelope too.
    frameworkErrors,
    // Requests the HTTP parser refuses (raw non-ASCII in the URL, bad header lines) as well.
    clientErrorHandler,
  });

  // Strict request checking: no coercion ("7" is not 7), no removal of unknown fields, no defaults.
  const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, strict: false });
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-acs-request-id', String(request.id));
  });
  // A POST without a body is checked as an empty object, so that it gets the endpoint's own
  // missing-field code (robotCode.empty, processQueryKey.missing…) rather than a generic one.
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && request.body === undefined) request.body = {};
  });

  // Bodies are JSON only: Fastify's built-in text/plain parser would hand a string to the routes
  // (a 400 "must be object", or a body-less route such as /reset running on it) instead of a 415.
  app.removeContentTypeParser('text/plain');

  installErrorHandling(app);
  // First, so that its hooks and its route catalogue (for the OpenAPI document) cover every route.
  await app.register(emulator(ctx, { ...options.emulator, adminToken: options.adminToken, version: options.version }));
  await app.register(oauth2Routes(ctx));
  await app.register(robotRoutes(ctx), { prefix: '/v1.0/robot' });
  await app.register(controlRoutes(ctx, { adminToken: options.adminToken, version: options.version }));
  await app.register(eventRoutes(ctx, { adminToken: options.adminToken }), { prefix: '/_dingread/v1' });
  await app.register(uiRoutes({ adminToken: options.adminToken }));
  return app;
}

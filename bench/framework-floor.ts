/**
 * The framework's floor as an app: a bare Fastify server (the version dingread runs on) with one
 * route at the scenario's method and path that answers `answer`, parsed once and serialized again
 * for every request, as dingread serializes its answers. No hooks, no token, no schema, no store.
 * Run in a process of its own (framework-floor-server.ts) or inside a dingread process
 * (floor-inside.ts).
 */
import Fastify, { type FastifyInstance } from 'fastify';

export function frameworkFloorApp(method: string, path: string, status: number, answer: unknown): FastifyInstance {
  const app = Fastify({ logger: false, keepAliveTimeout: 10_000 });
  app.route({
    method: method as 'GET' | 'POST',
    url: path.split('?')[0] as string,
    handler: (_request, reply) => reply.code(status).send(answer),
  });
  return app;
}

/** The port a listening app took. */
export function portOf(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * Every route the app registers, with the schemas Fastify validates it with, as Fastify reports
 * them (`onRoute`). The OpenAPI document is built from this list, so a route or a request shape
 * cannot change without the document changing with it.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { TSchema } from '@sinclair/typebox';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** False for a route that is not part of the API (the dashboard's pages): left out of the document. */
    openapi?: boolean;
  }
}

export interface RouteSchemas {
  body?: TSchema;
  querystring?: TSchema;
  params?: TSchema;
}

export interface CatalogRoute {
  method: string;
  /** Fastify's spelling, such as `/_dingread/v1/messages/:processQueryKey`. */
  url: string;
  schema: RouteSchemas;
}

export class RouteCatalog {
  readonly routes: CatalogRoute[] = [];

  /** Starts listening; must run before the routes it should see are registered. */
  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        // Fastify adds a HEAD twin to every GET; it is not a route of its own. Pages (the
        // dashboard) opt out with `config: { openapi: false }`: they are not part of the API.
        if (method === 'HEAD') continue;
        if (route.config?.openapi === false) continue;
        const given = (route.schema ?? {}) as Record<string, TSchema | undefined>;
        const schema: RouteSchemas = {};
        if (given['body']) schema.body = given['body'];
        if (given['querystring']) schema.querystring = given['querystring'];
        if (given['params']) schema.params = given['params'];
        this.routes.push({ method, url: route.url, schema });
      }
    });
  }
}

/**
 * `GET /_dingread/openapi.json`: an OpenAPI 3.1 document of every route the app registered,
 * built from the route catalogue, so its request schemas are the very ones Fastify validates
 * with (and, for the fixture document, the one the core validates with).
 */
import type { TSchema } from '@sinclair/typebox';
import { FixtureDocument } from '../../core/fixtures.js';
import type { CatalogRoute, RouteSchemas } from './route-catalog.js';
import { CREATED, ErrorEnvelopeSchema, RESPONSES } from '../responses.js';

/** Routes whose body the core checks itself (so that errors name the path of the bad field). */
export const CORE_VALIDATED: Record<string, RouteSchemas> = {
  'POST /_dingread/v1/fixtures': { body: FixtureDocument },
};

/** The request schemas of a route: Fastify's, or the core's where Fastify has none. */
export function requestSchemas(route: CatalogRoute): RouteSchemas {
  return { ...CORE_VALIDATED[`${route.method} ${route.url}`], ...route.schema };
}

/** TypeBox schemas carry symbol-keyed metadata; the document holds plain JSON Schema. */
export function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/** `/messages/:processQueryKey` → `/messages/{processQueryKey}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: Record<string, unknown>;
}

function parameters(schema: TSchema | undefined, where: 'path' | 'query'): Parameter[] {
  if (!schema) return [];
  const properties = (schema['properties'] ?? {}) as Record<string, TSchema>;
  const required = new Set((schema['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: plain(property),
  }));
}

function tagOf(url: string): string {
  if (url.startsWith('/v1.0/oauth2/')) return 'oauth2';
  if (url.startsWith('/v1.0/robot/')) return 'robot';
  if (url.startsWith('/v1.0/gateway/')) return 'stream';
  if (!url.startsWith('/_dingread')) return 'legacy (oapi.dingtalk.com)';
  return 'control plane';
}

function securityOf(url: string): Array<Record<string, string[]>> {
  if (url.startsWith('/v1.0/robot/')) return [{ dingtalkAccessToken: [] }];
  if (url.startsWith('/_dingread/v1/')) return [{ adminToken: [] }, {}];
  return [];
}

function operationId(method: string, url: string): string {
  const words = url
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '' && word !== 'v1' && word !== '0')
    .map((word) => word[0]?.toUpperCase() + word.slice(1));
  return method.toLowerCase() + words.join('');
}

export function openApiDocument(routes: readonly CatalogRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const schemas = requestSchemas(route);
    const key = `${route.method} ${route.url}`;
    const ok = RESPONSES[key];
    const operation: Record<string, unknown> = {
      operationId: operationId(route.method, route.url),
      tags: [tagOf(route.url)],
      security: securityOf(route.url),
      parameters: [...parameters(schemas.params, 'path'), ...parameters(schemas.querystring, 'query')],
      responses: {
        [CREATED.has(key) ? '201' : '200']: {
          description: CREATED.has(key) ? 'Created' : 'OK',
          content: { 'application/json': { schema: ok ? plain(ok) : { type: 'object' } } },
        },
        default: {
          description: "An error in DingTalk's envelope (docs/errors.md); the id is also in x-acs-request-id",
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
        },
      },
    };
    if (schemas.body) {
      operation['requestBody'] = { required: false, content: { 'application/json': { schema: plain(schemas.body) } } };
    }
    const path = (paths[openApiPath(route.url)] ??= {});
    path[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'dingread',
      version,
      description:
        "DingTalk's robot-message read-status API (/v1.0/*) and the legacy host's token (/gettoken), as dingread serves them, and dingread's control plane (/_dingread/*).",
    },
    paths,
    components: {
      schemas: { ErrorEnvelope: plain(ErrorEnvelopeSchema) },
      securitySchemes: {
        dingtalkAccessToken: { type: 'apiKey', in: 'header', name: 'x-acs-dingtalk-access-token' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'Required when the server has an admin token; otherwise loopback callers only' },
      },
    },
  };
}

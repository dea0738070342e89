/**
 * The request log (pino, through Fastify's logger): one JSON line per request and answer, each
 * with the request id (`reqId`, the same as `x-acs-request-id`), and never a secret. Fastify's
 * own serialiser logs no headers and no bodies; the redaction below is the second line of defence
 * for anything that logs a request or its headers, and query strings are masked because a client
 * may put a token there.
 */
import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/** Headers and body fields that carry credentials. */
export const REDACTED_PATHS = [
  'req.headers["x-acs-dingtalk-access-token"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body.appSecret',
  'req.body.accessToken',
  'body.appSecret',
  'body.accessToken',
  '*.appSecret',
  '*.accessToken',
  'req.body.clientSecret',
  'body.clientSecret',
  '*.clientSecret',
];

/** Credentials in query strings, Stream tickets, session webhooks and custom robots' signatures included. */
const SECRET_QUERY = /([?&](?:access_?token|appSecret|token|ticket|session|sign)=)[^&]*/gi;

/** The URL with any credential in its query string masked. */
export function maskUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1***');
}

/** Fastify's `logger` option with redaction and masking added; `false`/undefined stays off. */
export function loggerOptions(logger: FastifyServerOptions['logger'] | undefined): NonNullable<FastifyServerOptions['logger']> {
  if (!logger) return false;
  const base = logger === true ? {} : logger;
  return {
    ...base,
    redact: { paths: REDACTED_PATHS, censor: '***' },
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: maskUrl(request.url),
        remoteAddress: request.ip,
      }),
    },
  };
}

/**
 * Who may use what, decided in one place for every request from three things together: the
 * socket it came on, the host it is addressed to (the Host header, an absolute-form target or a
 * tunnel: proxy/request-target.ts) and the page that sent it (Origin).
 *
 * - DingTalk's API answers anyone, on any host: proxy mode needs `api.dingtalk.com` to work, and
 *   the API has its own access tokens.
 * - dingread's own surfaces (the control plane `/_dingread/v1/*`, its event stream, metrics, the
 *   dashboard and the OpenAPI document) answer, without an admin token, only a loopback socket
 *   addressed to a loopback name (localhost, 127.0.0.1, [::1], any port) and not sent by a page of
 *   another site. The Host check is what stops DNS rebinding: a page of evil.example whose name
 *   now points at 127.0.0.1 reaches the loopback socket, but its requests say `Host: evil.example`.
 *   With an admin token they ask for it instead (the dashboard page and the OpenAPI document are
 *   then open: they hold no data).
 * - Health and readiness answer anyone.
 * - A request addressed to a DingTalk host reaches DingTalk's routes only: there dingread is
 *   DingTalk, and `/_dingread/*` does not exist.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DingReadError } from '../core/errors.js';
import { sendError, sendNotFound } from './envelope.js';
import { notesOf } from './request-notes.js';
import type { RequestStep } from './request-steps.js';
import { hostnameOf, isLoopbackAddress, isLoopbackHost, pathOf, requestTarget, type RequestTarget } from './proxy/request-target.js';

/** What a route is, for access: decided by its path (the matched route's pattern when there is one). */
export type Surface = 'dingtalk' | 'control' | 'events' | 'page' | 'open';

export const EVENTS_PATH = '/_dingread/v1/events';
const OPEN_PATHS = new Set(['/_dingread/health', '/_dingread/ready']);
const CONTROL_PATHS = new Set(['/_dingread/metrics']);

/** The matched route's options (its pattern is `url`, undefined when no route matched). */
export function routeOf(request: FastifyRequest): FastifyRequest['routeOptions'] {
  const notes = notesOf(request);
  return (notes.matchedRoute ??= request.routeOptions);
}

/**
 * The route's pattern rather than the raw path wherever a route matched: the router decodes
 * percent-escapes, so `/%5Fdingread/v1/reset` reaches the reset route and must be judged as it.
 */
export function surfaceOf(request: FastifyRequest): Surface {
  const notes = notesOf(request);
  return (notes.surface ??= surfaceOfPath(routeOf(request).url ?? pathOf(request.url)));
}

function surfaceOfPath(path: string): Surface {
  if (!path.startsWith('/_dingread')) return 'dingtalk';
  if (OPEN_PATHS.has(path)) return 'open';
  if (path === EVENTS_PATH) return 'events';
  if (path.startsWith('/_dingread/v1/') || CONTROL_PATHS.has(path)) return 'control';
  return 'page';
}

export interface Asker {
  /** The TCP peer is this machine (for a tunnel: the client that opened it). */
  loopbackSocket: boolean;
  /** The request is addressed to a loopback name. */
  loopbackHost: boolean;
  /** The Origin header, when a page of another site sent the request. */
  crossSiteOrigin: string | undefined;
  target: RequestTarget;
}

/**
 * A page's Origin is of this site when it is absent (not a browser, or a same-origin GET), names
 * the host the request is addressed to, or names a loopback host (a developer's own tools);
 * `null` (a sandboxed or file:// page) and anything else are another site.
 */
function crossSiteOrigin(origin: string | undefined, target: RequestTarget): string | undefined {
  if (origin === undefined) return undefined;
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/]+)$/i.exec(origin);
  if (!match) return origin;
  const authority = (match[1] as string).toLowerCase();
  if (authority === target.authority.toLowerCase() || isLoopbackHost(hostnameOf(authority))) return undefined;
  return origin;
}

export function whoIsAsking(request: FastifyRequest): Asker {
  const target = requestTarget(request.raw);
  const origin = request.headers.origin;
  return {
    loopbackSocket: isLoopbackAddress(request.socket.remoteAddress),
    loopbackHost: isLoopbackHost(target.hostname),
    crossSiteOrigin: crossSiteOrigin(Array.isArray(origin) ? origin[0] : origin, target),
    target,
  };
}

/** Compares digests so that neither the token's content nor its length leaks through timing. */
function sameToken(given: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The cookie in which the dashboard hands the admin token to its event stream (EventSource sends no headers). */
export const ADMIN_COOKIE = 'dingread_admin';

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Why the request may not use a surface of dingread's own; undefined when it may. */
function refusal(request: FastifyRequest, surface: Exclude<Surface, 'dingtalk' | 'open'>, adminToken: string | undefined): DingReadError | undefined {
  if (adminToken === undefined) {
    const asker = whoIsAsking(request);
    if (!asker.loopbackSocket) return new DingReadError('controlPlane.loopbackOnly', `the caller ${request.socket.remoteAddress ?? ''} is not on this machine`);
    if (!asker.loopbackHost) {
      return new DingReadError('controlPlane.loopbackOnly', `this request is addressed to ${JSON.stringify(asker.target.authority)}`);
    }
    if (asker.crossSiteOrigin !== undefined) return new DingReadError('controlPlane.crossSiteOrigin', asker.crossSiteOrigin);
    return undefined;
  }
  if (surface === 'page') return undefined;
  const header = request.headers.authorization;
  if (header === undefined && surface === 'events') {
    // A browser sends a cookie by itself, so one must come from a page of this site.
    const cookie = cookieValue(request.headers.cookie, ADMIN_COOKIE);
    if (cookie === undefined) return new DingReadError('adminToken.missing');
    if (!sameToken(cookie, adminToken)) return new DingReadError('adminToken.invalid');
    const origin = whoIsAsking(request).crossSiteOrigin;
    return origin === undefined ? undefined : new DingReadError('controlPlane.crossSiteOrigin', origin);
  }
  if (!header) return new DingReadError('adminToken.missing');
  const match = /^Bearer (.+)$/i.exec(header);
  if (!match || !sameToken(match[1] as string, adminToken)) return new DingReadError('adminToken.invalid');
  return undefined;
}

/**
 * The step that applies all of the above (request-steps.ts), on every request, after the
 * control-plane rate limit (so that guessing the admin token is throttled too) and before any
 * route's own hooks. True when it answered (refused) the request.
 */
export function accessGuard(adminToken: string | undefined): RequestStep {
  return function guard(request: FastifyRequest, reply: FastifyReply): boolean {
    const target = requestTarget(request.raw);
    if (target.malformed) {
      sendError(reply, new DingReadError('invalidParameter.param.invalid', 'the request target is not an http or https URL with a host'));
      return true;
    }
    const surface = surfaceOf(request);
    if (surface === 'dingtalk') return false;
    if (target.dingtalk !== undefined) {
      sendNotFound(request, reply);
      return true;
    }
    if (surface === 'open') return false;
    const refused = refusal(request, surface, adminToken);
    if (refused) {
      sendError(reply, refused);
      return true;
    }
    return false;
  };
}

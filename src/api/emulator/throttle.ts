/**
 * DingTalk's per-app, per-API QPS limit on the HTTP side: a call over it gets
 * `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi` (the limiter itself is core/throttle.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DingReadError } from '../../core/errors.js';
import type { QpsLimiter } from '../../core/throttle.js';
import { LEGACY, sendLegacy } from '../dingtalk/legacy.js';
import { sendError } from '../envelope.js';
import { appKeyOf } from './calls.js';

/** Answers the call when its app is over the limit for this route, and says whether it did. */
export function throttle(limiter: QpsLimiter, request: FastifyRequest, reply: FastifyReply, route: string): boolean {
  const appKey = appKeyOf(request);
  if (appKey === undefined || limiter.admit(appKey, route)) return false;
  // The legacy routes (gettoken) answer as the legacy host does: HTTP 200 and an errcode.
  if (!route.startsWith('/v1.0/')) sendLegacy(reply, LEGACY.throttled);
  else sendError(reply, new DingReadError('Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', `${route} for app ${appKey}`));
  return true;
}

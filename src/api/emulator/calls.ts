/** What the emulator reads from a call of DingTalk's API: whether it is one, its app, its robot. */
import type { FastifyRequest } from 'fastify';
import { surfaceOf } from '../access.js';
import { requestTarget } from '../proxy/request-target.js';

/**
 * A call of DingTalk's API: a DingTalk route, an unknown path under `/v1.0/` or anything
 * addressed to a DingTalk host (a bot's wrong path is worth seeing in the log); not a stray
 * request for `/favicon.ico`.
 */
export function isDingTalkCall(request: FastifyRequest): boolean {
  if (surfaceOf(request) !== 'dingtalk') return false;
  return !request.is404 || request.url.startsWith('/v1.0/') || requestTarget(request.raw).dingtalk !== undefined;
}

function field(source: unknown, name: string): string | undefined {
  if (source === null || typeof source !== 'object') return undefined;
  const value = (source as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The token's app (or suite) on the robot API; the claimed appKey or suiteKey on oauth2/* and the legacy gettoken, clientId on Stream's gateway. */
export function appKeyOf(request: FastifyRequest): string | undefined {
  return (
    request.notes?.caller?.appKey ??
    field(request.body, 'appKey') ??
    field(request.body, 'suiteKey') ??
    field(request.body, 'clientId') ??
    field(request.query, 'appkey')
  );
}

export function robotCodeOf(request: FastifyRequest): string | undefined {
  return field(request.body, 'robotCode') ?? field(request.query, 'robotCode');
}

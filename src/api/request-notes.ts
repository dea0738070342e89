/**
 * What dingread's hooks note about a request on its way through, on one object per request: when
 * it arrived, its matched route and surface (access.ts), the caller its token names (the robot,
 * card and media routes), the unknown fields leniency left out, and the request log's entry.
 *
 * Why one object rather than a Fastify request decorator for each: Fastify makes every request
 * with its decorators' first values, one keyed store per decorator in a loop of its request
 * constructor, and with several decorators (and a request class per plugin) that store is
 * megamorphic, a lookup in V8's stub cache each time. One decorator is one such store; the fields
 * here are then plain stores on an object whose shape never changes (BENCHMARKS.md, the seventh
 * round, has the instruction counts).
 */
import { performance } from 'node:perf_hooks';
import type { FastifyRequest } from 'fastify';
import { requireScope, type Caller } from '../core/tokens.js';
import type { Surface } from './access.js';
import type { PendingEntry } from './emulator/request-log.js';

export class RequestNotes {
  /** The matched route, read once (access.ts, routeOf): Fastify builds a fresh object on every `routeOptions` read. */
  matchedRoute: FastifyRequest['routeOptions'] | null = null;
  /** The request's surface, decided once (access.ts, surfaceOf). */
  surface: Surface | null = null;
  /** The token's app, once the route's onRequest hook has admitted it; null before. */
  caller: Caller | null = null;
  /** Top-level fields the route does not know, as sent (dingtalk/leniency.ts). */
  unknownFields: string[] | null = null;
  /** The request log's entry in the making (emulator/request-log.ts); null for a call that is not logged. */
  loggedCall: PendingEntry | null = null;

  /**
   * `receivedAt`: `performance.now()` when the first onRequest step saw the request (app.ts); the
   * request log and the metrics time the request from it.
   */
  constructor(readonly receivedAt: number) {}
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * What the hooks noted (request-notes.ts); made by the first onRequest step. Unset on a request
     * that no hook sees (Fastify answers a malformed URL with a bare request of its own).
     */
    notes: RequestNotes | null | undefined;
  }
}

/**
 * The request's notes, made here if the first onRequest step has not made them: a guard, since
 * every hook and route that asks runs after that step. Notes made here time the request from
 * when they were first asked for.
 */
export function notesOf(request: FastifyRequest): RequestNotes {
  return (request.notes ??= new RequestNotes(performance.now()));
}

/** The access token a DingTalk call presents (`x-acs-dingtalk-access-token`; the first, if sent twice). */
export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-acs-dingtalk-access-token'];
  return Array.isArray(header) ? header[0] : header;
}

/** Admits the caller a token named, if it has `scope` (or throws its error), for the route to read (authenticatedCaller). */
export function admitCaller(request: FastifyRequest, caller: Caller, scope: string): void {
  requireScope(caller, scope);
  notesOf(request).caller = caller;
}

/**
 * The caller a route's onRequest hook admitted. A route that authenticates (`routes`: which ones,
 * for the message) reaches its handler only after that hook, so a missing caller is dingread's
 * bug, a 500, not the client's.
 */
export function authenticatedCaller(request: FastifyRequest, routes: string): Caller {
  const caller = request.notes?.caller;
  if (!caller) throw new Error(`${routes} reached without an authenticated caller`);
  return caller;
}

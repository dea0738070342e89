/**
 * Who may use `/_dingread/v1/*`: with an admin token, callers that send it as a bearer token;
 * without one, callers on loopback addresses only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { fail } from '../../core/errors.js';

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (plain === '::1') return true;
  return isIP(plain) === 4 && plain.startsWith('127.');
}

/** Is `host` (what the server listens on) reachable only from this machine? */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/** Compares digests so that neither the token's content nor its length leaks through timing. */
function sameToken(given: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function controlPlaneGuard(adminToken: string | undefined) {
  return async function guard(request: FastifyRequest): Promise<void> {
    if (adminToken === undefined) {
      if (!isLoopbackAddress(request.socket.remoteAddress)) fail('controlPlane.loopbackOnly');
      return;
    }
    const header = request.headers.authorization;
    if (!header) fail('adminToken.missing');
    const match = /^Bearer (.+)$/i.exec(header);
    if (!match || !sameToken(match[1] as string, adminToken)) fail('adminToken.invalid');
  };
}

/** The cookie in which the dashboard hands the admin token to its event stream (EventSource sends no headers). */
export const ADMIN_COOKIE = 'dingread_admin';

/**
 * The control plane's guard, for the event stream only: the admin token may also come in the
 * `dingread_admin` cookie, compared in constant time like the header.
 */
export function eventStreamGuard(adminToken: string | undefined) {
  const strict = controlPlaneGuard(adminToken);
  return async function guard(request: FastifyRequest): Promise<void> {
    if (adminToken !== undefined && !request.headers.authorization) {
      const cookie = cookieValue(request.headers.cookie, ADMIN_COOKIE);
      if (cookie === undefined) fail('adminToken.missing');
      if (!sameToken(cookie, adminToken)) fail('adminToken.invalid');
      return;
    }
    await strict(request);
  };
}

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

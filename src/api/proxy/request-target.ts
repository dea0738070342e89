/**
 * What a request is addressed to, decided once, before routing, for every request: the one
 * place where a proxied request becomes an ordinary one. A client reaches dingread three ways:
 *
 * - directly: `GET /v1.0/… HTTP/1.1` with `Host: 127.0.0.1:3939` (origin-form);
 * - through dingread as a plain HTTP proxy: `GET https://api.dingtalk.com/v1.0/…` (absolute-form,
 *   as older axios sends for an HTTPS_PROXY). The target becomes origin-form and its authority
 *   replaces the Host header, as RFC 9112 §3.2.2 asks of a server given the absolute form, so the
 *   router, the request log, faults, throttling, access rules and messages all see the parsed path
 *   and host and never the whole URL;
 * - inside a CONNECT tunnel (proxy/tunnel.ts): origin-form requests on a TLS socket whose host is
 *   the one the client asked the tunnel for.
 *
 * Fastify calls `normaliseRequestTarget` as its `rewriteUrl`, so it runs before routing for real
 * connections and `inject` alike; `requestTarget` answers what it found.
 */
import type { IncomingMessage } from 'node:http';
import { isIP, type Socket } from 'node:net';

/** DingTalk's hosts that dingread stands in for, and which API each serves. */
export const DINGTALK_HOSTS = {
  'api.dingtalk.com': 'api',
  'oapi.dingtalk.com': 'oapi',
} as const;
export type DingTalkHost = (typeof DINGTALK_HOSTS)[keyof typeof DINGTALK_HOSTS];

export interface RequestTarget {
  /** How the request reached dingread (above). */
  via: 'direct' | 'absolute' | 'tunnel';
  /** `host[:port]` the request is addressed to, as sent; '' when it names none. */
  authority: string;
  /** The host name, lower case, without port, brackets or a trailing dot; undefined when absent or not a host name. */
  hostname: string | undefined;
  /** The DingTalk host the request is addressed to, if it is one of theirs. */
  dingtalk: DingTalkHost | undefined;
  /** An absolute-form target dingread cannot serve: not http or https, or without a host. */
  malformed: boolean;
}

/**
 * Each request's target is kept on the request itself, under a symbol no other code knows: a
 * property costs less per request than a WeakMap entry (an ephemeron the collector must trace).
 */
const TARGET = Symbol('dingread.requestTarget');
type Targeted = IncomingMessage & { [TARGET]?: RequestTarget };
/** The host each tunnel's TLS socket was opened for (proxy/tunnel.ts). */
const tunnels = new WeakMap<Socket, string>();

/** `scheme://authority` then the path and query (a fragment never comes in a request line). */
const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/;
const HOST_NAME = /^[a-z0-9_~!$&'()*+,;=%-]+(?:\.[a-z0-9_~!$&'()*+,;=%-]+)*$/;

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (plain === '::1') return true;
  return isIP(plain) === 4 && plain.startsWith('127.');
}

/** Is `host` (a name to listen on, or a request's host name) this machine only? */
export function isLoopbackHost(host: string | undefined): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/** Marks `socket` as the inside of a tunnel to `hostname`: requests on it are addressed there. */
export function markTunnel(socket: Socket, hostname: string): void {
  tunnels.set(socket, hostname);
}

/** `api.dingtalk.com` from `API.dingtalk.com.:443`, `::1` from `[::1]:3939`; undefined when it is not a host. */
export function hostnameOf(authority: string): string | undefined {
  const withoutPort = authority.replace(/:\d{0,5}$/, '');
  if (withoutPort.startsWith('[')) {
    return /^\[[0-9a-f:.]+\]$/i.test(withoutPort) ? withoutPort.slice(1, -1).toLowerCase() : undefined;
  }
  const name = withoutPort.toLowerCase().replace(/\.$/, '');
  return HOST_NAME.test(name) ? name : undefined;
}

export function dingTalkHostOf(hostname: string | undefined): DingTalkHost | undefined {
  return hostname !== undefined && Object.hasOwn(DINGTALK_HOSTS, hostname) ? DINGTALK_HOSTS[hostname as keyof typeof DINGTALK_HOSTS] : undefined;
}

function target(via: RequestTarget['via'], authority: string, hostname: string | undefined, malformed = false): RequestTarget {
  return { via, authority, hostname, dingtalk: dingTalkHostOf(hostname), malformed };
}

/** Direct targets by Host header: a client sends the same one on every request. Targets are never changed. */
const directTargets = new Map<string, RequestTarget>();
const DIRECT_TARGETS_KEPT = 1000;

function directTarget(authority: string): RequestTarget {
  let found = directTargets.get(authority);
  if (found === undefined) {
    found = Object.freeze(target('direct', authority, hostnameOf(authority)));
    if (directTargets.size >= DIRECT_TARGETS_KEPT) directTargets.clear();
    directTargets.set(authority, found);
  }
  return found;
}

function headerValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** The request's target, with an absolute-form URL turned into origin-form (Fastify's `rewriteUrl`). */
export function normaliseRequestTarget(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const tunnelHost = tunnels.get(request.socket);
  const absolute = url.startsWith('/') ? null : ABSOLUTE_FORM.exec(url);
  if (!absolute) {
    (request as Targeted)[TARGET] = tunnelHost !== undefined ? target('tunnel', tunnelHost, tunnelHost) : directTarget(headerValue(request.headers.host));
    return url;
  }
  const scheme = (absolute[1] as string).toLowerCase();
  // Credentials in the URL (`http://user:pass@host/`) are not part of the host.
  const authority = (absolute[2] as string).replace(/^[^@]*@/, '');
  const rest = absolute[3] as string;
  const path = rest.startsWith('/') ? rest : `/${rest}`;
  const hostname = hostnameOf(authority);
  const malformed = (scheme !== 'http' && scheme !== 'https') || hostname === undefined;
  if (tunnelHost !== undefined) {
    (request as Targeted)[TARGET] = target('tunnel', tunnelHost, tunnelHost, malformed);
  } else {
    (request as Targeted)[TARGET] = target('absolute', authority, hostname, malformed);
    if (!malformed) request.headers.host = authority;
  }
  return path;
}

/**
 * What `normaliseRequestTarget` found. A request the router never saw (a WebSocket upgrade, which
 * Node hands to `upgrade` listeners) is normalised here first, so it is known the same way.
 */
export function requestTarget(request: IncomingMessage): RequestTarget {
  const found = (request as Targeted)[TARGET];
  if (found) return found;
  request.url = normaliseRequestTarget(request);
  return (request as Targeted)[TARGET] as RequestTarget;
}

/** The path of an origin-form URL, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

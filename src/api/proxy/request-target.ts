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
 * `normaliseRequestTarget` turns an absolute-form request into an origin-form one as the server's
 * first `request` listener, before Fastify routes it; `requestTarget` answers what it found, and for
 * the origin-form requests nearly all clients send, works it out from the socket and the Host header
 * when asked, with nothing written on the request (see `TARGET`).
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
 * An absolute-form request's target, kept on the request under a symbol no other code knows. Only
 * those requests carry it: a property added to every request would move each to a new hidden class
 * on every request, and Node's own code for requests would meet two classes where it knows one.
 */
const TARGET = Symbol('dingread.requestTarget');
type Targeted = IncomingMessage & { [TARGET]?: RequestTarget };
/** On a tunnel's TLS socket (proxy/tunnel.ts): the host the tunnel was opened for. */
const TUNNEL_HOST = Symbol('dingread.tunnelHost');
type TunnelSocket = Socket & { [TUNNEL_HOST]?: string };

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
  (socket as TunnelSocket)[TUNNEL_HOST] = hostname;
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

/** Targets by Host header (direct) or tunnel host: a client sends the same one on every request. Targets are never changed. */
const directTargets = new Map<string, RequestTarget>();
const tunnelTargets = new Map<string, RequestTarget>();
const TARGETS_KEPT = 1000;
/**
 * The direct target asked for last: the Host header is a new string on every request, and
 * comparing it with the last one costs less than hashing it for the map.
 */
let lastDirect: RequestTarget = Object.freeze(target('direct', '', undefined));

function kept(targets: Map<string, RequestTarget>, key: string, make: () => RequestTarget): RequestTarget {
  let found = targets.get(key);
  if (found === undefined) {
    found = Object.freeze(make());
    if (targets.size >= TARGETS_KEPT) targets.clear();
    targets.set(key, found);
  }
  return found;
}

function directTarget(authority: string): RequestTarget {
  if (authority !== lastDirect.authority) lastDirect = kept(directTargets, authority, () => target('direct', authority, hostnameOf(authority)));
  return lastDirect;
}

function headerValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** A path, as nearly every request's target is; anything else is normalised. */
function isOriginForm(url: string): boolean {
  return url.charCodeAt(0) === 0x2f; // '/'
}

/**
 * An absolute-form request made origin-form: its path becomes the URL and (outside a tunnel) its
 * authority the Host header, its target kept on it. Origin-form requests are left as they are.
 */
export function normaliseRequestTarget(request: IncomingMessage): void {
  const url = request.url ?? '/';
  if (isOriginForm(url)) return;
  const tunnelHost = (request.socket as TunnelSocket | undefined)?.[TUNNEL_HOST];
  const absolute = ABSOLUTE_FORM.exec(url);
  if (!absolute) {
    // Neither a path nor a URL (`*`, or garbage): left as it is, for the router to answer.
    (request as Targeted)[TARGET] = tunnelHost !== undefined ? target('tunnel', tunnelHost, tunnelHost) : directTarget(headerValue(request.headers.host));
    return;
  }
  const scheme = (absolute[1] as string).toLowerCase();
  // Credentials in the URL (`http://user:pass@host/`) are not part of the host.
  const authority = (absolute[2] as string).replace(/^[^@]*@/, '');
  const rest = absolute[3] as string;
  request.url = rest.startsWith('/') ? rest : `/${rest}`;
  const hostname = hostnameOf(authority);
  const malformed = (scheme !== 'http' && scheme !== 'https') || hostname === undefined;
  if (tunnelHost !== undefined) {
    (request as Targeted)[TARGET] = target('tunnel', tunnelHost, tunnelHost, malformed);
  } else {
    (request as Targeted)[TARGET] = target('absolute', authority, hostname, malformed);
    if (!malformed) request.headers.host = authority;
  }
}

/**
 * What the request is addressed to. A request the server's listener never saw (a WebSocket upgrade,
 * which Node hands to `upgrade` listeners) is normalised here first, so it is known the same way.
 */
export function requestTarget(request: IncomingMessage): RequestTarget {
  const found = (request as Targeted)[TARGET];
  if (found) return found;
  if (request.url !== undefined && !isOriginForm(request.url)) {
    normaliseRequestTarget(request);
    return (request as Targeted)[TARGET] as RequestTarget;
  }
  const tunnelHost = (request.socket as TunnelSocket | undefined)?.[TUNNEL_HOST];
  if (tunnelHost !== undefined) return kept(tunnelTargets, tunnelHost, () => target('tunnel', tunnelHost, tunnelHost));
  return directTarget(headerValue(request.headers.host));
}

/** The path of an origin-form URL, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

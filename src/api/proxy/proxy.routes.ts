/**
 * Proxy mode's tunnels: `CONNECT api.dingtalk.com:443` (or oapi) on dingread's own port, so that
 * a bot whose URLs are DingTalk's runs unchanged with `HTTPS_PROXY` pointing here (docs/proxy.md).
 *
 * dingread answers `200 Connection Established`, ends the client's TLS itself with a certificate
 * for DingTalk's hosts signed by the store's local CA (core/local-ca.ts), and hands the decrypted
 * connection to this same HTTP server as if it had just connected. So the requests inside are
 * routed, logged, faulted, throttled and access-checked like any other (request-target.ts knows
 * them as the tunnel host's), and a WebSocket upgrade inside a tunnel reaches the server's
 * `upgrade` listeners like one that came directly. Tunnels to any other host or port are refused
 * with an answer on the CONNECT, as is every CONNECT while the server drains.
 *
 * Also `GET /_dingread/v1/ca.pem`: the CA's certificate, for clients to trust; never its key.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { DingReadError } from '../../core/errors.js';
import { newRequestId } from '../../core/ids.js';
import { ServerCertificates, type ServerCertificate } from '../../core/local-ca.js';
import { StoreUnavailableError } from '../../core/store.js';
import { rawErrorAnswer } from '../envelope.js';
import { DINGTALK_HOSTS, dingTalkHostOf, hostnameOf, markTunnel } from './request-target.js';

export const CA_PEM_PATH = '/_dingread/v1/ca.pem';
/** DingTalk serves its APIs over TLS on 443; a tunnel to another port is refused. */
const TUNNEL_PORT = '443';

export interface ProxyOptions {
  /** A tunnel whose TLS handshake has not finished in this long is closed. */
  handshakeTimeoutMs: number;
}

/** `api.dingtalk.com` and `443` from a CONNECT target `api.dingtalk.com:443`; undefined when it is not `host:port`. */
function parseConnectTarget(target: string | undefined): { hostname: string; port: string } | undefined {
  const match = /^(.+):(\d{1,5})$/.exec(target ?? '');
  if (!match) return undefined;
  const hostname = hostnameOf(match[1] as string);
  return hostname === undefined ? undefined : { hostname, port: match[2] as string };
}

export function proxyRoutes(ctx: CoreContext, options: ProxyOptions): FastifyPluginAsync {
  const certificates = new ServerCertificates(ctx.store, Object.keys(DINGTALK_HOSTS));
  let context: { of: ServerCertificate; secureContext: SecureContext } | undefined;

  async function secureContext(): Promise<SecureContext> {
    const certificate = await certificates.serverCertificate();
    if (context?.of !== certificate) {
      context = { of: certificate, secureContext: createSecureContext({ key: certificate.privateKeyPem, cert: certificate.chainPem }) };
    }
    return context.secureContext;
  }

  return async function register(app: FastifyInstance): Promise<void> {
    /** Raw sockets between their CONNECT and the hand-over of their TLS socket to the server. */
    const opening = new Set<Socket>();
    let draining = false;
    app.addHook('preClose', async () => {
      draining = true;
      for (const socket of opening) socket.destroy();
    });

    /** An answer on the CONNECT itself, in DingTalk's envelope, after which the connection closes. */
    function refuse(socket: Socket, error: DingReadError): void {
      const requestid = newRequestId(ctx.random);
      app.log.info({ code: error.code, requestid }, `tunnel refused: ${error.message}`);
      socket.end(rawErrorAnswer(error, requestid));
    }

    async function openTunnel(request: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
      const target = parseConnectTarget(request.url);
      if (!target) return refuse(socket, new DingReadError('invalidParameter.param.invalid', `CONNECT needs host:port, not ${JSON.stringify(request.url)}`));
      if (dingTalkHostOf(target.hostname) === undefined || target.port !== TUNNEL_PORT) {
        return refuse(socket, new DingReadError('proxy.tunnelRefused', `${target.hostname}:${target.port}`));
      }
      if (draining) return refuse(socket, new DingReadError('server.shuttingDown'));
      let secure: SecureContext;
      try {
        secure = await secureContext();
      } catch (error) {
        if (error instanceof StoreUnavailableError) return refuse(socket, new DingReadError('store.unavailable', error.message));
        app.log.error({ err: error }, 'making the certificate of a tunnel failed');
        return refuse(socket, new DingReadError('system.error'));
      }
      if (socket.destroyed) return;
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      // Bytes the client sent right behind its CONNECT belong to the TLS handshake.
      if (head.length > 0) socket.unshift(head);
      const tls = new TLSSocket(socket, { isServer: true, secureContext: secure, ALPNProtocols: ['http/1.1'] });
      markTunnel(tls, target.hostname);
      const failed = (error: Error): void => {
        app.log.info({ err: error }, `tunnel to ${target.hostname}: the TLS handshake failed (does the client trust dingread's CA?)`);
        socket.destroy();
      };
      tls.once('error', failed);
      tls.once('secure', () => {
        tls.removeListener('error', failed);
        opening.delete(socket);
        // From here the server owns the connection: its timeouts, errors and closing apply.
        app.server.emit('connection', tls);
      });
      tls.once('close', () => socket.destroy());
    }

    app.server.on('connect', (request: IncomingMessage, socket: Socket, head: Buffer) => {
      // The server stops watching a socket once it is a CONNECT's: errors and the time limit are ours.
      opening.add(socket);
      socket.on('error', () => socket.destroy());
      socket.once('close', () => opening.delete(socket));
      const timer = setTimeout(() => {
        if (opening.has(socket)) socket.destroy();
      }, options.handshakeTimeoutMs);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
      openTunnel(request, socket, head).catch((error: unknown) => {
        app.log.error({ err: error }, 'opening a tunnel failed');
        socket.destroy();
      });
    });

    app.get(CA_PEM_PATH, async (_request, reply) =>
      reply.type('application/x-pem-file').header('content-disposition', 'attachment; filename="dingread-ca.pem"').send(await certificates.caCertificatePem()),
    );
  };
}

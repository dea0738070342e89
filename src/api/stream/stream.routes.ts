/**
 * Stream mode on the HTTP side: DingTalk's gateway call (`POST /v1.0/gateway/connections/open`),
 * and the WebSocket endpoint it hands out, `ws://<this server>/connect?ticket=…` on the server's
 * own port (the `upgrade` requests of the HTTP server). The connections themselves are the hub's
 * (core/stream-hub.ts); `ws` is the WebSocket library.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CoreContext } from '../../core/context.js';
import { DingReadError, type ErrorCode } from '../../core/errors.js';
import { newRequestId } from '../../core/ids.js';
import { issueTicket } from '../../core/stream.js';
import type { StreamHub, StreamSocket } from '../../core/stream-hub.js';
import { rawErrorAnswer } from '../envelope.js';
import { requestTarget } from '../proxy/request-target.js';

export const CONNECT_PATH = '/connect';

const Text = (maxLength: number) => Type.String({ maxLength });
/**
 * What the SDKs send: the Node SDK the first four, the Python and Java ones `localIp` too, the Go
 * one `extras` as well. Other fields are left out as on every DingTalk route (dingtalk/leniency.ts),
 * and refused under `--strict`.
 */
export const OpenConnectionBody = Type.Object(
  {
    clientId: Type.Optional(Text(256)),
    clientSecret: Type.Optional(Text(256)),
    subscriptions: Type.Optional(
      Type.Array(Type.Object({ type: Type.String({ minLength: 1, maxLength: 64 }), topic: Type.String({ minLength: 1, maxLength: 256 }) }), {
        maxItems: 64,
      }),
    ),
    ua: Type.Optional(Text(512)),
    localIp: Type.Optional(Text(1024)),
    extras: Type.Optional(Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 1024 }), { maxProperties: 64 })),
  },
  { additionalProperties: false },
);
type OpenConnectionBody = Static<typeof OpenConnectionBody>;

/**
 * `host:port` at which the client can reach this server itself: the host the request was
 * addressed to (proxy/request-target.ts), unless that is one of DingTalk's (the request came
 * through proxy mode, or with DingTalk's Host), and then the address its connection arrived at.
 * The endpoint and the session webhooks handed out must be this server's own: an SDK's WebSocket
 * dials the endpoint itself, through no proxy (`dingtalk-stream` gives `ws` no agent), and a
 * reply to a session webhook must find the server whatever proxy settings the bot has.
 */
export function reachedAt(request: IncomingMessage, fallbackPort: number): string {
  const target = requestTarget(request);
  if (target.dingtalk === undefined && target.hostname !== undefined) return target.authority;
  // A tunnel's TLS socket reports the addresses of the TCP connection it runs on.
  let address = request.socket.localAddress ?? '127.0.0.1';
  if (address.startsWith('::ffff:')) address = address.slice(7);
  const port = request.socket.localPort ?? fallbackPort;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function refusal(code: ErrorCode, detail?: string): DingReadError {
  return new DingReadError(code, detail);
}

/** `ws`'s socket as the hub's StreamSocket. */
function streamSocket(ws: WebSocket): StreamSocket {
  return {
    send(text) {
      if (ws.readyState !== ws.OPEN) return false;
      ws.send(text);
      return true;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    ping() {
      if (ws.readyState === ws.OPEN) ws.ping();
    },
    close(code, reason) {
      // A close reason is at most 123 bytes on the wire.
      ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
    },
    terminate() {
      ws.terminate();
    },
  };
}

export function streamRoutes(ctx: CoreContext, hub: StreamHub) {
  return async function register(app: FastifyInstance): Promise<void> {
    const secure = app.server instanceof TlsServer;
    const port = (): number => {
      const address = app.server.address();
      return typeof address === 'object' && address ? address.port : 0;
    };

    app.post('/v1.0/gateway/connections/open', { schema: { body: OpenConnectionBody } }, async (request) => {
      const body = request.body as OpenConnectionBody;
      const { ticket } = await issueTicket(ctx, hub.options, body);
      return { endpoint: `${secure ? 'wss' : 'ws'}://${reachedAt(request.raw, port())}${CONNECT_PATH}`, ticket };
    });

    /** Refuses an upgrade with an HTTP answer in DingTalk's envelope. */
    const refuse = (socket: Duplex, error: DingReadError): void => {
      if (socket.writable) socket.end(rawErrorAnswer(error, newRequestId(ctx.random)));
      socket.destroy();
    };

    const sockets = new WebSocketServer({ noServer: true, maxPayload: hub.options.maxFrameBytes, perMessageDeflate: false, clientTracking: false });

    const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
      // A client that resets mid-handshake must not take the process with it.
      socket.on('error', () => socket.destroy());
      handleUpgrade(request, socket, head).catch((error: unknown) => {
        app.log.error({ err: error }, 'a Stream connection failed to open');
        refuse(socket, error instanceof DingReadError ? error : refusal('system.error'));
      });
    };

    async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
      // The router never sees an upgrade, so access (api/access.ts) is decided here: the endpoint
      // is DingTalk's surface, open to anyone on any host like the gateway, its ticket the
      // credential; nothing else takes a WebSocket. requestTarget makes an absolute-form target
      // origin-form first, as it does for every routed request.
      const target = requestTarget(request);
      if (target.malformed) {
        refuse(socket, refusal('invalidParameter.param.invalid', 'the request target is not an http or https URL with a host'));
        return;
      }
      let url: URL;
      try {
        url = new URL(request.url ?? '/', 'http://dingread');
      } catch {
        refuse(socket, refusal('invalidParameter.param.invalid', 'malformed URL'));
        return;
      }
      if (url.pathname !== CONNECT_PATH) {
        refuse(socket, refusal('InvalidAction.NotFound', `GET ${url.pathname} (WebSocket)`));
        return;
      }
      const ticket = url.searchParams.get('ticket');
      if (!ticket) {
        refuse(socket, refusal('invalidParameter.param.invalid', 'ticket is mandatory'));
        return;
      }
      let admitted;
      try {
        admitted = await hub.admit(ticket);
      } catch (error) {
        if (!(error instanceof DingReadError)) throw error;
        refuse(socket, error);
        return;
      }
      const origin = `${secure ? 'https' : 'http'}://${reachedAt(request, port())}`;
      const registration = await hub.register(admitted, request.socket.remoteAddress ?? '', origin);
      let bound = false;
      // With no extension to negotiate, `ws` answers the handshake and calls back synchronously;
      // when it does not call back, it refused the handshake (a bad key, a socket already gone).
      sockets.handleUpgrade(request, socket, head, (ws) => {
        bound = true;
        const connection = hub.bind(registration, streamSocket(ws));
        ws.on('message', (data, isBinary) => {
          if (isBinary) {
            ws.close(1003, 'binary frames are not part of the Stream protocol');
            return;
          }
          void hub.receive(connection, (data as Buffer).toString('utf8'));
        });
        ws.on('pong', () => hub.touch(connection));
        ws.on('close', (code, reason) => void hub.detach(connection, reason.toString() || `closed (${code})`));
        // Errors (a frame over the size limit, invalid UTF-8) close the socket; 'close' follows.
        ws.on('error', () => undefined);
      });
      if (!bound) await hub.unregister(registration);
    }

    app.server.on('upgrade', upgrade);
    app.addHook('onClose', async () => {
      app.server.off('upgrade', upgrade);
      sockets.close();
    });
  };
}

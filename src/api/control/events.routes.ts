/**
 * `GET /_dingread/v1/events`: server-sent events of every successful write (core/events.ts), for
 * the dashboard and `dingread status --watch`. docs/control-plane.md describes the stream.
 */
import type { ServerResponse } from 'node:http';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import type { DingReadEvent } from '../../core/events.js';

/** A client that lets this much pile up unread is cut off; its EventSource reconnects and reloads. */
export const MAX_PENDING_BYTES = 256 * 1024;
const HEARTBEAT_MS = 15_000;
const RETRY_MS = 2_000;

export const EventsQuery = Type.Object(
  { processQueryKey: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) },
  { additionalProperties: false },
);
type EventsQuery = Static<typeof EventsQuery>;

/** Events about one message, plus those that can change any message (opens, the clock, resets). */
function concerns(event: DingReadEvent, processQueryKey: string | undefined): boolean {
  if (processQueryKey === undefined || !('processQueryKey' in event)) return true;
  return event.processQueryKey === processQueryKey;
}

export function eventRoutes(ctx: CoreContext) {
  return async function register(app: FastifyInstance): Promise<void> {
    const open = new Set<ServerResponse>();
    // Streams never end on their own: close them before the server waits for connections to finish.
    app.addHook('preClose', async () => {
      for (const res of open) res.end();
    });

    app.get('/events', { schema: { querystring: EventsQuery } }, (request, reply) => {
      const { processQueryKey } = request.query as EventsQuery;
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-store',
        'x-accel-buffering': 'no',
      });
      let seq = 0;
      const send = (name: string, data: unknown): void => {
        if (res.writableLength > MAX_PENDING_BYTES) {
          res.destroy();
          return;
        }
        seq += 1;
        res.write(`id: ${seq}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      res.write(`retry: ${RETRY_MS}\n\n`);
      // `ready` says the subscription is in place: what happens from now on will arrive.
      send('ready', { clock: ctx.clock.state() });
      const unsubscribe = ctx.events.subscribe((event) => {
        if (concerns(event, processQueryKey)) send(event.type, event);
      });
      const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      open.add(res);
      res.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
      });
    });
  };
}

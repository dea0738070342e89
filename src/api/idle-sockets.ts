/**
 * The idle timeout (docs/RELIABILITY.md): a connection that moves no bytes either way for `idleMs`
 * gets a `timeout` event, which Node's HTTP server answers by closing it (unless a request or an
 * answer in flight handles the event). Node would do this with a timer on every socket
 * (`server.timeout`), but that timer is set again for every request and re-armed on every read and
 * write: about 2,000 instructions a request, 1% of a group page's. Here a sweep every
 * `intervalMs` compares each open connection's byte counts with the last sweep's instead, which
 * costs nothing a request and a few operations a connection and sweep. A connection is timed out
 * `idleMs` to `idleMs + intervalMs` after its last byte, once until its next one, as Node's timer
 * fires once until the next activity re-arms it.
 *
 * Two differences from Node's timer, both by design: it applies to a kept-alive connection waiting
 * for its next request too (Node swaps it for the keep-alive timer there), so such a connection is
 * closed at the shorter of the two timeouts; and `socket.setTimeout(0)` does not take a connection
 * out of it (nothing in dingread calls that for an HTTP connection).
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** What the sweep reads of a connection: a socket's byte counts and its event. */
export interface WatchedSocket {
  readonly bytesRead: number;
  /** Bytes written, counting those still queued in the socket (net.Socket's own count); undefined once destroyed. */
  readonly bytesWritten: number | undefined;
  /** Bytes queued and not yet taken by the system. */
  readonly writableLength: number;
  /** The system's write queue (libuv's), which a large write drains while the counts above stand still. */
  readonly _handle?: { writeQueueSize?: number } | null;
  readonly destroyed: boolean;
  emit(event: 'timeout'): boolean;
}

interface Watch {
  /** The bytes that had moved at the last sweep that saw them move. */
  moved: number;
  /** The system's write queue then. */
  queued: number;
  /** When that sweep ran. */
  since: number;
  /** Whether this quiet stretch already had its `timeout`. */
  timedOut: boolean;
}

/** The bytes a socket has moved: read, and written out of its queue. */
function bytesMoved(socket: WatchedSocket): number {
  // Queued bytes are not traffic: a client that stopped reading would otherwise look busy
  // while the server queues answers or events for it.
  return socket.bytesRead + (socket.bytesWritten ?? 0) - socket.writableLength;
}

/**
 * The system's write queue. A single large write (a media file) counts as written only once all of
 * it is, so while a slow client reads it the counts stand still; the queue shrinking is the
 * traffic then, as Node's own timer takes it (net.js, `_onTimeout`).
 */
function bytesQueued(socket: WatchedSocket): number {
  return socket._handle?.writeQueueSize ?? 0;
}

export class IdleSockets {
  private readonly watched = new Map<WatchedSocket, Watch>();

  constructor(private readonly idleMs: number) {}

  get size(): number {
    return this.watched.size;
  }

  watch(socket: WatchedSocket, now: number): void {
    this.watched.set(socket, { moved: bytesMoved(socket), queued: bytesQueued(socket), since: now, timedOut: false });
  }

  forget(socket: WatchedSocket): void {
    this.watched.delete(socket);
  }

  /** Gives `timeout` to each connection quiet for `idleMs` or longer at `now`; answers how many. */
  sweep(now: number): number {
    let timedOut = 0;
    for (const [socket, watch] of this.watched) {
      if (socket.destroyed) continue;
      const moved = bytesMoved(socket);
      const queued = bytesQueued(socket);
      if (moved !== watch.moved || queued !== watch.queued) {
        watch.moved = moved;
        watch.queued = queued;
        watch.since = now;
        watch.timedOut = false;
      } else if (!watch.timedOut && now - watch.since >= this.idleMs) {
        watch.timedOut = true;
        timedOut++;
        socket.emit('timeout');
      }
    }
    return timedOut;
  }
}

/**
 * Watches every connection `server` takes (tunnelled ones too, which reach it as `connection`
 * events) until it closes, and sweeps while the server listens; answers a function that stops it
 * all. `idleMs` 0 watches nothing. An upgraded connection (a WebSocket, whose liveness is Stream
 * mode's pings) or a `CONNECT` tunnel stays watched, but Node has taken its `timeout` handler off
 * by then, so its `timeout` does nothing, as Node's timer's did. (Listening for `upgrade` or
 * `connect` here would change what Node does with those requests: it looks at whether anyone
 * listens.)
 */
export function closeIdleSockets(server: Server, idleMs: number, intervalMs: number): () => void {
  if (idleMs <= 0) return () => undefined;
  const idle = new IdleSockets(idleMs);
  const onConnection = (socket: Duplex & WatchedSocket): void => {
    idle.watch(socket, performance.now());
    socket.once('close', () => idle.forget(socket));
  };
  let sweeper: NodeJS.Timeout | undefined;
  const startSweeping = (): void => {
    sweeper ??= setInterval(() => idle.sweep(performance.now()), Math.max(1, Math.min(intervalMs, idleMs)));
    sweeper.unref();
  };
  server.on('connection', onConnection);
  if (server.listening) startSweeping();
  else server.on('listening', startSweeping);
  return () => {
    clearInterval(sweeper);
    server.off('connection', onConnection);
    server.off('listening', startSweeping);
  };
}

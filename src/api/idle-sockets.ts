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
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** What the sweep reads of a connection: a socket's byte counts and its event. */
export interface WatchedSocket {
  readonly bytesRead: number;
  /** Bytes written, counting those still queued in the socket (net.Socket's own count). */
  readonly bytesWritten: number;
  /** Bytes queued and not yet taken by the system. */
  readonly writableLength: number;
  emit(event: 'timeout'): boolean;
}

interface Watch {
  /** The bytes that had moved at the last sweep that saw them move. */
  moved: number;
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

export class IdleSockets {
  private readonly watched = new Map<WatchedSocket, Watch>();

  constructor(private readonly idleMs: number) {}

  get size(): number {
    return this.watched.size;
  }

  watch(socket: WatchedSocket, now: number): void {
    this.watched.set(socket, { moved: bytesMoved(socket), since: now, timedOut: false });
  }

  forget(socket: WatchedSocket): void {
    this.watched.delete(socket);
  }

  /** Gives `timeout` to each connection quiet for `idleMs` or longer at `now`; answers how many. */
  sweep(now: number): number {
    let timedOut = 0;
    for (const [socket, watch] of this.watched) {
      const moved = bytesMoved(socket);
      if (moved !== watch.moved) {
        watch.moved = moved;
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
 * events) until it closes or is upgraded (a WebSocket's own liveness is its pings, core/stream.ts);
 * answers a function that stops the sweep. `idleMs` 0 watches nothing.
 */
export function closeIdleSockets(server: Server, idleMs: number, intervalMs: number): () => void {
  if (idleMs <= 0) return () => undefined;
  const idle = new IdleSockets(idleMs);
  const onConnection = (socket: Duplex & WatchedSocket): void => {
    idle.watch(socket, performance.now());
    socket.once('close', () => idle.forget(socket));
  };
  const onUpgrade = (_request: unknown, socket: Duplex & WatchedSocket): void => idle.forget(socket);
  server.on('connection', onConnection);
  server.on('upgrade', onUpgrade);
  const sweeper = setInterval(() => idle.sweep(performance.now()), Math.max(1, Math.min(intervalMs, idleMs)));
  sweeper.unref();
  return () => {
    clearInterval(sweeper);
    server.off('connection', onConnection);
    server.off('upgrade', onUpgrade);
  };
}

/** The bus: signals between the nodes that share a store, and which of those nodes are alive. */
/*
 * A store hands out its bus (`Store.bus`): the in-process `LocalBus` when only one process uses
 * the store (memory, SQLite), one over LISTEN/NOTIFY for PostgreSQL (store/postgres/postgres-bus.ts),
 * so several nodes need no service besides their database. Whoever needs to tell the other nodes
 * something uses it, under a topic of their own:
 *
 * - `stream` (core/stream-hub.ts): "push this delivery" to the node that holds a connection, and
 *   "deliveries fell due";
 * - a topic per feature that joins later (an event stream across nodes, cache invalidation),
 *   named for the feature. Topics share one channel: every node hears every topic and keeps what
 *   it subscribed to.
 *
 * What it guarantees, and what it does not:
 * - Signals, not data. A message is at most MAX_BUS_MESSAGE_BYTES (NOTIFY's limit): send ids and
 *   let listeners read the store, which is the truth. Publish after the write the signal is about
 *   has committed, so that a listener reading the store sees it.
 * - Every subscriber hears a message once, on every node, this one included (so a node need not
 *   handle its own writes apart), on a later turn of the event loop, never inside `publish`.
 * - Messages arrive in the order they were published (on PostgreSQL, the order their NOTIFYs
 *   committed), but a node whose link drops misses what is sent meanwhile. `onLinkChange` says
 *   when: on `lost`, stop trusting what was learnt from signals (a cache); on `restored`, read the
 *   store again.
 * - A node is alive while its link is up, which it is from its first `subscribe` on; `liveNodes`
 *   answers from the database, not from what the nodes say, so a crashed node is gone at once.
 */
import { randomBytes } from 'node:crypto';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; topic and separator come out of it. */
export const MAX_BUS_MESSAGE_BYTES = 7_000;

export type BusListener = (message: string) => void;

export interface Bus {
  /** This process's name on the bus, unique among the nodes that share the store. */
  readonly nodeId: string;
  /**
   * Sends `message` to every listener of `topic` on every node, this one included. Resolves once
   * the message is handed to the transport; throws for a message over MAX_BUS_MESSAGE_BYTES.
   */
  publish(topic: string, message: string): Promise<void>;
  /**
   * Listens to `topic`. Resolves once messages published from then on will arrive, with the
   * function that stops listening. While anything listens, the node counts as alive.
   */
  subscribe(topic: string, listener: BusListener): Promise<() => void>;
  /** Which of these nodes are alive (this one always is, while it listens to anything). */
  liveNodes(nodeIds: readonly string[]): Promise<Set<string>>;
  /**
   * Called when the link to the other nodes is lost, and when it is back: messages sent in
   * between were missed. An in-process bus never loses its link. Answers the function that stops it.
   */
  onLinkChange(listener: (link: LinkState) => void): () => void;
  close(): Promise<void>;
}

/** `lost`: signals are being missed from now on; `restored`: listening again, read the store. */
export type LinkState = 'lost' | 'restored';

export class BusMessageTooLargeError extends Error {
  constructor(bytes: number) {
    super(`a bus message holds at most ${MAX_BUS_MESSAGE_BYTES} bytes, not ${bytes}`);
    this.name = 'BusMessageTooLargeError';
  }
}

export function newNodeId(): string {
  return randomBytes(8).toString('hex');
}

export function checkMessageSize(message: string): void {
  const bytes = Buffer.byteLength(message, 'utf8');
  if (bytes > MAX_BUS_MESSAGE_BYTES) throw new BusMessageTooLargeError(bytes);
}

/** Listeners by topic, shared by the bus implementations. */
export class TopicListeners {
  private readonly byTopic = new Map<string, Set<BusListener>>();

  get size(): number {
    return this.byTopic.size;
  }

  add(topic: string, listener: BusListener): () => void {
    let listeners = this.byTopic.get(topic);
    if (!listeners) this.byTopic.set(topic, (listeners = new Set()));
    // Wrapped, so that one function subscribed twice is two subscriptions.
    const entry: BusListener = (message) => listener(message);
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
      if (listeners.size === 0 && this.byTopic.get(topic) === listeners) this.byTopic.delete(topic);
    };
  }

  deliver(topic: string, message: string): void {
    for (const listener of [...(this.byTopic.get(topic) ?? [])]) {
      // A listener that throws must not keep the message from the others.
      try {
        listener(message);
      } catch {
        // ignored: listeners handle their own errors
      }
    }
  }

  clear(): void {
    this.byTopic.clear();
  }
}

/** The bus of a store that one process uses: every node there is, is this one. */
export class LocalBus implements Bus {
  readonly nodeId = newNodeId();
  private readonly listeners = new TopicListeners();
  private closed = false;

  async publish(topic: string, message: string): Promise<void> {
    checkMessageSize(message);
    if (this.closed) return;
    // Delivered on a later turn, as a network bus would: publishers never run listeners inline.
    setImmediate(() => this.listeners.deliver(topic, message));
  }

  async subscribe(topic: string, listener: BusListener): Promise<() => void> {
    return this.listeners.add(topic, listener);
  }

  async liveNodes(nodeIds: readonly string[]): Promise<Set<string>> {
    return new Set(nodeIds.filter((id) => id === this.nodeId && !this.closed));
  }

  onLinkChange(): () => void {
    // An in-process bus never loses its link.
    return () => undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }
}

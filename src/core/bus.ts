/**
 * The signal between the nodes that share a store: a small publish/subscribe channel plus "which
 * nodes are alive". A store that only one process uses hands out the in-process `LocalBus`; the
 * PostgreSQL store hands out one over LISTEN/NOTIFY (store/postgres/postgres-bus.ts), so several
 * nodes need no service besides their database.
 *
 * The bus carries signals, not data: messages are small (at most MAX_BUS_MESSAGE_BYTES), arrive
 * at most once, and a node whose link drops misses what was sent meanwhile. So the truth lives in
 * the store, and a listener that hears a signal reads the store; `onReconnect` tells it when to
 * read again because signals may have been missed.
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
  /** Called after a lost link came back: messages may have been missed, so read the store again. */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}

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

  onReconnect(): () => void {
    // An in-process bus never loses its link.
    return () => undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }
}

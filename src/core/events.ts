/**
 * What happened, as it happens: services emit here after a write has succeeded, and the control
 * plane's event stream (`GET /_dingread/v1/events`) and the dashboard listen. Emitting with nobody
 * listening costs a branch: callers check `active` before building a payload.
 *
 * On a store several nodes share, each node's events also go to the others over the store's bus
 * (relayEvents below), so a stream on any node shows the writes made through every node.
 */
import { MAX_BUS_MESSAGE_BYTES, type Bus } from './bus.js';
import type { MessageKind } from './store.js';

export type DingReadEvent =
  | {
      type: 'sent';
      processQueryKey: string;
      kind: MessageKind;
      corpId: string;
      robotCode: string;
      openConversationId?: string;
      recipientCount: number;
      sentAt: number;
      /** How the robot sent it, when not through the API: a reply to a session webhook. */
      via?: 'sessionWebhook';
    }
  /** Reads that were accepted, grouped by message (a repeated read is included; it changes nothing). */
  | { type: 'read'; processQueryKey: string; userIds: string[]; at: number }
  | { type: 'recalled'; processQueryKey: string; corpId: string; robotCode: string; recalledAt: number }
  /** A user opened a chat: every message of it delivered to them is read (`marked` of them were new). */
  | {
      type: 'opened';
      userId: string;
      openConversationId?: string;
      robotCode?: string;
      marked: number;
      at: number;
    }
  | { type: 'clock'; nowMs: number; mode: 'system' | 'manual' }
  /** A card was created, delivered or had its variables changed (core/cards.ts). */
  | { type: 'card'; outTrackId: string; corpId: string; at: number }
  /** A user wrote to a robot (`robotCode`) or in a conversation; what became of it for each robot. */
  | {
      type: 'userMessage';
      msgId: string;
      corpId: string;
      userId: string;
      text: string;
      /** A file the user sent (its id in the control plane); text is then empty. */
      fileId?: string;
      openConversationId?: string;
      robotCode?: string;
      atRobots?: string[];
      deliveries: Array<{ robotCode: string; status: 'delivered' | 'noConnection' | 'notMentioned' }>;
      createdAt: number;
    }
  /** A Stream callback was pushed to a connection, acknowledged by the client, or given up. */
  | {
      type: 'delivery';
      state: 'pushed' | 'acknowledged' | 'abandoned';
      messageId: string;
      msgId: string;
      robotCode: string;
      clientId: string;
      connectionId?: string;
      attempt: number;
      at: number;
    }
  /** A Stream client connected to this node, or its connection closed. */
  | {
      type: 'streamConnection';
      state: 'open' | 'closed';
      connectionId: string;
      clientId: string;
      reason?: string;
      at: number;
    }
  /** A custom (webhook) robot posted into its group (`text`: what a phone shows of it). */
  | {
      type: 'webhookMessage';
      msgId: string;
      corpId: string;
      openConversationId: string;
      webhookRobot: string;
      msgtype: string;
      text: string;
      at?: { atUserIds?: string[]; atMobiles?: string[]; isAtAll?: boolean };
      createdAt: number;
    }
  /** Everything was forgotten (`POST /reset`) or a directory was loaded: views should reload. */
  | { type: 'changed'; what: 'reset' | 'directory' };

export type EventListener = (event: DingReadEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();
  /** Where this node's events go to the other nodes, when the store is shared (relayEvents). */
  private relay: ((event: DingReadEvent) => void) | undefined;

  /** Whether anyone listens, here or on another node; emitters skip building events when nobody does. */
  get active(): boolean {
    return this.listeners.size > 0 || this.relay !== undefined;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: DingReadEvent): void {
    this.relay?.(event);
    this.deliver(event);
  }

  /** Sends this node's events to the other nodes too (from then on). */
  relayTo(relay: (event: DingReadEvent) => void): void {
    this.relay = relay;
  }

  /** An event to this node's listeners only: one another node emitted. */
  deliver(event: DingReadEvent): void {
    for (const listener of this.listeners) {
      // A listener that throws must not undo or fail the write that already happened.
      try {
        listener(event);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }
}

/** The bus topic of relayed events: `<node id>\n<JSON array of events>`. */
const EVENTS_TOPIC = 'events';
/** Room for the node id and the array around the events. */
const EVENT_ROOM = MAX_BUS_MESSAGE_BYTES - 100;
/** A user's text is cut to this many characters on its way to other nodes (a bus message is small). */
const RELAYED_TEXT = 1_000;

/**
 * Every node's events to every other node of a shared store, over its bus: gathered for one turn of
 * the event loop and sent in as few messages as fit (one NOTIFY each on PostgreSQL, so a burst of
 * writes costs a few), a read of many users split across messages. A node that loses its link to
 * the others misses their events meanwhile, as a stream client that reconnects does.
 */
export function relayEvents(events: EventBus, bus: Bus): void {
  let queued: string[] = [];
  const flush = (): void => {
    const batches: string[][] = [[]];
    let bytes = 0;
    for (const json of queued) {
      const size = Buffer.byteLength(json) + 1;
      if (bytes + size > EVENT_ROOM && (batches.at(-1) as string[]).length > 0) {
        batches.push([]);
        bytes = 0;
      }
      (batches.at(-1) as string[]).push(json);
      bytes += size;
    }
    queued = [];
    for (const batch of batches) {
      if (batch.length === 0) continue;
      // An event that cannot reach the others is theirs to miss; the write it tells of stands.
      bus.publish(EVENTS_TOPIC, `${bus.nodeId}\n[${batch.join(',')}]`).catch(() => undefined);
    }
  };
  events.relayTo((event) => {
    if (queued.length === 0) setImmediate(flush);
    for (const piece of fitting(event)) queued.push(JSON.stringify(piece));
  });
  void bus
    .subscribe(EVENTS_TOPIC, (message) => {
      // Nobody here to tell: not parsing the message saves every node a share of every other's writes.
      if (events.listenerCount === 0) return;
      const split = message.indexOf('\n');
      if (split < 0 || message.slice(0, split) === bus.nodeId) return;
      let relayed: unknown;
      try {
        relayed = JSON.parse(message.slice(split + 1));
      } catch {
        return;
      }
      if (Array.isArray(relayed)) for (const event of relayed as DingReadEvent[]) events.deliver(event);
    })
    .catch(() => undefined);
}

/** The event in pieces that each fit a bus message: a read's users split, a user's long text cut. */
function fitting(event: DingReadEvent): DingReadEvent[] {
  if (Buffer.byteLength(JSON.stringify(event)) <= EVENT_ROOM) return [event];
  if (event.type === 'read') {
    const pieces: DingReadEvent[] = [];
    let users: string[] = [];
    let bytes = 0;
    for (const userId of event.userIds) {
      const size = Buffer.byteLength(JSON.stringify(userId)) + 1;
      if (bytes + size > EVENT_ROOM / 2 && users.length > 0) {
        pieces.push({ ...event, userIds: users });
        users = [];
        bytes = 0;
      }
      users.push(userId);
      bytes += size;
    }
    if (users.length > 0) pieces.push({ ...event, userIds: users });
    return pieces;
  }
  if (event.type === 'userMessage') {
    const cut: DingReadEvent = { ...event, text: event.text.slice(0, RELAYED_TEXT) };
    return Buffer.byteLength(JSON.stringify(cut)) <= EVENT_ROOM ? [cut] : [];
  }
  return [];
}

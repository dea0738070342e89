/** The store contract for Stream mode: tickets, connected clients, deliveries awaiting acknowledgement. */
/*
 * Used by core/stream-hub.ts: tickets, the registry of connected clients, and deliveries waiting
 * for their acknowledgement. The SQL backends implement it once in store/sql/stream.ts.
 *
 * Deliveries are stored, not held in memory, so that one outlives the node that pushed it: any
 * node with a connection of the client pushes it again when it falls due. Every method is one
 * unit of work, like the Store's.
 */

/** What a client subscribes to when it opens a connection (`{type:"CALLBACK", topic}`). */
export interface StreamSubscription {
  type: string;
  topic: string;
}

export interface NewTicket {
  /** Tickets are kept as hashes, like access tokens. */
  ticketHash: string;
  /** The appKey (or suiteKey) that asked for it. */
  clientId: string;
  subscriptions: StreamSubscription[];
  ua: string;
  localIp: string;
  expiresAt: number;
}

export type TicketRecord = Omit<NewTicket, 'ticketHash'>;

/** A client connected to one node. */
export interface ConnectionRecord {
  connectionId: string;
  /** The node holding the WebSocket (its `Bus.nodeId`). */
  nodeId: string;
  clientId: string;
  subscriptions: StreamSubscription[];
  ua: string;
  localIp: string;
  remoteAddress: string;
  connectedAt: number;
}

export interface NewDelivery {
  /** The frame's `headers.messageId`: what the client's acknowledgement names. */
  messageId: string;
  clientId: string;
  topic: string;
  robotCode: string;
  /** The user message it carries (the timeline's msgId). */
  msgId: string;
  /** The frame's `data` as stored; the hub completes it for the connection it goes to. */
  data: string;
  createdAt: number;
  /** When it is pushed again unless acknowledged (server clock). */
  dueAt: number;
}

export interface DeliveryRecord extends NewDelivery {
  id: number;
  /** How many times it was pushed. */
  attempts: number;
  /** The connection of the last push; null while on none. */
  connectionId: string | null;
}

export interface DueQuery {
  now: number;
  limit: number;
  clientIds?: readonly string[];
  createdBefore?: number;
}

export interface StreamStore {
  /** Keeps a ticket until it is taken; drops a batch of those expired by `now` on the way. */
  saveStreamTicket(ticket: NewTicket, now: number): Promise<void>;
  /** The ticket, deleted in the same unit so it works once; undefined when unknown. Expiry is the caller's to judge. */
  takeStreamTicket(ticketHash: string): Promise<TicketRecord | undefined>;

  addStreamConnection(connection: ConnectionRecord): Promise<void>;
  /** Removes a connection; its unacknowledged deliveries fall due at `now`. Answers how many. */
  removeStreamConnection(connectionId: string, now: number): Promise<number>;
  /** Connections of these clients (of all when left out), oldest first. */
  streamConnections(clientIds?: readonly string[]): Promise<ConnectionRecord[]>;
  /** Removes the connections of nodes that are gone; their deliveries fall due at `now`. Answers how many connections. */
  removeNodeConnections(nodeIds: readonly string[], now: number): Promise<number>;
  /** The appKeys of an org's internal apps, oldest first: the clients of a robot that no app owns. */
  orgClientIds(orgId: number): Promise<string[]>;

  /**
   * Records a push: when the delivery has been pushed exactly `attempts` times, counts one more,
   * to `connectionId`, due again at `dueAt`. Undefined when another push got there first, or the
   * delivery is gone (acknowledged, given up).
   */
  claimDelivery(id: number, attempts: number, connectionId: string, dueAt: number): Promise<DeliveryRecord | undefined>;
  /** A push to `connectionId` that failed: due again at `now`, on no connection. */
  releaseDelivery(id: number, connectionId: string, now: number): Promise<void>;
  /** Deliveries due by `now`, earliest first, at most `limit`: of these clients, or made before a time, when given. */
  dueDeliveries(query: DueQuery): Promise<DeliveryRecord[]>;
  /** The client's delivery under `messageId`, deleted; undefined when it has none (already acknowledged, unknown). */
  acknowledgeDelivery(clientId: string, messageId: string): Promise<DeliveryRecord | undefined>;
  /** Gives a delivery up if it was pushed `attempts` times (any number when null); false when it was not there. */
  abandonDelivery(id: number, attempts: number | null): Promise<boolean>;
  /** Unacknowledged deliveries, oldest first: of these connections when given, else all. */
  unacknowledgedDeliveries(connectionIds?: readonly string[]): Promise<DeliveryRecord[]>;
}

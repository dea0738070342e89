/**
 * The Stream connections of this node, and the deliveries that go over them, whichever node they
 * start on (docs/stream.md, "Delivery").
 *
 * - A delivery is stored with the user message it carries (ChatStore.postUserMessage) before it
 *   is pushed, and deleted when the client acknowledges it. A push is recorded first (a conditional
 *   update of its push count, StreamStore.claimDelivery), so that of two nodes reaching for one
 *   delivery only one pushes it.
 * - The node where a user writes pushes to a connection of its own if it holds one; otherwise it
 *   asks the others over the store's bus and waits for the one that pushed to say so.
 * - Every node looks for due deliveries (unacknowledged after `redeliveryMs` of the server clock,
 *   or left without a connection) every `sweepIntervalMs` and whenever the clock is moved, and
 *   pushes those of its clients again; a callback pushed `maxDeliveries` times, or with no
 *   connection anywhere for as long, is given up.
 * - The registry of connections is stored too, so any node can tell whether a client is connected
 *   anywhere. Rows of a node that is gone (the bus says which are alive) are removed, and what was
 *   pushed there falls due at once: an unacknowledged delivery outlives the node that pushed it.
 */
import { applyCallbackReply, CARD_CALLBACK_TOPIC } from './cards.js';
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import type { RobotRecord } from './store.js';
import {
  callbackFrame,
  DEFAULT_STREAM_OPTIONS,
  newFrameMessageId,
  newUuid,
  parseUpstreamFrame,
  ROBOT_MESSAGE_TOPIC,
  systemFrame,
  takeTicket,
  type StreamOptions,
} from './stream.js';
import type { ConnectionRecord, DeliveryRecord, StreamSubscription, TicketRecord } from './store.js';

/** A WebSocket as the hub uses it; the API layer adapts `ws` to it (api/stream/stream-socket.ts). */
export interface StreamSocket {
  /** Queues a text frame; false when the socket is no longer open. */
  send(text: string): boolean;
  /** Bytes queued and not yet written: what a client that does not read lets pile up. */
  readonly bufferedAmount: number;
  /** A WebSocket ping (the client's library answers it with a pong, which `touch` reports). */
  ping(): void;
  /** A clean close, with a code and a reason the client sees. */
  close(code: number, reason: string): void;
  /** Ends the connection at once, without the closing handshake. */
  terminate(): void;
}

export type DispatchStatus = 'delivered' | 'noConnection';

/** A connection in the registry whose handshake is being answered (StreamHub.register). */
export interface Registration {
  readonly record: ConnectionRecord;
  readonly origin: string;
}

/** A connection held by this node. */
export interface LocalConnection {
  readonly record: ConnectionRecord;
  readonly socket: StreamSocket;
  /** Where the client reached this server (`http://host:port`): session webhook URLs are built on it. */
  readonly origin: string;
  /** SYSTEM pings sent and not answered yet, by messageId. */
  readonly pings: Set<string>;
  /** Whether the client sent anything (a frame, a pong) since the last ping round. */
  heard: boolean;
  closed: boolean;
}

/** What a connection looks like in the control plane's listing: its record, `node` for its node's id. */
export interface ConnectionInfo extends Omit<ConnectionRecord, 'nodeId'> {
  node: string;
  /** What was pushed to it and not acknowledged yet (`dueAt`: when it is pushed again, server clock). */
  unacknowledged: Array<Pick<DeliveryRecord, 'messageId' | 'msgId' | 'robotCode' | 'topic' | 'attempts' | 'createdAt' | 'dueAt'>>;
}

const BUS_TOPIC = 'stream';
/** Due deliveries looked at per sweep; a sweep that finds a full batch runs again. */
const SWEEP_BATCH = 100;
/** How often the registry is checked for nodes that are gone, besides on every connect. Real time. */
const REAP_INTERVAL_MS = 5_000;
/** A shutting-down server gives clients this long to finish the closing handshake. Real time. */
const CLOSE_GRACE_MS = 1_000;
const MAX_PENDING_PINGS = 8;

type BusMessage =
  | { op: 'deliver'; id: number; attempts: number; clientId: string; topic: string; from: string }
  | { op: 'pushed'; id: number; ok: boolean; attempts: number; to: string }
  | { op: 'due' }
  | { op: 'disconnect'; connectionId: string; reason: string }
  | { op: 'reset' };

function subscribes(subscriptions: readonly StreamSubscription[], topic: string): boolean {
  return subscriptions.some((subscription) => subscription.type === 'CALLBACK' && subscription.topic === topic);
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** The frame's data for a connection: a session webhook given as a path gets the connection's origin. */
function dataFor(data: string, origin: string): string {
  if (!data.includes('"sessionWebhook":"/')) return data;
  const payload = JSON.parse(data) as { sessionWebhook?: unknown };
  if (typeof payload.sessionWebhook === 'string') payload.sessionWebhook = origin + payload.sessionWebhook;
  return JSON.stringify(payload);
}

export class StreamHub {
  readonly options: StreamOptions;
  private readonly local = new Map<string, LocalConnection>();
  /** Connections registered whose handshake is still being answered. */
  private readonly registering = new Set<string>();
  private started: Promise<void> | undefined;
  private readonly stops: Array<() => void> = [];
  private readonly timers: NodeJS.Timeout[] = [];
  /** Deliveries this node asked other nodes to push, by id. */
  private readonly waiting = new Map<number, (answer: { ok: boolean; attempts: number }) => void>();
  private sweeping = false;
  private sweepAgain = false;
  private lastReap = 0;
  private closing = false;

  constructor(
    private readonly ctx: CoreContext,
    options: Partial<StreamOptions> = {},
    private readonly onError: (error: unknown, what: string) => void = () => undefined,
  ) {
    this.options = { ...DEFAULT_STREAM_OPTIONS, ...options };
  }

  private get nodeId(): string {
    return this.ctx.store.bus.nodeId;
  }

  /**
   * Listens on the bus, to clock moves, and starts the sweep and ping timers: on the first
   * connection or the first delivery, so a node that never uses Stream mode never does.
   */
  private start(): Promise<void> {
    if (!this.started) {
      const starting = (async () => {
        const bus = this.ctx.store.bus;
        this.stops.push(await bus.subscribe(BUS_TOPIC, (message) => this.onBusMessage(message)));
        // Signals were missed while the link was down, and other nodes may have taken this one for gone.
        this.stops.push(
          bus.onLinkChange((link) => {
            if (link === 'restored') void this.reregister();
          }),
        );
        this.stops.push(this.ctx.clock.onChange(() => this.requestSweep()));
        const sweep = setInterval(() => this.requestSweep(), this.options.sweepIntervalMs);
        const ping = setInterval(() => this.pingAll(), this.options.pingIntervalMs);
        sweep.unref();
        ping.unref();
        this.timers.push(sweep, ping);
        if (this.closing) this.stopAll();
      })();
      this.started = starting;
      starting.catch(() => {
        if (this.started === starting) this.started = undefined;
      });
    }
    return this.started;
  }

  private stopAll(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const stop of this.stops.splice(0)) stop();
  }

  // ---------------------------------------------------------------- connections

  /**
   * The ticket's connection details, if the ticket is good and the client may open one more
   * connection; the ticket cannot be used again either way.
   */
  async admit(ticket: string): Promise<TicketRecord> {
    if (this.closing) fail('server.shuttingDown');
    const record = await takeTicket(this.ctx, ticket);
    if (!record) fail('invalidTicket');
    const open = await this.liveConnections([record.clientId]);
    if (open.length >= this.options.maxConnectionsPerClient) {
      fail('Forbidden.AccessDenied.TooManyConnections', `${open.length} open for ${record.clientId}`);
    }
    return record;
  }

  /**
   * Registers the connection a ticket admitted, before its handshake is answered: once the client
   * sees the connection open, it is in the registry and messages reach it. `bind` it to its socket
   * right after, or `unregister` it when the handshake failed.
   */
  async register(ticket: TicketRecord, remoteAddress: string, origin: string): Promise<Registration> {
    await this.start();
    const record: ConnectionRecord = {
      connectionId: newUuid(this.ctx.random),
      nodeId: this.nodeId,
      clientId: ticket.clientId,
      subscriptions: ticket.subscriptions,
      ua: ticket.ua,
      localIp: ticket.localIp,
      remoteAddress,
      connectedAt: this.ctx.clock.now(),
    };
    this.registering.add(record.connectionId);
    try {
      await this.ctx.store.addStreamConnection(record);
    } catch (error) {
      this.registering.delete(record.connectionId);
      throw error;
    }
    return { record, origin };
  }

  /** The registered connection, now open on `socket`; what is due to its client is pushed. */
  bind(registration: Registration, socket: StreamSocket): LocalConnection {
    const { record, origin } = registration;
    const connection: LocalConnection = { record, socket, origin, pings: new Set(), heard: true, closed: false };
    this.registering.delete(record.connectionId);
    this.local.set(record.connectionId, connection);
    this.emitConnection(connection, 'open');
    // A client that comes back (after a crash of the node it was on, say) gets what is waiting.
    this.lastReap = 0;
    this.requestSweep();
    return connection;
  }

  /** A registration whose handshake never completed. */
  async unregister(registration: Registration): Promise<void> {
    this.registering.delete(registration.record.connectionId);
    await this.ctx.store.removeStreamConnection(registration.record.connectionId, this.ctx.clock.now());
  }

  /** A frame from the client: an acknowledgement, or the answer to a ping. */
  async receive(connection: LocalConnection, text: string): Promise<void> {
    connection.heard = true;
    const frame = parseUpstreamFrame(text);
    if ('error' in frame) {
      this.closeConnection(connection, 1007, frame.error);
      return;
    }
    if (connection.pings.delete(frame.messageId)) return;
    // Only 200 acknowledges a callback; anything else leaves it to be pushed again.
    if (frame.code !== 200) return;
    try {
      // An unknown messageId (a repeat after a redelivery, a typo) is ignored.
      const acknowledged = await this.ctx.store.acknowledgeDelivery(connection.record.clientId, frame.messageId);
      if (acknowledged) this.emitDelivery('acknowledged', acknowledged, connection.record.connectionId);
      // A card callback's answer may change the card (DingTalk's card callback document).
      if (acknowledged?.topic === CARD_CALLBACK_TOPIC && frame.data !== undefined) await applyCallbackReply(this.ctx, acknowledged, frame.data);
    } catch (error) {
      this.onError(error, 'recording an acknowledgement');
    }
  }

  /** A pong or any other sign of life. */
  touch(connection: LocalConnection): void {
    connection.heard = true;
  }

  /** The socket closed (either side): the connection leaves the registry and its deliveries fall due. */
  async detach(connection: LocalConnection, reason: string): Promise<void> {
    connection.closed = true;
    if (!this.local.delete(connection.record.connectionId)) return;
    this.emitConnection(connection, 'closed', reason);
    try {
      const released = await this.ctx.store.removeStreamConnection(connection.record.connectionId, this.ctx.clock.now());
      if (released > 0) await this.announceDue();
    } catch (error) {
      this.onError(error, 'removing a closed connection');
    }
  }

  /**
   * Closes a connection; the socket's close then detaches it. `abruptly` for a client that would
   * never read the close frame (it reads nothing, or is gone): the socket ends at once.
   */
  private closeConnection(connection: LocalConnection, code: number, reason: string, abruptly = false): void {
    if (connection.closed) return;
    connection.closed = true;
    connection.socket.close(code, reason);
    if (abruptly) connection.socket.terminate();
  }

  /** DingTalk's `disconnect` SYSTEM frame, then the close. */
  private disconnectLocal(connection: LocalConnection, reason: string, code = 1000): void {
    if (connection.closed) return;
    const now = this.ctx.clock.now();
    connection.socket.send(JSON.stringify(systemFrame('disconnect', newFrameMessageId(this.ctx.random, now), now, { reason })));
    this.closeConnection(connection, code, reason);
  }

  /** Disconnects a connection on whichever node holds it; false when there is no such connection. */
  async disconnect(connectionId: string, reason = 'connection is expired'): Promise<boolean> {
    const held = this.local.get(connectionId);
    if (held) {
      this.disconnectLocal(held, reason);
      return true;
    }
    const found = (await this.liveConnections()).some((record) => record.connectionId === connectionId);
    if (found) await this.publish({ op: 'disconnect', connectionId, reason });
    return found;
  }

  /** After `POST /reset`: every client of every node is disconnected (their apps are gone). */
  async reset(): Promise<void> {
    for (const connection of [...this.local.values()]) this.disconnectLocal(connection, 'the server was reset');
    if (this.started) await this.publish({ op: 'reset' });
  }

  /** The connections of all nodes, with what each has not acknowledged. */
  async listConnections(): Promise<ConnectionInfo[]> {
    const records = await this.liveConnections();
    const pending = await this.ctx.store.unacknowledgedDeliveries(records.map((record) => record.connectionId));
    return records.map((record) => ({
      connectionId: record.connectionId,
      clientId: record.clientId,
      node: record.nodeId,
      subscriptions: record.subscriptions,
      ua: record.ua,
      localIp: record.localIp,
      remoteAddress: record.remoteAddress,
      connectedAt: record.connectedAt,
      unacknowledged: pending
        .filter((delivery) => delivery.connectionId === record.connectionId)
        .map((delivery) => ({
          messageId: delivery.messageId,
          msgId: delivery.msgId,
          robotCode: delivery.robotCode,
          topic: delivery.topic,
          attempts: delivery.attempts,
          createdAt: delivery.createdAt,
          dueAt: delivery.dueAt,
        })),
    }));
  }

  /** Shutting down: every client gets `disconnect` and a close, and leaves the registry. */
  async close(): Promise<void> {
    this.closing = true;
    this.stopAll();
    for (const answer of this.waiting.values()) answer({ ok: false, attempts: -1 });
    const now = this.ctx.clock.now();
    await Promise.all(
      [...this.local.values()].map(async (connection) => {
        this.disconnectLocal(connection, 'the server is shutting down', 1001);
        setTimeout(() => connection.socket.terminate(), CLOSE_GRACE_MS).unref();
        this.local.delete(connection.record.connectionId);
        await this.ctx.store.removeStreamConnection(connection.record.connectionId, now).catch((error: unknown) => {
          this.onError(error, 'removing a connection at shutdown');
        });
      }),
    );
  }

  // ---------------------------------------------------------------- routing

  /**
   * The client (app or suite) whose connections get a robot's messages, and the app the robot
   * answers as: the robot's owner, or for a robot no app owns, the first app of its org that has
   * a connection listening to robot messages. Undefined when no such connection exists anywhere.
   */
  async routeFor(robot: RobotRecord, corpId: string): Promise<{ clientId: string; appId: number } | undefined> {
    await this.start();
    const clients = robot.ownerSuiteKey
      ? [robot.ownerSuiteKey]
      : robot.ownerAppKey
        ? [robot.ownerAppKey]
        : await this.ctx.store.orgClientIds(robot.orgId);
    let clientId = clients.find((client) => this.localFor(client, ROBOT_MESSAGE_TOPIC).length > 0);
    if (clientId === undefined) {
      const live = await this.liveConnections(clients, ROBOT_MESSAGE_TOPIC);
      clientId = clients.find((client) => live.some((record) => record.clientId === client));
    }
    if (clientId === undefined) return undefined;
    const appId = robot.ownerSuiteKey
      ? (await this.ctx.store.findAuthorization(robot.ownerSuiteKey, corpId))?.appId
      : (await this.ctx.store.findApp(clientId))?.id;
    return appId === undefined ? undefined : { clientId, appId };
  }

  /** Pushes a new delivery to one connection of its client, on this node or another. */
  async dispatch(delivery: DeliveryRecord): Promise<DispatchStatus> {
    let attempts = delivery.attempts;
    for (const connection of this.localFor(delivery.clientId, delivery.topic)) {
      const outcome = await this.pushVia(connection, delivery.id, attempts);
      if (outcome === 'pushed' || outcome === 'taken') return 'delivered';
      attempts = outcome.attempts;
    }
    const elsewhere = (await this.liveConnections([delivery.clientId], delivery.topic)).some((record) => record.nodeId !== this.nodeId);
    if (elsewhere) {
      const answer = await this.askOtherNodes(delivery, attempts);
      if (answer.ok) return 'delivered';
      if (answer.attempts >= 0) attempts = answer.attempts;
    }
    // Nobody took it: it is reported, not kept. (If someone did after all, it was delivered.)
    return (await this.ctx.store.abandonDelivery(delivery.id, attempts)) ? 'noConnection' : 'delivered';
  }

  /**
   * Records a push of the delivery (seen pushed `attempts` times) to this connection, then pushes
   * it. `taken`: another push got there first; otherwise the count it has now when the push failed.
   */
  private async pushVia(
    connection: LocalConnection,
    id: number,
    attempts: number,
  ): Promise<'pushed' | 'taken' | { attempts: number }> {
    const claimed = await this.ctx.store.claimDelivery(
      id,
      attempts,
      connection.record.connectionId,
      this.ctx.clock.now() + this.options.redeliveryMs,
    );
    if (!claimed) return 'taken';
    if (this.push(connection, claimed)) return 'pushed';
    await this.ctx.store.releaseDelivery(id, connection.record.connectionId, this.ctx.clock.now());
    return { attempts: claimed.attempts };
  }

  private push(connection: LocalConnection, delivery: DeliveryRecord): boolean {
    if (connection.closed) return false;
    if (connection.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.closeConnection(connection, 1008, 'slow consumer: frames pile up unread', true);
      return false;
    }
    const now = this.ctx.clock.now();
    const frame = callbackFrame(delivery, connection.record.connectionId, now, dataFor(delivery.data, connection.origin));
    if (!connection.socket.send(JSON.stringify(frame))) {
      // The socket is closing: its close detaches it; nothing more goes to it meanwhile.
      connection.closed = true;
      return false;
    }
    this.emitDelivery('pushed', delivery, connection.record.connectionId);
    return true;
  }

  /** This node's open connections of the client listening to the topic, in random order. */
  private localFor(clientId: string, topic: string): LocalConnection[] {
    const found: LocalConnection[] = [];
    for (const connection of this.local.values()) {
      if (!connection.closed && connection.record.clientId === clientId && subscribes(connection.record.subscriptions, topic)) {
        found.push(connection);
      }
    }
    return shuffled(found);
  }

  /**
   * Registered connections (of these clients, listening to the topic, when given) on nodes that
   * are alive. Rows of nodes that are gone are removed on the way, and their deliveries fall due.
   */
  private async liveConnections(clientIds?: readonly string[], topic?: string): Promise<ConnectionRecord[]> {
    const records = await this.ctx.store.streamConnections(clientIds);
    const live = await this.reap(records);
    return topic === undefined ? live : live.filter((record) => subscribes(record.subscriptions, topic));
  }

  private async reap(records: ConnectionRecord[]): Promise<ConnectionRecord[]> {
    const nodes = [...new Set(records.map((record) => record.nodeId))];
    const alive = await this.ctx.store.bus.liveNodes(nodes);
    const gone = nodes.filter((node) => !alive.has(node));
    if (gone.length > 0) {
      await this.ctx.store.removeNodeConnections(gone, this.ctx.clock.now());
      await this.announceDue();
    }
    // A row of this node with no socket behind it (its removal failed) is not a connection either.
    const stale = records.filter(
      (record) => record.nodeId === this.nodeId && !this.local.has(record.connectionId) && !this.registering.has(record.connectionId),
    );
    for (const record of stale) await this.ctx.store.removeStreamConnection(record.connectionId, this.ctx.clock.now());
    return records.filter((record) => alive.has(record.nodeId) && !stale.includes(record));
  }

  // ---------------------------------------------------------------- redelivery

  /** Runs a sweep now, or once more after the one running. */
  requestSweep(): void {
    if (this.closing || !this.started) return;
    if (this.sweeping) {
      this.sweepAgain = true;
      return;
    }
    this.sweeping = true;
    this.sweep()
      .catch((error: unknown) => this.onError(error, 'pushing due deliveries'))
      .finally(() => {
        this.sweeping = false;
        if (this.sweepAgain) {
          this.sweepAgain = false;
          // On a later turn: a sweep on the in-process store never waits for I/O, and sweeps
          // asked for back to back must not keep requests from being served.
          setImmediate(() => this.requestSweep());
        }
      });
  }

  private async sweep(): Promise<void> {
    if (Date.now() - this.lastReap >= REAP_INTERVAL_MS) {
      this.lastReap = Date.now();
      await this.liveConnections();
    }
    const now = this.ctx.clock.now();
    // Deliveries of the clients connected here: pushed again, or given up after their last push.
    const clientIds = [...new Set([...this.local.values()].filter((c) => !c.closed).map((c) => c.record.clientId))];
    for (;;) {
      const due = await this.ctx.store.dueDeliveries({ now, limit: SWEEP_BATCH, clientIds });
      let handled = 0;
      for (const delivery of due) if (await this.redeliver(delivery)) handled++;
      // Each handled one is no longer due; a batch with nothing handled would come back the same.
      if (due.length < SWEEP_BATCH || handled === 0) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Deliveries nobody took for their whole window (no connection of their client anywhere since,
    // or their pushes used up): given up, wherever they started.
    const window = this.options.redeliveryMs * this.options.maxDeliveries;
    const stale = await this.ctx.store.dueDeliveries({ now, limit: SWEEP_BATCH, createdBefore: now - window + 1 });
    const connected = new Map<string, boolean>();
    for (const delivery of stale) {
      const key = `${delivery.clientId}\n${delivery.topic}`;
      if (delivery.attempts < this.options.maxDeliveries && !connected.has(key)) {
        connected.set(key, (await this.liveConnections([delivery.clientId], delivery.topic)).length > 0);
      }
      if (delivery.attempts >= this.options.maxDeliveries || !connected.get(key)) await this.giveUp(delivery);
    }
  }

  /** A due delivery of a client connected here: pushed to one of its connections, or given up. Whether it was handled. */
  private async redeliver(delivery: DeliveryRecord): Promise<boolean> {
    if (delivery.attempts >= this.options.maxDeliveries) {
      await this.giveUp(delivery);
      return true;
    }
    let attempts = delivery.attempts;
    for (const connection of this.localFor(delivery.clientId, delivery.topic)) {
      const outcome = await this.pushVia(connection, delivery.id, attempts);
      if (outcome === 'pushed' || outcome === 'taken') return true;
      attempts = outcome.attempts;
    }
    return false;
  }

  private async giveUp(delivery: DeliveryRecord): Promise<void> {
    if (await this.ctx.store.abandonDelivery(delivery.id, delivery.attempts)) this.emitDelivery('abandoned', delivery);
  }

  /** Deliveries fell due at once (a connection went): every node with a connection of theirs looks. */
  private async announceDue(): Promise<void> {
    this.requestSweep();
    await this.publish({ op: 'due' });
  }

  /** After the bus link came back: others may have taken this node for gone, so register again. */
  private async reregister(): Promise<void> {
    try {
      for (const connection of this.local.values()) await this.ctx.store.addStreamConnection(connection.record);
      this.requestSweep();
    } catch (error) {
      this.onError(error, 'registering connections again');
    }
  }

  // ---------------------------------------------------------------- the bus

  private async publish(message: BusMessage): Promise<void> {
    try {
      await this.ctx.store.bus.publish(BUS_TOPIC, JSON.stringify(message));
    } catch (error) {
      this.onError(error, 'publishing on the bus');
    }
  }

  private askOtherNodes(delivery: DeliveryRecord, attempts: number): Promise<{ ok: boolean; attempts: number }> {
    return new Promise((resolve) => {
      const settle = (answer: { ok: boolean; attempts: number }): void => {
        clearTimeout(timer);
        this.waiting.delete(delivery.id);
        resolve(answer);
      };
      const timer = setTimeout(() => settle({ ok: false, attempts }), this.options.remotePushTimeoutMs);
      this.waiting.set(delivery.id, settle);
      void this.publish({
        op: 'deliver',
        id: delivery.id,
        attempts,
        clientId: delivery.clientId,
        topic: delivery.topic,
        from: this.nodeId,
      });
    });
  }

  private onBusMessage(text: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(text) as BusMessage;
    } catch {
      return;
    }
    switch (message.op) {
      case 'deliver':
        void this.pushForOtherNode(message).catch((error: unknown) => this.onError(error, 'pushing for another node'));
        return;
      case 'pushed':
        if (message.to === this.nodeId) this.waiting.get(message.id)?.({ ok: message.ok, attempts: message.attempts });
        return;
      case 'due':
        this.requestSweep();
        return;
      case 'disconnect': {
        const connection = this.local.get(message.connectionId);
        if (connection) this.disconnectLocal(connection, message.reason);
        return;
      }
      case 'reset':
        for (const connection of [...this.local.values()]) this.disconnectLocal(connection, 'the server was reset');
        return;
    }
  }

  private async pushForOtherNode(message: Extract<BusMessage, { op: 'deliver' }>): Promise<void> {
    const candidates = this.localFor(message.clientId, message.topic);
    if (candidates.length === 0) return;
    let attempts = message.attempts;
    for (const connection of candidates) {
      const outcome = await this.pushVia(connection, message.id, attempts);
      if (outcome === 'taken') return;
      if (outcome === 'pushed') {
        await this.publish({ op: 'pushed', id: message.id, ok: true, attempts: attempts + 1, to: message.from });
        return;
      }
      attempts = outcome.attempts;
    }
    await this.publish({ op: 'pushed', id: message.id, ok: false, attempts, to: message.from });
  }

  // ---------------------------------------------------------------- pings

  /** A SYSTEM ping and a WebSocket ping to every client; one that stayed silent a whole round is closed. */
  private pingAll(): void {
    const now = this.ctx.clock.now();
    for (const connection of this.local.values()) {
      if (connection.closed) continue;
      if (!connection.heard) {
        this.closeConnection(connection, 1001, 'no answer to ping', true);
        continue;
      }
      connection.heard = false;
      const messageId = newFrameMessageId(this.ctx.random, now);
      connection.pings.add(messageId);
      if (connection.pings.size > MAX_PENDING_PINGS) connection.pings.delete(connection.pings.values().next().value as string);
      connection.socket.send(JSON.stringify(systemFrame('ping', messageId, now, { opaque: newUuid(this.ctx.random) })));
      connection.socket.ping();
    }
  }

  // ---------------------------------------------------------------- events

  private emitDelivery(state: 'pushed' | 'acknowledged' | 'abandoned', delivery: DeliveryRecord, connectionId?: string): void {
    if (!this.ctx.events.active) return;
    this.ctx.events.emit({
      type: 'delivery',
      state,
      messageId: delivery.messageId,
      msgId: delivery.msgId,
      robotCode: delivery.robotCode,
      clientId: delivery.clientId,
      ...(connectionId === undefined ? {} : { connectionId }),
      attempt: delivery.attempts,
      at: this.ctx.clock.now(),
    });
  }

  private emitConnection(connection: LocalConnection, state: 'open' | 'closed', reason?: string): void {
    if (!this.ctx.events.active) return;
    this.ctx.events.emit({
      type: 'streamConnection',
      state,
      connectionId: connection.record.connectionId,
      clientId: connection.record.clientId,
      ...(reason === undefined ? {} : { reason }),
      at: this.ctx.clock.now(),
    });
  }
}

/** The bus between the nodes on one PostgreSQL schema (core/bus.ts), on LISTEN/NOTIFY. */
/*
 * No service
 * besides the database. Each node listens on one connection of its own, outside the pool, opened
 * when something first subscribes. That connection is also how a node shows it is alive: it
 * carries the node's id as its `application_name`, and `liveNodes` looks for it in
 * `pg_stat_activity`. A node that crashes loses its connection with its process, so the others see
 * at once that it is gone (it needs no heartbeat, and the nodes' clocks need not agree).
 *
 * A lost connection is opened again with a growing pause (1 s to 30 s); the messages sent
 * meanwhile are lost, so link listeners hear `lost` at once and `restored` once it listens again.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { checkMessageSize, newNodeId, TopicListeners, type Bus, type BusListener, type LinkState } from '../../core/bus.js';

export interface PostgresBusOptions {
  driver: () => Promise<typeof pg>;
  connectionString: string;
  schema: string;
  /** The store's pool, for publishing and for `liveNodes`. */
  pool: Promise<pg.Pool>;
}

const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;
const APPLICATION_PREFIX = 'dingread-node/';

export class PostgresBus implements Bus {
  readonly nodeId = newNodeId();
  /** One channel per schema, so nodes of different deployments on one database never hear each other. */
  private readonly channel: string;
  private readonly listeners = new TopicListeners();
  private readonly linkListeners = new Set<(link: LinkState) => void>();
  /** The listening connection, once asked for; undefined again after it is lost. */
  private link: Promise<pg.Client> | undefined;
  private retryMs = RETRY_FIRST_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: PostgresBusOptions) {
    this.channel = `dingread_bus_${createHash('sha256').update(options.schema).digest('hex').slice(0, 24)}`;
  }

  async publish(topic: string, message: string): Promise<void> {
    checkMessageSize(message);
    if (topic.includes('\n')) throw new Error('a bus topic holds no line break');
    if (this.closed) return;
    await (await this.options.pool).query('SELECT pg_notify($1, $2)', [this.channel, `${topic}\n${message}`]);
  }

  async subscribe(topic: string, listener: BusListener): Promise<() => void> {
    const unsubscribe = this.listeners.add(topic, listener);
    try {
      await this.listen();
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  async liveNodes(nodeIds: readonly string[]): Promise<Set<string>> {
    const others = nodeIds.filter((id) => id !== this.nodeId);
    const live = new Set(nodeIds.filter((id) => id === this.nodeId && !this.closed));
    if (others.length === 0) return live;
    const { rows } = await (await this.options.pool).query<{ application_name: string }>(
      'SELECT DISTINCT application_name FROM pg_stat_activity WHERE application_name = ANY($1::text[])',
      [others.map((id) => APPLICATION_PREFIX + id)],
    );
    for (const row of rows) live.add(row.application_name.slice(APPLICATION_PREFIX.length));
    return live;
  }

  onLinkChange(listener: (link: LinkState) => void): () => void {
    const entry = (link: LinkState): void => listener(link);
    this.linkListeners.add(entry);
    return () => {
      this.linkListeners.delete(entry);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.listeners.clear();
    const link = this.link;
    this.link = undefined;
    if (link) await link.then((client) => client.end()).catch(() => undefined);
  }

  private listen(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('the bus is closed'));
    if (!this.link) {
      const link = this.open();
      this.link = link;
      // A connection that could not be opened is asked for again by the next subscriber.
      link.catch(() => {
        if (this.link === link) this.link = undefined;
      });
    }
    return this.link;
  }

  private async open(): Promise<pg.Client> {
    const driver = await this.options.driver();
    const client = new driver.Client({
      connectionString: this.options.connectionString,
      application_name: APPLICATION_PREFIX + this.nodeId,
    });
    client.on('notification', (notification) => {
      if (notification.channel !== this.channel || notification.payload === undefined) return;
      const split = notification.payload.indexOf('\n');
      if (split < 0) return;
      this.listeners.deliver(notification.payload.slice(0, split), notification.payload.slice(split + 1));
    });
    let lost = false;
    const onLost = (): void => {
      if (lost) return;
      lost = true;
      this.lost(client);
    };
    client.on('error', onLost);
    client.on('end', onLost);
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      lost = true;
      await client.end().catch(() => undefined);
      throw error;
    }
    this.retryMs = RETRY_FIRST_MS;
    return client;
  }

  private lost(client: pg.Client): void {
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.link = undefined;
    this.tell('lost');
    this.scheduleReconnect();
  }

  private tell(link: LinkState): void {
    for (const listener of [...this.linkListeners]) {
      // One listener's failure must not keep the news from the others.
      try {
        listener(link);
      } catch {
        // ignored: listeners handle their own errors
      }
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer !== undefined || this.listeners.size === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.listen().then(
        () => this.tell('restored'),
        () => {
          this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
          this.scheduleReconnect();
        },
      );
    }, this.retryMs);
    this.retryTimer.unref();
  }
}

/** The SQL rules of Stream mode: tickets, the registry of connected clients, deliveries awaiting acknowledgement. */
/*
 * A delivery changes hands only by a conditional UPDATE or DELETE (its push count must still be
 * what the caller saw), so two nodes that reach for the same delivery never both push it.
 */
import type {
  ConnectionRecord,
  DeliveryRecord,
  DueQuery,
  NewDelivery,
  NewTicket,
  StreamSubscription,
  TicketRecord,
} from '../../core/store.js';
import { all, column, get, inList, run, type Work } from './unit.js';

/** Expired tickets dropped per ticket saved: enough to outpace any rate of asking for them. */
const TICKET_PURGE_BATCH = 20;

interface ConnectionRow {
  connection_id: string;
  node_id: string;
  client_id: string;
  subscriptions: string;
  ua: string;
  local_ip: string;
  remote_address: string;
  connected_at: number;
}

interface DeliveryRow {
  id: number;
  message_id: string;
  client_id: string;
  topic: string;
  robot_code: string;
  msg_id: string;
  data: string;
  attempts: number;
  due_at: number;
  connection_id: string | null;
  created_at: number;
}

function toConnection(row: ConnectionRow): ConnectionRecord {
  return {
    connectionId: row.connection_id,
    nodeId: row.node_id,
    clientId: row.client_id,
    subscriptions: JSON.parse(row.subscriptions) as StreamSubscription[],
    ua: row.ua,
    localIp: row.local_ip,
    remoteAddress: row.remote_address,
    connectedAt: row.connected_at,
  };
}

function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    messageId: row.message_id,
    clientId: row.client_id,
    topic: row.topic,
    robotCode: row.robot_code,
    msgId: row.msg_id,
    data: row.data,
    attempts: row.attempts,
    dueAt: row.due_at,
    connectionId: row.connection_id,
    createdAt: row.created_at,
  };
}

export function* saveStreamTicket(ticket: NewTicket, now: number): Work<void> {
  yield* run(
    `DELETE FROM stream_tickets WHERE ticket_hash IN (
       SELECT ticket_hash FROM stream_tickets WHERE expires_at <= :now LIMIT :batch)`,
    { now, batch: TICKET_PURGE_BATCH },
  );
  yield* run(
    `INSERT INTO stream_tickets (ticket_hash, client_id, subscriptions, ua, local_ip, expires_at)
     VALUES (:ticketHash, :clientId, :subscriptions, :ua, :localIp, :expiresAt)`,
    { ...ticket, subscriptions: JSON.stringify(ticket.subscriptions) },
  );
}

export function* takeStreamTicket(ticketHash: string): Work<TicketRecord | undefined> {
  const row = yield* get<{ client_id: string; subscriptions: string; ua: string; local_ip: string; expires_at: number }>(
    `SELECT client_id, subscriptions, ua, local_ip, expires_at FROM stream_tickets WHERE ticket_hash = :ticketHash`,
    { ticketHash },
  );
  if (!row) return undefined;
  // Only the unit that deletes the row gets the ticket: two nodes taking it at once cannot both.
  if ((yield* run(`DELETE FROM stream_tickets WHERE ticket_hash = :ticketHash`, { ticketHash })) === 0) return undefined;
  return {
    clientId: row.client_id,
    subscriptions: JSON.parse(row.subscriptions) as StreamSubscription[],
    ua: row.ua,
    localIp: row.local_ip,
    expiresAt: row.expires_at,
  };
}

export function* addStreamConnection(connection: ConnectionRecord): Work<void> {
  yield* run(
    `INSERT INTO stream_connections (connection_id, node_id, client_id, subscriptions, ua, local_ip, remote_address, connected_at)
     VALUES (:connectionId, :nodeId, :clientId, :subscriptions, :ua, :localIp, :remoteAddress, :connectedAt)
     ON CONFLICT (connection_id) DO NOTHING`,
    { ...connection, subscriptions: JSON.stringify(connection.subscriptions) },
  );
}

export function* removeStreamConnection(connectionId: string, now: number): Work<number> {
  const released = yield* run(
    `UPDATE stream_deliveries SET due_at = :now, connection_id = NULL WHERE connection_id = :connectionId`,
    { connectionId, now },
  );
  yield* run(`DELETE FROM stream_connections WHERE connection_id = :connectionId`, { connectionId });
  return released;
}

export function* streamConnections(clientIds?: readonly string[]): Work<ConnectionRecord[]> {
  if (clientIds === undefined) {
    return (yield* all<ConnectionRow>(`SELECT * FROM stream_connections ORDER BY connected_at, connection_id`)).map(toConnection);
  }
  if (clientIds.length === 0) return [];
  const list = inList('c', clientIds);
  return (yield* all<ConnectionRow>(
    `SELECT * FROM stream_connections WHERE client_id IN (${list.sql}) ORDER BY connected_at, connection_id`,
    list.params,
  )).map(toConnection);
}

export function* removeNodeConnections(nodeIds: readonly string[], now: number): Work<number> {
  let removed = 0;
  for (const nodeId of nodeIds) {
    yield* run(
      `UPDATE stream_deliveries SET due_at = :now, connection_id = NULL
       WHERE connection_id IN (SELECT connection_id FROM stream_connections WHERE node_id = :nodeId)`,
      { nodeId, now },
    );
    removed += yield* run(`DELETE FROM stream_connections WHERE node_id = :nodeId`, { nodeId });
  }
  return removed;
}

export function* orgClientIds(orgId: number): Work<string[]> {
  return yield* column<string>(`SELECT app_key FROM apps WHERE org_id = :orgId AND suite_id IS NULL ORDER BY id`, { orgId });
}

/** Used by the unit that stores the user message the deliveries carry (sql/chat.ts). */
export function* insertDeliveries(deliveries: readonly NewDelivery[]): Work<DeliveryRecord[]> {
  const stored: DeliveryRecord[] = [];
  for (const delivery of deliveries) {
    const row = (yield* get<DeliveryRow>(
      `INSERT INTO stream_deliveries (message_id, client_id, topic, robot_code, msg_id, data, attempts, due_at, connection_id, created_at)
       VALUES (:messageId, :clientId, :topic, :robotCode, :msgId, :data, 0, :dueAt, NULL, :createdAt)
       RETURNING *`,
      { ...delivery },
    )) as DeliveryRow;
    stored.push(toDelivery(row));
  }
  return stored;
}

export function* claimDelivery(id: number, attempts: number, connectionId: string, dueAt: number): Work<DeliveryRecord | undefined> {
  const row = yield* get<DeliveryRow>(
    `UPDATE stream_deliveries SET attempts = attempts + 1, connection_id = :connectionId, due_at = :dueAt
     WHERE id = :id AND attempts = :attempts RETURNING *`,
    { id, attempts, connectionId, dueAt },
  );
  return row && toDelivery(row);
}

export function* releaseDelivery(id: number, connectionId: string, now: number): Work<void> {
  yield* run(`UPDATE stream_deliveries SET due_at = :now, connection_id = NULL WHERE id = :id AND connection_id = :connectionId`, {
    id,
    connectionId,
    now,
  });
}

export function* dueDeliveries(query: DueQuery): Work<DeliveryRecord[]> {
  const where = ['due_at <= :now'];
  let params: Record<string, unknown> = { now: query.now, limit: query.limit };
  if (query.clientIds !== undefined) {
    if (query.clientIds.length === 0) return [];
    const list = inList('c', query.clientIds);
    where.push(`client_id IN (${list.sql})`);
    params = { ...params, ...list.params };
  }
  if (query.createdBefore !== undefined) {
    where.push('created_at < :createdBefore');
    params['createdBefore'] = query.createdBefore;
  }
  return (yield* all<DeliveryRow>(`SELECT * FROM stream_deliveries WHERE ${where.join(' AND ')} ORDER BY due_at, id LIMIT :limit`, params)).map(
    toDelivery,
  );
}

export function* acknowledgeDelivery(clientId: string, messageId: string): Work<DeliveryRecord | undefined> {
  const row = yield* get<DeliveryRow>(`SELECT * FROM stream_deliveries WHERE message_id = :messageId AND client_id = :clientId`, {
    messageId,
    clientId,
  });
  if (!row) return undefined;
  if ((yield* run(`DELETE FROM stream_deliveries WHERE id = :id`, { id: row.id })) === 0) return undefined;
  return toDelivery(row);
}

export function* abandonDelivery(id: number, attempts: number | null): Work<boolean> {
  const deleted =
    attempts === null
      ? yield* run(`DELETE FROM stream_deliveries WHERE id = :id`, { id })
      : yield* run(`DELETE FROM stream_deliveries WHERE id = :id AND attempts = :attempts`, { id, attempts });
  return deleted > 0;
}

export function* unacknowledgedDeliveries(connectionIds?: readonly string[]): Work<DeliveryRecord[]> {
  if (connectionIds === undefined) {
    return (yield* all<DeliveryRow>(`SELECT * FROM stream_deliveries ORDER BY id`)).map(toDelivery);
  }
  if (connectionIds.length === 0) return [];
  const list = inList('c', connectionIds);
  return (yield* all<DeliveryRow>(`SELECT * FROM stream_deliveries WHERE connection_id IN (${list.sql}) ORDER BY id`, list.params)).map(
    toDelivery,
  );
}

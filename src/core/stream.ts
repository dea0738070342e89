/**
 * DingTalk's Stream mode, the parts that are not about connections (those are stream-hub.ts):
 * its options, the ids and frames it uses, and the gateway call that hands out tickets.
 *
 * Sources (docs/stream.md cites them in full): DingTalk's protocol description
 * (open.dingtalk.com "Stream mode protocol access", mirrored in open-dingtalk/developerpedia
 * docs/learn/stream/protocol.md) and the official Node SDK, npm `dingtalk-stream` 2.1.5
 * (dist/client.mjs, dist/client.d.ts, dist/constants.d.ts).
 */
import { createHash } from 'node:crypto';
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import { hashToken } from './ids.js';
import type { RandomSource } from './random.js';
import { verifySecret } from './secrets.js';
import type { StreamSubscription, TicketRecord } from './store.js';

/** The callback topic of messages users send to robots (`TOPIC_ROBOT` in the SDK's constants). */
export const ROBOT_MESSAGE_TOPIC = '/v1.0/im/bot/messages/get';

export interface StreamOptions {
  /** How long a ticket may wait for its connection (DingTalk: 90 s). Server clock. */
  ticketTtlMs: number;
  /** An unacknowledged callback is pushed again after this long (the SDK says about 60 s). Server clock. */
  redeliveryMs: number;
  /** Pushes of one callback in all, the first included, before it is given up. */
  maxDeliveries: number;
  /** How long a session webhook takes replies (90 min in DingTalk's examples). Server clock. */
  sessionWebhookTtlMs: number;
  /** A SYSTEM ping (and a WebSocket ping) this often; a connection silent over a whole interval is closed. Real time. */
  pingIntervalMs: number;
  /** Frames written but not yet taken by a client; beyond this it is closed as a slow consumer. */
  maxBufferedBytes: number;
  /** The largest frame a client may send. */
  maxFrameBytes: number;
  /** Connections one client (app) may hold at once, over all nodes. */
  maxConnectionsPerClient: number;
  /** How often due redeliveries are looked for, besides whenever the clock is moved. Real time. */
  sweepIntervalMs: number;
  /** How long a node waits for another node to say it pushed a delivery (a guard against a node that vanished). Real time. */
  remotePushTimeoutMs: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  ticketTtlMs: 90_000,
  redeliveryMs: 60_000,
  maxDeliveries: 3,
  sessionWebhookTtlMs: 90 * 60_000,
  pingIntervalMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  maxFrameBytes: 1024 * 1024,
  maxConnectionsPerClient: 64,
  sweepIntervalMs: 1_000,
  remotePushTimeoutMs: 5_000,
};

// ------------------------------------------------------------------ ids

function hex(random: RandomSource, bytes: number): string {
  return random.bytes('stream', bytes).toString('hex');
}

/** A version-4 UUID in lower case, the shape of DingTalk's tickets. */
export function newUuid(random: RandomSource): string {
  const bytes = random.bytes('stream', 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A frame's messageId, shaped like DingTalk's `212ca9d7_974_1898c159aa6_1783b`. */
export function newFrameMessageId(random: RandomSource, now: number): string {
  const [a, b, c] = [hex(random, 4), hex(random, 2).slice(0, 3), hex(random, 3).slice(0, 5)];
  return `${a}_${b}_${now.toString(16)}_${c}`;
}

/** A user message's msgId: `msg…==` like DingTalk's. */
export function newMsgId(random: RandomSource): string {
  return `msg${random.bytes('stream', 16).toString('base64')}`;
}

/** A session webhook's token: 32 hex characters. */
export function newSessionToken(random: RandomSource): string {
  return hex(random, 16);
}

function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

/** The `appId` header: DingTalk's unified app id, a UUID; here derived from the clientId, so every node agrees. */
export function streamAppId(clientId: string): string {
  const h = digest('dingread/appId', clientId).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** An encrypted-looking user id (`$:LWCP_v1:$…`), stable per org and user, as `senderId` and `chatbotUserId` are. */
export function dingtalkId(corpId: string, id: string): string {
  return `$:LWCP_v1:$${digest('dingread/dingtalkId', corpId, id).toString('base64').slice(0, 32)}`;
}

/** The conversationId of a user's one-on-one chat with a robot: stable, `cid…==` like a group's. */
export function robotChatConversationId(robotCode: string, userId: string): string {
  return `cid${digest('dingread/robotChat', robotCode, userId).subarray(0, 16).toString('base64')}`;
}

// ------------------------------------------------------------------ frames

/** A frame the server sends (DingTalk's "downstream" frame). */
export interface DownstreamFrame {
  specVersion: '1.0';
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string>;
  /** A JSON document, as a string. */
  data: string;
}

export function systemFrame(topic: 'ping' | 'disconnect', messageId: string, now: number, data: object): DownstreamFrame {
  return {
    specVersion: '1.0',
    type: 'SYSTEM',
    headers: { contentType: 'application/json', messageId, time: String(now), topic },
    data: JSON.stringify(data),
  };
}

export function callbackFrame(
  delivery: { clientId: string; messageId: string; topic: string },
  connectionId: string,
  now: number,
  data: string,
): DownstreamFrame {
  return {
    specVersion: '1.0',
    type: 'CALLBACK',
    // The header set and order of a live CALLBACK frame (docs/stream.md); `time` is a string there.
    headers: {
      appId: streamAppId(delivery.clientId),
      connectionId,
      contentType: 'application/json',
      messageId: delivery.messageId,
      time: String(now),
      topic: delivery.topic,
    },
    data,
  };
}

/**
 * What the client sends back, reduced to what the server reads: the messageId it answers, its
 * code (200 OK; other codes leave a callback unacknowledged), and its `data` when it is a string
 * (a card callback's reply rides there). An error names what is wrong.
 */
export function parseUpstreamFrame(text: string): { messageId: string; code: number; data?: string } | { error: string } {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { error: 'malformed frame: not JSON' };
  }
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) return { error: 'malformed frame: not a JSON object' };
  const { headers, code, data } = frame as { headers?: unknown; code?: unknown; data?: unknown };
  const messageId = headers !== null && typeof headers === 'object' ? (headers as { messageId?: unknown }).messageId : undefined;
  if (typeof messageId !== 'string' || messageId === '') return { error: 'malformed frame: an acknowledgement names headers.messageId' };
  if (code !== undefined && typeof code !== 'number') return { error: 'malformed frame: code is a number' };
  return { messageId, code: code ?? 200, ...(typeof data === 'string' ? { data } : {}) };
}

// ------------------------------------------------------------------ the gateway

export interface OpenConnectionInput {
  clientId?: string;
  clientSecret?: string;
  subscriptions?: StreamSubscription[];
  ua?: string;
  localIp?: string;
}

/**
 * `POST /v1.0/gateway/connections/open`: checks the app's (or suite's) credentials and hands out
 * a ticket for one connection; the route adds the endpoint, which depends on how the client
 * reached this server.
 */
export async function issueTicket(ctx: CoreContext, options: StreamOptions, input: OpenConnectionInput): Promise<{ ticket: string }> {
  if (!input.clientId) fail('invalidParameter.param.invalid', 'clientId is mandatory');
  if (!input.clientSecret) fail('invalidParameter.param.invalid', 'clientSecret is mandatory');
  if (!input.subscriptions || input.subscriptions.length === 0) fail('invalidParameter.param.invalid', 'subscriptions is mandatory');
  if (!(await checkClient(ctx, input.clientId, input.clientSecret))) fail('authFailed');
  const ticket = newUuid(ctx.random);
  const now = ctx.clock.now();
  await ctx.store.saveStreamTicket(
    {
      ticketHash: hashToken(ticket),
      clientId: input.clientId,
      subscriptions: input.subscriptions.map(({ type, topic }) => ({ type, topic })),
      ua: input.ua ?? '',
      localIp: input.localIp ?? '',
      expiresAt: now + options.ticketTtlMs,
    },
    now,
  );
  return { ticket };
}

/** An internal app's appKey and appSecret, or (third-party) a suite's suiteKey and suiteSecret. */
async function checkClient(ctx: CoreContext, clientId: string, clientSecret: string): Promise<boolean> {
  const app = await ctx.store.findApp(clientId);
  if (app) return verifySecret(clientSecret, app.secretHash);
  const suite = await ctx.store.findSuite(clientId);
  return suite !== undefined && verifySecret(clientSecret, suite.secretHash);
}

/** The ticket's connection details, if it is known, unused and not expired; it cannot be used again. */
export async function takeTicket(ctx: CoreContext, ticket: string): Promise<TicketRecord | undefined> {
  const record = await ctx.store.takeStreamTicket(hashToken(ticket));
  return record && record.expiresAt > ctx.clock.now() ? record : undefined;
}

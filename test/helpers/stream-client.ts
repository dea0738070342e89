/**
 * A Stream client written with `ws` for tests that need what no SDK does on purpose: not
 * acknowledging, acknowledging the wrong id, sending garbage, reading nothing. The official SDK's
 * own tests are in test/stream/sdk.test.ts (helpers/stream-sdk.ts).
 */
import WebSocket from 'ws';
import { until } from './wait.js';

export const ROBOT_TOPIC = '/v1.0/im/bot/messages/get';
/** What `dingtalk-stream` subscribes to with one robot listener. */
export const SDK_SUBSCRIPTIONS = [
  { type: 'EVENT', topic: '*' },
  { type: 'CALLBACK', topic: ROBOT_TOPIC },
];

export interface DownstreamFrame {
  specVersion: string;
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string>;
  data: string;
}

export interface RawStreamClient {
  readonly ws: WebSocket;
  /** Every frame received, parsed, in order. */
  readonly frames: DownstreamFrame[];
  /** CALLBACK frames received so far. */
  callbacks(): DownstreamFrame[];
  /** Resolves when the socket closed, with the server's code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
  ack(messageId: string, code?: number): void;
  send(text: string): void;
  close(): Promise<void>;
}

/** `POST /v1.0/gateway/connections/open`, as the SDK calls it. */
export async function openConnection(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/v1.0/gateway/connections/open`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

/** A ticket for the app's credentials; throws unless the gateway answers 200. */
export async function ticketFor(url: string, clientId: string, clientSecret: string, subscriptions = SDK_SUBSCRIPTIONS) {
  const answer = await openConnection(url, { clientId, clientSecret, subscriptions, ua: 'dingread-test', localIp: '127.0.0.1' });
  if (answer.status !== 200) throw new Error(`open answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body as { endpoint: string; ticket: string };
}

/** Opens the socket of `${endpoint}?ticket=${ticket}`; resolves once it is open. */
export async function connectTo(endpoint: string, ticket: string, options: WebSocket.ClientOptions = {}): Promise<RawStreamClient> {
  const ws = new WebSocket(`${endpoint}?ticket=${ticket}`, options);
  const frames: DownstreamFrame[] = [];
  let closedFlag = false;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      closedFlag = true;
      resolve({ code, reason: reason.toString() });
    });
  });
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as DownstreamFrame));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) => reject(new Error(`handshake answered ${response.statusCode}`)));
  });
  return {
    ws,
    frames,
    callbacks: () => frames.filter((frame) => frame.type === 'CALLBACK'),
    closed,
    isClosed: () => closedFlag,
    ack(messageId, code = 200) {
      ws.send(JSON.stringify({ code, headers: { contentType: 'application/json', messageId }, message: 'OK', data: JSON.stringify({ response: null }) }));
    },
    send(text) {
      ws.send(text);
    },
    async close() {
      if (closedFlag) return;
      ws.close();
      await closed;
    },
  };
}

/** A ticket and a connection for the app. */
export async function connectStream(
  url: string,
  clientId: string,
  clientSecret: string,
  options: { subscriptions?: typeof SDK_SUBSCRIPTIONS; ws?: WebSocket.ClientOptions } = {},
): Promise<RawStreamClient> {
  const { endpoint, ticket } = await ticketFor(url, clientId, clientSecret, options.subscriptions);
  return connectTo(endpoint, ticket, options.ws);
}

/** Waits for the client's n-th CALLBACK frame (1-based) and returns it. */
export async function nthCallback(client: RawStreamClient, n: number, what = `callback ${n}`): Promise<DownstreamFrame> {
  await until(what, () => client.callbacks().length >= n);
  return client.callbacks()[n - 1] as DownstreamFrame;
}

/** The answer to a WebSocket handshake that the server refuses: its HTTP status and body. */
export async function refusedHandshake(url: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.close();
      reject(new Error('the handshake was accepted'));
    });
    ws.once('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // left as text
        }
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
    ws.once('error', () => undefined);
  });
}

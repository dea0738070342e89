/**
 * A real HTTP server on port 0 whose answers a test scripts route by route: for client behaviour
 * that dingread itself never shows (5xx, throttling, slow answers, a legacy spelling). It records
 * every request it receives.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface ScriptedAnswer {
  status?: number;
  body?: unknown;
  /** Raw text instead of JSON. */
  text?: string;
  delayMs?: number;
  /** Close the connection without answering. */
  hangUp?: boolean;
}

export type Script = (request: RecordedRequest, count: number) => ScriptedAnswer;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  /** Sets the script for a path (without query string). */
  on(path: string, script: Script): void;
  countOf(path: string): number;
  close(): Promise<void>;
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const scripts = new Map<string, Script>();
  const counts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const path = recorded.url.split('?')[0] as string;
      const count = (counts.get(path) ?? 0) + 1;
      counts.set(path, count);
      const script = scripts.get(path);
      const answer: ScriptedAnswer = script
        ? script(recorded, count)
        : { status: 404, body: { code: 'InvalidAction.NotFound', message: 'not scripted', requestid: 'R-404' } };
      const respond = (): void => {
        if (answer.hangUp) {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': 'HDR-ID' });
        res.end(answer.text ?? JSON.stringify(answer.body ?? {}));
      };
      if (answer.delayMs) setTimeout(respond, answer.delayMs);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    on: (path, script) => scripts.set(path, script),
    countOf: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A token endpoint that hands out tok-1, tok-2, … and counts calls. */
export function scriptTokens(server: ScriptedServer, expireIn = 7200): void {
  server.on('/v1.0/oauth2/accessToken', (_request, count) => ({ body: { accessToken: `tok-${count}`, expireIn } }));
}

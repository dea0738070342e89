/**
 * A Stream-mode bot on the official SDK (npm `dingtalk-stream`), written as for DingTalk and run
 * unchanged with HTTPS_PROXY and NODE_EXTRA_CA_CERTS: the SDK's own axios (1.21 or later) tunnels
 * its calls to api.dingtalk.com and oapi.dingtalk.com with CONNECT, and its WebSocket (`ws`, given
 * no agent) dials the endpoint it is handed. It takes a token on the legacy host, connects, and
 * answers each robot message through its session webhook, with axios as bots do, then
 * acknowledges it. Run by stream-sdk.test.ts; prints one JSON line per step.
 */
import { createRequire } from 'node:module';
import axios from 'axios';
import { DWClient, TOPIC_ROBOT, type DWClientDownStream, type RobotTextMessage } from 'dingtalk-stream';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

/** One step, for the test to read (the SDK prints lines of its own, which are not JSON). */
function report(step: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(step)}\n`);
}

// The axios the SDK itself imports, not whichever is nearest to this file.
const sdkRequire = createRequire(createRequire(import.meta.url).resolve('dingtalk-stream'));
report({ sdkAxios: (sdkRequire('axios/package.json') as { version: string }).version });

const client = new DWClient({ clientId: env('BOT_APP_KEY'), clientSecret: env('BOT_APP_SECRET') });
client.registerCallbackListener(TOPIC_ROBOT, (frame: DWClientDownStream) => {
  void answer(frame).catch((error: unknown) => {
    report({ error: String(error) });
    process.exitCode = 1;
  });
});

async function answer(frame: DWClientDownStream): Promise<void> {
  const message = JSON.parse(frame.data) as RobotTextMessage;
  report({ received: message, messageId: frame.headers.messageId });
  const reply = await axios.post<{ errcode: number; errmsg: string }>(message.sessionWebhook, {
    msgtype: 'text',
    text: { content: `echo: ${message.text.content.trim()}` },
  });
  report({ replied: reply.data });
  client.socketCallBackResponse(frame.headers.messageId, { answered: true });
  report({ acknowledged: frame.headers.messageId });
}

report({ legacyToken: await client.getAccessToken() });
await client.connect();
// The SDK keeps the gateway's whole answer where its types say a string.
report({ connected: client.connected, endpoint: (client.getConfig().endpoint as unknown as { endpoint?: string } | undefined)?.endpoint });
// Runs until the test ends it.

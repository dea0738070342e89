/**
 * The @openclaw-china/dingtalk OpenClaw plugin receiving in Stream mode, as OpenClaw runs it: the
 * host registers the plugin and starts its account (`gateway.startAccount`), whose monitor
 * connects with `dingtalk-stream` (its axios tunnels through HTTPS_PROXY), acknowledges each robot
 * message, checks it against the account's policies and dispatches it to the host's agent, which
 * answers `echo: <text>`; the plugin sends the answer with the robot API (`BOT_AI_CARD=false`) or
 * as an AI card (`true`), over `fetch` (started with fetch-proxy.js). The host framework and its
 * agent are stood in for (openclaw-china-host.ts); the plugin is not. Run by
 * real-clients.test.ts; prints one JSON line per step, and stops its account on SIGTERM.
 */
import { echoRuntime, loadChinaPlugin } from './openclaw-china-host.js';
import { env } from './openclaw-start.js';

/** One step, for the test to read (the SDK prints lines of its own, which are not JSON). */
function report(step: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(step)}\n`);
}

const runtime = echoRuntime({
  onInbound: (ctx) => report({ inbound: ctx }),
  log: (message) => report({ log: message }),
  error: (message) => report({ error: message }),
});
const channel = await loadChinaPlugin(runtime);
const cfg = {
  channels: {
    dingtalk: {
      clientId: env('BOT_APP_KEY'),
      clientSecret: env('BOT_APP_SECRET'),
      enableAICard: env('BOT_AI_CARD') === 'true',
      // Groups are on an allowlist unless opened; a group message must still @-mention the bot.
      groupPolicy: 'open',
    },
  },
};
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
const stopped = channel.gateway.startAccount({
  cfg,
  accountId: 'default',
  runtime,
  abortSignal: stop.signal,
  log: { info: (message) => report({ log: message }), error: (message) => report({ error: message }) },
});
report({ started: true });
await stopped;
report({ stopped: true });
// The SDK's reconnect and heartbeat timers are its own business once the account has stopped.
process.exit(0);

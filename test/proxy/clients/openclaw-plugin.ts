/**
 * The @soimy/dingtalk OpenClaw plugin sending as OpenClaw would: its outbound adapter's
 * `sendText`, to a group and to a user, with the account's clientId and clientSecret. Its URLs
 * are DingTalk's; it reaches dingread through HTTPS_PROXY with its own axios (1.13, which sends
 * the whole URL to the proxy). The host framework is stood in for (openclaw-host.ts); the plugin
 * is not. Run in a child process by real-clients.test.ts; prints one JSON line.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Outbound {
  sendText(args: { cfg: unknown; to: string; text: string; accountId: string }): Promise<{ messageId: string }>;
}

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

// The plugin's type declarations name the host framework's types, which are not installed: typed here by hand.
const plugin = (await import('@soimy/dingtalk')) as unknown as { dingtalkPlugin: { outbound: Outbound }; setDingTalkRuntime(runtime: unknown): void };
const sessions = join(mkdtempSync(join(tmpdir(), 'openclaw-')), 'sessions.json');
plugin.setDingTalkRuntime({ channel: { session: { resolveStorePath: () => sessions } } });
const cfg = { channels: { dingtalk: { clientId: env('BOT_APP_KEY'), clientSecret: env('BOT_APP_SECRET') } }, session: {} };
const group = await plugin.dingtalkPlugin.outbound.sendText({ cfg, to: env('BOT_GROUP'), text: 'hello from OpenClaw', accountId: 'default' });
const user = await plugin.dingtalkPlugin.outbound.sendText({ cfg, to: `user:${env('BOT_USER')}`, text: 'hello, one on one', accountId: 'default' });
process.stdout.write(`${JSON.stringify({ group: group.messageId, user: user.messageId })}\n`);

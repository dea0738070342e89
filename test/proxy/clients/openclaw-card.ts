/**
 * The @soimy/dingtalk OpenClaw plugin replying with its AI card, as OpenClaw would with
 * `messageType: "card"`: its outbound adapter's `sendText` creates and delivers the card
 * (`POST /v1.0/card/instances/createAndDeliver`), opens its stream and writes the answer
 * (`PUT /v1.0/card/streaming`, `PUT /v1.0/card/instances`), to a group and to a user. Without
 * cards it falls back to a plain message, which the test tells apart. The host framework is stood
 * in for (openclaw-host.ts); the plugin is not. Run in a child process by real-clients.test.ts;
 * prints one JSON line.
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
const cfg = {
  channels: { dingtalk: { clientId: env('BOT_APP_KEY'), clientSecret: env('BOT_APP_SECRET'), messageType: 'card' } },
  session: {},
};
const group = await plugin.dingtalkPlugin.outbound.sendText({ cfg, to: env('BOT_GROUP'), text: '**Card** for the group', accountId: 'default' });
const user = await plugin.dingtalkPlugin.outbound.sendText({ cfg, to: `user:${env('BOT_USER')}`, text: 'a card, one on one', accountId: 'default' });
process.stdout.write(`${JSON.stringify({ group: group.messageId, user: user.messageId })}\n`);

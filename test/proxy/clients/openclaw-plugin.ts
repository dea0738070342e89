/**
 * The @soimy/dingtalk OpenClaw plugin sending as OpenClaw would: its outbound adapter's
 * `sendText`, to a group and to a user, with the account's clientId and clientSecret. Its URLs
 * are DingTalk's; it reaches dingread through HTTPS_PROXY with its own axios (1.13, which sends
 * the whole URL to the proxy). The host framework is stood in for (openclaw-host.ts); the plugin
 * is not. Run in a child process by real-clients.test.ts; prints one JSON line.
 */
import { env, startPlugin } from './openclaw-start.js';

interface Outbound {
  sendText(args: { cfg: unknown; to: string; text: string; accountId: string }): Promise<{ messageId: string }>;
}


const { outbound } = await startPlugin<Outbound>();
const cfg = { channels: { dingtalk: { clientId: env('BOT_APP_KEY'), clientSecret: env('BOT_APP_SECRET') } }, session: {} };
const group = await outbound.sendText({ cfg, to: env('BOT_GROUP'), text: 'hello from OpenClaw', accountId: 'default' });
const user = await outbound.sendText({ cfg, to: `user:${env('BOT_USER')}`, text: 'hello, one on one', accountId: 'default' });
process.stdout.write(`${JSON.stringify({ group: group.messageId, user: user.messageId })}\n`);

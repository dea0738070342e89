/**
 * The @soimy/dingtalk OpenClaw plugin replying with its AI card, as OpenClaw would with
 * `messageType: "card"`: its outbound adapter's `sendText` creates and delivers the card
 * (`POST /v1.0/card/instances/createAndDeliver`), opens its stream and writes the answer
 * (`PUT /v1.0/card/streaming`, `PUT /v1.0/card/instances`), to a group and to a user. Without
 * cards it falls back to a plain message, which the test tells apart. The host framework is stood
 * in for (openclaw-host.ts); the plugin is not. Run in a child process by real-clients.test.ts;
 * prints one JSON line.
 */
import { env, startPlugin } from './openclaw-start.js';

interface Outbound {
  sendText(args: { cfg: unknown; to: string; text: string; accountId: string }): Promise<{ messageId: string }>;
}


const { outbound } = await startPlugin<Outbound>();
const cfg = {
  channels: { dingtalk: { clientId: env('BOT_APP_KEY'), clientSecret: env('BOT_APP_SECRET'), messageType: 'card' } },
  session: {},
};
const group = await outbound.sendText({ cfg, to: env('BOT_GROUP'), text: '**Card** for the group', accountId: 'default' });
const user = await outbound.sendText({ cfg, to: `user:${env('BOT_USER')}`, text: 'a card, one on one', accountId: 'default' });
process.stdout.write(`${JSON.stringify({ group: group.messageId, user: user.messageId })}\n`);

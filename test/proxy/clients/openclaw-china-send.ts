/**
 * The @openclaw-china/dingtalk OpenClaw plugin sending as OpenClaw would: its outbound adapter's
 * `sendText`, to a group (`chat:<openConversationId>`) and to a user (`user:<userId>`), with the
 * account's clientId and clientSecret. Its URLs are DingTalk's and its HTTP client is Node's
 * built-in `fetch`, started with fetch-proxy.js so that it honours HTTPS_PROXY. The host framework
 * is stood in for (openclaw-china-host.ts); the plugin is not. Run in a child process by
 * real-clients.test.ts; prints one JSON line.
 */
import { loadChinaPlugin } from './openclaw-china-host.js';
import { env } from './openclaw-start.js';

const channel = await loadChinaPlugin({});
const cfg = { channels: { dingtalk: { clientId: env('BOT_APP_KEY'), clientSecret: env('BOT_APP_SECRET') } } };
const group = await channel.outbound.sendText({ cfg, to: `chat:${env('BOT_GROUP')}`, text: '## Standup\nhello from OpenClaw', accountId: 'default' });
const user = await channel.outbound.sendText({ cfg, to: `user:${env('BOT_USER')}`, text: 'hello, one on one', accountId: 'default' });
process.stdout.write(`${JSON.stringify({ group, user })}\n`);

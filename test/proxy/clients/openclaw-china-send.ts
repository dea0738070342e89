/**
 * The @openclaw-china/dingtalk OpenClaw plugin sending as OpenClaw would, with its outbound
 * adapter: `sendText` to a group (`chat:<openConversationId>`) and to a user (`user:<userId>`),
 * then `sendMedia` with a local file, a picture with a caption to the group and a PDF to the user
 * (each uploaded to `oapi.dingtalk.com/media/upload`, then sent by its media id). Its URLs are
 * DingTalk's and its HTTP client is Node's built-in `fetch`, started with fetch-proxy.js so that
 * it honours HTTPS_PROXY. The host framework is stood in for (openclaw-china-host.ts); the plugin
 * is not. Run in a child process by real-clients.test.ts; prints one JSON line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadChinaPlugin } from './openclaw-china-host.js';
import { env } from './openclaw-start.js';

const channel = await loadChinaPlugin({});
const cfg = { channels: { dingtalk: { clientId: env('BOT_APP_KEY'), clientSecret: env('BOT_APP_SECRET') } } };
const group = await channel.outbound.sendText({ cfg, to: `chat:${env('BOT_GROUP')}`, text: '## Standup\nhello from OpenClaw', accountId: 'default' });
const user = await channel.outbound.sendText({ cfg, to: `user:${env('BOT_USER')}`, text: 'hello, one on one', accountId: 'default' });

const folder = mkdtempSync(join(tmpdir(), 'openclaw-china-'));
const image = join(folder, 'chart.png');
writeFileSync(image, Buffer.from(env('BOT_IMAGE_HEX'), 'hex'));
const pdf = join(folder, 'report.pdf');
writeFileSync(pdf, '%PDF-1.4 a report');
const picture = await channel.outbound.sendMedia({ cfg, to: `chat:${env('BOT_GROUP')}`, mediaUrl: image, text: 'the chart', accountId: 'default' });
const file = await channel.outbound.sendMedia({ cfg, to: `user:${env('BOT_USER')}`, mediaUrl: pdf, accountId: 'default' });
process.stdout.write(`${JSON.stringify({ group, user, picture, file })}\n`);

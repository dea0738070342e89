/**
 * The @soimy/dingtalk OpenClaw plugin sending media as OpenClaw would: its outbound adapter's
 * `sendMedia`, an image to a group and a PDF to a user, which uploads each to
 * `oapi.dingtalk.com/media/upload` and sends it (`sampleImageMsg` / `sampleFile`) with the media id.
 * Its URLs are DingTalk's; it reaches dingread through HTTPS_PROXY with its own axios. The host
 * framework is stood in for (openclaw-host.ts); the plugin is not. Run in a child process by
 * real-clients.test.ts; prints one JSON line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { env, startPlugin } from './openclaw-start.js';

interface Outbound {
  sendMedia(args: { cfg: unknown; to: string; mediaPath: string; accountId: string; mediaLocalRoots?: string[] }): Promise<{ messageId: string }>;
}

const { outbound, folder: dir } = await startPlugin<Outbound>();
const image = join(dir, 'chart.png');
writeFileSync(image, Buffer.from(env('BOT_IMAGE_HEX'), 'hex'));
const pdf = join(dir, 'report.pdf');
writeFileSync(pdf, '%PDF-1.4 a report');
const cfg = { channels: { dingtalk: { clientId: env('BOT_APP_KEY'), clientSecret: env('BOT_APP_SECRET') } }, session: {} };
const group = await outbound.sendMedia({ cfg, to: env('BOT_GROUP'), mediaPath: image, accountId: 'default', mediaLocalRoots: [dir] });
const user = await outbound.sendMedia({ cfg, to: `user:${env('BOT_USER')}`, mediaPath: pdf, accountId: 'default', mediaLocalRoots: [dir] });
process.stdout.write(`${JSON.stringify({ group: group.messageId, user: user.messageId })}\n`);

/**
 * An alerting script on `dingtalk-robot-sender` (npm, axios 0.19), written as its README says:
 * the webhook URL DingTalk shows (https://oapi.dingtalk.com/robot/send?access_token=…) and the
 * robot's secret, so it signs every request. It sends one of each message type the package has.
 * Run unchanged in a child process by robot-sender.test.ts with HTTPS_PROXY set: axios 0.19 sends
 * the whole URL to the proxy. Prints one JSON line: each answer's body.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface ChatBot {
  text(content: string, at?: Record<string, unknown>): Promise<{ data: unknown }>;
  markdown(title: string, text: string, at?: Record<string, unknown>): Promise<{ data: unknown }>;
  link(link: Record<string, string>): Promise<{ data: unknown }>;
  actionCard(card: Record<string, unknown>): Promise<{ data: unknown }>;
  feedCard(links: Array<Record<string, string>>): Promise<{ data: unknown }>;
}
const ChatBot = require('dingtalk-robot-sender') as new (options: Record<string, string>) => ChatBot;

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

const robot = new ChatBot({ webhook: `https://oapi.dingtalk.com/robot/send?access_token=${env('ROBOT_TOKEN')}`, secret: env('ROBOT_SECRET') });
const answers = [
  (await robot.text('alert: disk full on db-1', { atMobiles: ['13800000000'], isAtAll: false })).data,
  (await robot.markdown('alert', '#### alert\n> db-1 is **down**', { isAtAll: true })).data,
  (await robot.link({ title: 'alert', text: 'runbook', messageUrl: 'https://example.com/runbook' })).data,
  (await robot.actionCard({ title: 'alert', text: 'restart db-1?', btns: [{ title: 'Restart', actionURL: 'https://example.com/restart' }] })).data,
  (await robot.feedCard([{ title: 'alert one', messageURL: 'https://example.com/1', picURL: 'https://example.com/1.png' }])).data,
];
process.stdout.write(`${JSON.stringify({ answers })}\n`);

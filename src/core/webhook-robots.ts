/**
 * A group's custom (webhook) robot (`POST /robot/send?access_token=…[&timestamp=…&sign=…]`,
 * docs/webhook-robot.md): what alerting tools, CI plugins and scripts post into a group. Its
 * security settings are DingTalk's, checked in this order: the access token, the caller's address
 * (IP ranges), the signature (HMAC-SHA256 of `timestamp\nsecret`, the timestamp within an hour of
 * the server's clock), the message, its keywords, then the limit of 20 messages a minute (a robot
 * over it is refused for 10 minutes). Answers are DingTalk's legacy `{errcode, errmsg}`.
 *
 * What it posts is a message of the group as its members see it: in the chat timeline, the
 * dashboard and the event stream, from the robot's name. It has no read status: DingTalk answers
 * a custom robot with no processQueryKey, so nothing can ask who read it, and dingread keeps none.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';
import type { CoreContext } from './context.js';
import { hashToken } from './ids.js';
import { LEGACY_ANSWERS, legacyFail, type LegacyAnswer } from './legacy-errors.js';
import type { ReplyAt, WebhookRobotRecord } from './store.js';
import { newMsgId } from './stream.js';

/** DingTalk's limit per robot: 20 messages a minute, then 10 minutes refused ("Custom robot", HD-custom). */
export const WEBHOOK_LIMIT = { perWindow: 20, windowMs: 60_000, blockMs: 10 * 60_000 } as const;
/** How far a signed request's timestamp may be from the server's clock, either way. */
export const SIGN_WINDOW_MS = 60 * 60 * 1000;
/** DingTalk takes at most 10 keywords and 10 address ranges per robot. */
export const MAX_KEYWORDS = 10;
export const MAX_IP_RANGES = 10;

/** What the caller sent besides the body. */
export interface WebhookRequest {
  accessToken: string | undefined;
  timestamp: string | undefined;
  sign: string | undefined;
  /** The socket's address (a tunnel's is the address the tunnel came from). */
  remoteAddress: string | undefined;
}

/** A body as a webhook robot's message. */
interface WebhookMessage {
  msgtype: string;
  /** The body's section for its msgtype, with the fields DingTalk reads. */
  content: Record<string, unknown>;
  /** The texts keywords are looked for in. */
  texts: string[];
  at: ReplyAt | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `part --》 field`, as DingTalk names a bad parameter. */
function missing(part: string, field?: string): never {
  legacyFail('webhook.param', field === undefined ? part : `${part} --》 ${field}`);
}

/** The named string fields of `section`; `optional` ones may be left out. */
function fields(section: Record<string, unknown>, part: string, required: string[], optional: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [...required, ...optional]) {
    const value = section[key];
    if (value === undefined || value === null) {
      if (required.includes(key)) missing(part, key);
      continue;
    }
    if (typeof value !== 'string' || (value === '' && required.includes(key))) missing(part, key);
    out[key] = value;
  }
  return out;
}

/** A number or a numeric string (`btnOrientation`, `hideAvatar`: clients send either), kept as text. */
function flag(section: Record<string, unknown>, part: string, key: string): Record<string, string> {
  const value = section[key];
  if (value === undefined || value === null) return {};
  if (typeof value === 'number' || (typeof value === 'string' && /^\d$/.test(value))) return { [key]: String(value) };
  missing(part, key);
}

function sectionOf(body: Record<string, unknown>, part: string): Record<string, unknown> {
  const section = body[part];
  if (!isObject(section)) missing(part);
  return section;
}

function actionCard(body: Record<string, unknown>): Pick<WebhookMessage, 'content' | 'texts'> {
  const section = sectionOf(body, 'actionCard');
  const card = { ...fields(section, 'actionCard', ['title', 'text']), ...flag(section, 'actionCard', 'btnOrientation'), ...flag(section, 'actionCard', 'hideAvatar') };
  const buttons = section['btns'];
  if (buttons === undefined || buttons === null) {
    const single = fields(section, 'actionCard', ['singleTitle', 'singleURL']);
    return { content: { ...card, ...single }, texts: [card.title as string, card.text as string, single['singleTitle'] as string] };
  }
  if (!Array.isArray(buttons)) missing('actionCard', 'btns');
  const btns = buttons.map((button: unknown, i) => {
    if (!isObject(button)) missing('actionCard', `btns[${i}]`);
    return fields(button, `actionCard --》 btns[${i}]`, ['title', 'actionURL']);
  });
  return { content: { ...card, btns }, texts: [card.title as string, card.text as string, ...btns.map((button) => button['title'] as string)] };
}

function feedCard(body: Record<string, unknown>): Pick<WebhookMessage, 'content' | 'texts'> {
  const links = sectionOf(body, 'feedCard')['links'];
  if (!Array.isArray(links) || links.length === 0) missing('feedCard', 'links');
  const parsed = links.map((link: unknown, i) => {
    if (!isObject(link)) missing('feedCard', `links[${i}]`);
    // DingTalk spells them messageURL and picURL; some clients write messageUrl and picUrl.
    const spelled = { ...link, messageURL: link['messageURL'] ?? link['messageUrl'], picURL: link['picURL'] ?? link['picUrl'] };
    return fields(spelled, `feedCard --》 links[${i}]`, ['title', 'messageURL'], ['picURL']);
  });
  return { content: { links: parsed }, texts: parsed.map((link) => link['title'] as string) };
}

function mentions(body: Record<string, unknown>): ReplyAt | null {
  const at = body['at'];
  if (at === undefined || at === null) return null;
  if (!isObject(at)) missing('at');
  const out: ReplyAt = {};
  for (const key of ['atUserIds', 'atMobiles'] as const) {
    const list = at[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) missing('at', key);
    if (list.length > 0) out[key] = list as string[];
  }
  const all = at['isAtAll'];
  if (all !== undefined && all !== null) {
    // Clients written against DingTalk's examples send "true" as often as true.
    if (typeof all === 'boolean') out.isAtAll = all;
    else if (all === 'true' || all === 'false') out.isAtAll = all === 'true';
    else missing('at', 'isAtAll');
  }
  if (out.isAtAll === false) delete out.isAtAll;
  return Object.keys(out).length === 0 ? null : out;
}

/** The body as a webhook robot's message, or the answer DingTalk gives. */
export function webhookMessage(body: unknown): WebhookMessage {
  if (!isObject(body)) legacyFail('json.missing');
  const msgtype = body['msgtype'];
  if (msgtype === undefined || msgtype === null || msgtype === '') missing('msgtype');
  if (typeof msgtype !== 'string') legacyFail('msgtype.unsupported', String(msgtype));
  let parsed: Pick<WebhookMessage, 'content' | 'texts'>;
  switch (msgtype) {
    case 'text': {
      const content = fields(sectionOf(body, 'text'), 'text', ['content']);
      parsed = { content, texts: [content['content'] as string] };
      break;
    }
    case 'markdown': {
      const content = fields(sectionOf(body, 'markdown'), 'markdown', ['title', 'text']);
      parsed = { content, texts: [content['title'] as string, content['text'] as string] };
      break;
    }
    case 'link': {
      const content = fields(sectionOf(body, 'link'), 'link', ['title', 'text', 'messageUrl'], ['picUrl']);
      parsed = { content, texts: [content['title'] as string, content['text'] as string] };
      break;
    }
    case 'actionCard':
      parsed = actionCard(body);
      break;
    case 'feedCard':
      parsed = feedCard(body);
      break;
    default:
      legacyFail('msgtype.unsupported', msgtype);
  }
  return { msgtype, ...parsed, at: mentions(body) };
}

/** What a phone shows of a webhook robot's message in a list: its text, or its titles. */
export function webhookText(msgtype: string, content: Record<string, unknown>): string {
  if (msgtype === 'feedCard' && Array.isArray(content['links'])) {
    return (content['links'] as Array<Record<string, unknown>>).map((link) => String(link['title'] ?? '')).join('\n');
  }
  for (const key of ['content', 'text', 'title']) {
    const value = content[key];
    if (typeof value === 'string') return value;
  }
  return '';
}

/** An IPv4 address or range (`10.0.0.0/8`) as DingTalk takes it (no IPv6); null when it is not one. */
export function parseIpRange(range: string): { address: string; prefix: number } | null {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(range);
  if (!match || !isIPv4(match[1] as string)) return null;
  const prefix = match[2] === undefined ? 32 : Number(match[2]);
  return prefix <= 32 ? { address: match[1] as string, prefix } : null;
}

function inRanges(remoteAddress: string | undefined, ranges: string[]): boolean {
  if (remoteAddress === undefined) return false;
  // A dual-stack socket reports an IPv4 caller as ::ffff:a.b.c.d.
  const address = remoteAddress.startsWith('::ffff:') ? remoteAddress.slice('::ffff:'.length) : remoteAddress;
  if (!isIPv4(address)) return false;
  const list = new BlockList();
  for (const range of ranges) {
    const parsed = parseIpRange(range);
    if (parsed) list.addSubnet(parsed.address, parsed.prefix, 'ipv4');
  }
  return list.check(address, 'ipv4');
}

/** DingTalk's signature: base64(HMAC-SHA256(key = secret, `${timestamp}\n${secret}`)). */
export function webhookSign(secret: string, timestamp: string | number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

function checkSignature(secret: string, request: WebhookRequest, now: number): void {
  const { timestamp, sign } = request;
  if (timestamp === undefined || !/^\d{1,16}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > SIGN_WINDOW_MS) {
    legacyFail('webhook.timestamp');
  }
  if (sign === undefined) legacyFail('webhook.sign');
  const expected = Buffer.from(webhookSign(secret, timestamp));
  const given = Buffer.from(sign);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) legacyFail('webhook.sign');
}

function hasKeyword(robot: WebhookRobotRecord, texts: string[]): boolean {
  return robot.keywords.some((keyword) => texts.some((text) => text.includes(keyword)));
}

/** `POST /robot/send`: checks the request as DingTalk does, then posts the message into the group. */
export async function sendByWebhook(ctx: CoreContext, request: WebhookRequest, body: unknown): Promise<LegacyAnswer> {
  if (!request.accessToken) legacyFail('webhook.tokenNotFound');
  const robot = await ctx.store.findWebhookRobot(hashToken(request.accessToken));
  if (!robot) legacyFail('webhook.tokenNotFound');
  if (robot.ipRanges.length > 0 && !inRanges(request.remoteAddress, robot.ipRanges)) legacyFail('webhook.ip');
  const now = ctx.clock.now();
  if (robot.secret !== null) checkSignature(robot.secret, request, now);
  const message = webhookMessage(body);
  if (robot.keywords.length > 0 && !hasKeyword(robot, message.texts)) legacyFail('webhook.keywords');
  const msgId = newMsgId(ctx.random);
  const outcome = await ctx.store.postWebhookMessage({
    robot,
    msgId,
    msgtype: message.msgtype,
    content: JSON.stringify(message.content),
    at: message.at,
    createdAt: now,
    limit: WEBHOOK_LIMIT,
  });
  // A robot removed between finding it and posting is as unknown as a token never given out.
  if (!outcome.posted) legacyFail(outcome.reason === 'throttled' ? 'webhook.tooFast' : 'webhook.tokenNotFound');
  if (ctx.events.active) {
    ctx.events.emit({
      type: 'webhookMessage',
      msgId,
      corpId: robot.corpId,
      openConversationId: robot.openConversationId,
      webhookRobot: robot.name,
      msgtype: message.msgtype,
      text: webhookText(message.msgtype, message.content),
      ...(message.at === null ? {} : { at: message.at }),
      createdAt: now,
    });
  }
  return LEGACY_ANSWERS.ok;
}

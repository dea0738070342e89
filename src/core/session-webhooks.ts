/**
 * A robot's reply through the session webhook of a message it received
 * (`POST /robot/sendBySession?session=…`): until the webhook expires, the body (`text`,
 * `markdown`, `link` or `actionCard`, with `at`) becomes the robot's message in the chat the user
 * wrote in, with recipients and read status like any robot message: into the group, or to the
 * user alone in their one-on-one chat. Answers are DingTalk's legacy `{errcode, errmsg}`.
 */
import type { ReplyAt } from './store.js';
import type { CoreContext } from './context.js';
import { hashToken, newProcessQueryKey } from './ids.js';
import { LEGACY_ANSWERS, legacyFail, type LegacyAnswer } from './legacy-errors.js';
import { emitSent } from './sends.js';
import type { MessageRecord, NewMessage } from './store.js';

/** A reply as a robot message: DingTalk's catalogue template (catalog.ts) the body corresponds to. */
interface ReplyContent {
  msgtype: string;
  msgKey: string;
  msgParam: Record<string, string>;
  at: ReplyAt | null;
}

const MAX_BUTTONS = 5;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The named string fields of `body[part]`; `optional` ones may be left out (then ''). */
function strings(body: Record<string, unknown>, part: string, required: string[], optional: string[] = []): Record<string, string> {
  const section = body[part];
  if (!isObject(section)) legacyFail('param.error', `${part} is missing`);
  const out: Record<string, string> = {};
  for (const key of [...required, ...optional]) {
    const value = section[key];
    if (value === undefined && optional.includes(key)) {
      out[key] = '';
      continue;
    }
    if (typeof value !== 'string' || (value === '' && required.includes(key))) legacyFail('param.error', `${part}.${key} is missing`);
    out[key] = value;
  }
  return out;
}

function actionCard(body: Record<string, unknown>): Pick<ReplyContent, 'msgKey' | 'msgParam'> {
  const card = body['actionCard'];
  if (!isObject(card)) legacyFail('param.error', 'actionCard is missing');
  const { title, text } = strings(body, 'actionCard', ['title', 'text']) as { title: string; text: string };
  if (card['btns'] === undefined) {
    const single = strings(body, 'actionCard', ['singleTitle', 'singleURL']);
    return { msgKey: 'sampleActionCard', msgParam: { title, text, ...single } };
  }
  const buttons = card['btns'];
  if (!Array.isArray(buttons) || buttons.length === 0 || buttons.length > MAX_BUTTONS) {
    legacyFail('param.error', `actionCard.btns holds 1 to ${MAX_BUTTONS} buttons`);
  }
  const parsed = buttons.map((button: unknown, i) => {
    if (!isObject(button) || typeof button['title'] !== 'string' || typeof button['actionURL'] !== 'string') {
      legacyFail('param.error', `actionCard.btns[${i}] needs title and actionURL`);
    }
    return { title: button['title'], actionURL: button['actionURL'] };
  });
  if (parsed.length === 1) {
    const [only] = parsed as [{ title: string; actionURL: string }];
    return { msgKey: 'sampleActionCard', msgParam: { title, text, singleTitle: only.title, singleURL: only.actionURL } };
  }
  const msgParam: Record<string, string> = { title, text };
  parsed.forEach((button, i) => {
    msgParam[`actionTitle${i + 1}`] = button.title;
    msgParam[`actionURL${i + 1}`] = button.actionURL;
  });
  return { msgKey: `sampleActionCard${parsed.length}`, msgParam };
}

function replyAt(body: Record<string, unknown>): ReplyAt | null {
  const at = body['at'];
  if (at === undefined || at === null) return null;
  if (!isObject(at)) legacyFail('param.error', 'at must be an object');
  const out: ReplyAt = {};
  for (const key of ['atUserIds', 'atMobiles'] as const) {
    const list = at[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) legacyFail('param.error', `at.${key} must be a list of strings`);
    out[key] = list as string[];
  }
  if (at['isAtAll'] !== undefined) {
    if (typeof at['isAtAll'] !== 'boolean') legacyFail('param.error', 'at.isAtAll must be a boolean');
    out.isAtAll = at['isAtAll'];
  }
  return Object.keys(out).length === 0 ? null : out;
}

/** The body as a robot message, or the legacy error DingTalk would answer. */
export function replyContent(body: unknown): ReplyContent {
  if (!isObject(body)) legacyFail('json.missing');
  const msgtype = body['msgtype'];
  if (typeof msgtype !== 'string' || msgtype === '') legacyFail('param.error', 'msgtype is missing');
  let template: Pick<ReplyContent, 'msgKey' | 'msgParam'>;
  switch (msgtype) {
    case 'text':
      template = { msgKey: 'sampleText', msgParam: strings(body, 'text', ['content']) };
      break;
    case 'markdown':
      template = { msgKey: 'sampleMarkdown', msgParam: strings(body, 'markdown', ['title', 'text']) };
      break;
    case 'link':
      template = { msgKey: 'sampleLink', msgParam: strings(body, 'link', ['title', 'text', 'messageUrl'], ['picUrl']) };
      break;
    case 'actionCard':
      template = actionCard(body);
      break;
    default:
      legacyFail('msgtype.unsupported', msgtype);
  }
  return { msgtype, ...template, at: replyAt(body) };
}

/** `POST /robot/sendBySession?session=…`. */
export async function replyBySession(ctx: CoreContext, session: string | undefined, body: unknown): Promise<LegacyAnswer & { message: MessageRecord }> {
  if (!session) legacyFail('session.notFound');
  const found = await ctx.store.findSessionWebhook(hashToken(session));
  const now = ctx.clock.now();
  if (!found || found.expiresAt <= now) legacyFail('session.notFound');
  const content = replyContent(body);
  const oneOnOne = found.conversationId === null;
  const message: NewMessage = {
    processQueryKey: newProcessQueryKey(ctx.random, found.robotId, found.conversationId),
    kind: oneOnOne ? 'oto' : 'group',
    orgId: found.orgId,
    appId: found.appId,
    robotId: found.robotId,
    conversationId: found.conversationId,
    msgKey: content.msgKey,
    msgParam: JSON.stringify(content.msgParam),
    sentAt: now,
    deliveredAt: now + ctx.options.deliveryDelayMs,
    ...(oneOnOne ? { recipients: [found.userId] } : {}),
  };
  const stored = await ctx.store.postReply({ session: found, message, msgtype: content.msgtype, at: content.at });
  emitSent(ctx, stored, 'sessionWebhook');
  return { ...LEGACY_ANSWERS.ok, message: stored };
}

/** Message inspection for the control plane: one message with its recipients, or a listing. */
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import type { MessageDetail, MessageList, MessageSummary } from './answers.js';
import { fileView } from './media.js';
import { sendStatusOf } from './messages.js';
import type { MessageFilter, MessageRecord } from './store.js';



export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;

/** `now`: the instant of the whole answer, at which every message's send status is judged. */
function summarize(ctx: CoreContext, message: MessageRecord, readCount: number, now: number): MessageSummary {
  const summary: MessageSummary = {
    processQueryKey: message.processQueryKey,
    kind: message.kind,
    corpId: message.corpId,
    robotCode: message.robotCode,
    msgKey: message.msgKey,
    msgParam: message.msgParam,
    sentAt: message.sentAt,
    deliveredAt: message.deliveredAt,
    queryableUntil: message.sentAt + ctx.options.queryWindowMs,
    sendStatus: sendStatusOf(message, now),
    recipientCount: message.recipientCount,
    readCount,
  };
  if (message.openConversationId !== null) summary.openConversationId = message.openConversationId;
  if (message.recalledAt !== null) summary.recalledAt = message.recalledAt;
  return summary;
}

export async function inspectMessage(ctx: CoreContext, processQueryKey: string): Promise<MessageDetail> {
  const found = await ctx.store.recipientReads(processQueryKey);
  if (!found) fail('object.notFound', `no message ${processQueryKey}`);
  const { message, recipients } = found;
  // Only recipients ever count as readers, so the count is that of recipients with a read time.
  const readCount = recipients.filter((recipient) => recipient.readAt !== null).length;
  const files = (await ctx.store.messageMedia(message)).map(fileView);
  return { ...summarize(ctx, message, readCount, ctx.clock.now()), recipients, ...(files.length > 0 ? { files } : {}) };
}

/** What the listing can keep: send states, and whether the 24-hour query window is still open. */
export const LIST_STATUSES = ['PROCESSING', 'SUCCESS', 'RECALLED'] as const;
export const LIST_WINDOWS = ['open', 'closed'] as const;

export interface ListQuery {
  corpId?: string;
  openConversationId?: string;
  robotCode?: string;
  sendStatus?: (typeof LIST_STATUSES)[number];
  window?: (typeof LIST_WINDOWS)[number];
  /** Text the message's msgParam holds (ASCII case ignored). */
  text?: string;
  /** Answer `total` too: how many messages match, on every page. */
  total?: boolean;
  limit?: number;
  cursor?: string;
}


/** Newest first. The cursor is the id to continue below, opaque to callers. */
export async function listMessages(ctx: CoreContext, query: ListQuery): Promise<MessageList> {
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    fail('invalidParameter.param.invalid', `limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  const filter: MessageFilter = {};
  // A filter naming something that does not exist matches nothing (an empty list, not an error).
  const none: MessageList = query.total ? { items: [], total: 0 } : { items: [] };
  if (query.corpId !== undefined) {
    const org = await ctx.store.findOrg(query.corpId);
    if (!org) return none;
    filter.orgId = org.id;
  }
  if (query.openConversationId !== undefined) {
    const conversation = await ctx.store.findConversation(query.openConversationId);
    if (!conversation) return none;
    filter.conversationId = conversation.id;
  }
  if (query.robotCode !== undefined) {
    const robot = await ctx.store.findRobot(query.robotCode);
    if (!robot) return none;
    filter.robotId = robot.id;
  }
  // The same rules as sendStatusOf and isExpired (messages.ts), at one instant for the whole listing.
  const now = ctx.clock.now();
  if (query.sendStatus === 'RECALLED') filter.recalled = true;
  if (query.sendStatus === 'PROCESSING') Object.assign(filter, { recalled: false, pendingAt: now });
  if (query.sendStatus === 'SUCCESS') Object.assign(filter, { recalled: false, deliveredBy: now });
  if (query.window === 'open') filter.sentAfter = now - ctx.options.queryWindowMs;
  if (query.window === 'closed') filter.sentBy = now - ctx.options.queryWindowMs;
  if (query.text !== undefined && query.text !== '') filter.text = query.text;
  const total = query.total ? await ctx.store.countMessages(filter) : undefined;
  if (query.cursor !== undefined) filter.beforeId = decodeListCursor(query.cursor);
  const page = await ctx.store.listMessages(filter, limit + 1);
  const items = await Promise.all(
    page.slice(0, limit).map(async (message) => summarize(ctx, message, await ctx.store.countReaders(message), now)),
  );
  const last = page.length > limit ? page[limit - 1] : undefined;
  const list: MessageList = { items };
  if (last) list.nextCursor = Buffer.from(`m:${last.id}`).toString('base64url');
  if (total !== undefined) list.total = total;
  return list;
}

function decodeListCursor(cursor: string): number {
  const match = /^m:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) fail('invalidParameter.param.invalid', 'cursor is not one this server returned');
  return Number(match[1]);
}

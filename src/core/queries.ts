/** The three read-status queries (DingTalk's documents are cited in test/data/dingtalk-query-errors.json): oto readStatus, and the paged group and private ones. */
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import { isExpired, sendStatusOf, type SendStatus } from './messages.js';
import { resolveRobot } from './robot-access.js';
import { conversationOf } from './sends.js';
import type { MessageKind, MessageRecord } from './store.js';
import type { Caller } from './tokens.js';

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 200;

export interface OtoQueryInput {
  robotCode?: string;
  processQueryKey?: string;
}

export interface MessageReadInfo {
  name: string;
  userId: string;
  readStatus: 'READ' | 'UNREAD';
  readTimestamp?: number;
}

export interface OtoQueryResult {
  sendStatus: SendStatus;
  messageReadInfoList: MessageReadInfo[];
}

export interface ChatQueryInput {
  openConversationId?: string;
  robotCode?: string;
  processQueryKey?: string;
  maxResults?: number;
  nextToken?: string;
  /** groupMessages/query only: a legacy group-template-bot token. */
  token?: string;
}

export interface ChatQueryResult {
  sendStatus: SendStatus;
  readUserIds: string[];
  hasMore: boolean;
  nextToken?: string;
}

/** `GET /v1.0/robot/oToMessages/readStatus`: every recipient (at most 20) with READ or UNREAD. */
export async function queryOto(ctx: CoreContext, caller: Caller, input: OtoQueryInput): Promise<OtoQueryResult> {
  if (input.robotCode === undefined) fail('invalidParameter.robotCode.missing');
  if (input.robotCode === '') fail('invalidParameter.robotCode.empty');
  if (!input.processQueryKey) fail('invalidParameter.processQueryKey.missing');
  const robot = await resolveRobot(ctx, caller, input.robotCode, 'otoQuery');
  const message = await messageOf(ctx, caller, input.processQueryKey, 'oto', robot.id, null);
  const recipients = await ctx.store.recipientReads(message);
  return {
    sendStatus: sendStatusOf(ctx, message),
    messageReadInfoList: recipients.map((recipient) => {
      const info: MessageReadInfo = {
        name: recipient.name,
        userId: recipient.userId,
        readStatus: recipient.readAt === null ? 'UNREAD' : 'READ',
      };
      if (recipient.readAt !== null && ctx.options.readTimestamp) info.readTimestamp = recipient.readAt;
      return info;
    }),
  };
}

/**
 * `POST /v1.0/robot/groupMessages/query` and `POST /v1.0/robot/privateChatMessages/query`: one page
 * of the userIds that have read the message, in userId order. Reads only ever get added, so a walk
 * in that order never repeats a user and never skips one who had read before it began.
 */
export async function queryChat(
  ctx: CoreContext,
  caller: Caller,
  kind: 'group' | 'privateChat',
  input: ChatQueryInput,
): Promise<ChatQueryResult> {
  if (!input.processQueryKey) fail('invalidParameter.processQueryKey.missing');
  const pageSize = input.maxResults ?? DEFAULT_PAGE_SIZE;
  if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) fail('invalidParameter.pageSize.invalid', `maxResults ${pageSize}`);
  if (!input.openConversationId) {
    if (kind === 'group' && input.token) fail('invalidParameter.invalid');
    fail('openConversationId.notExisted');
  }
  if (!input.robotCode) fail('invalidParameter.robotCode.missing');
  const robot = await resolveRobot(ctx, caller, input.robotCode, 'chatQuery');
  const conversation = await conversationOf(
    ctx,
    caller,
    input.openConversationId,
    kind === 'group' ? 'group' : 'private',
  );
  if (kind === 'group' && !conversation.robotCodes.includes(robot.robotCode)) {
    fail('invalidParameter.robotCode.notExsit', `robot ${robot.robotCode} is not in this group`);
  }
  const message = await messageOf(ctx, caller, input.processQueryKey, kind, robot.id, conversation.id);
  let afterUserId = '';
  if (input.nextToken) {
    const position = ctx.cursors.open(input.nextToken, message.id);
    if (!position) fail('invalidParameter.cursor.invalid');
    afterUserId = position.afterUserId;
  }
  const page = await ctx.store.readerPage(message, afterUserId, pageSize + 1);
  const hasMore = page.length > pageSize;
  const readUserIds = hasMore ? page.slice(0, pageSize) : page;
  const result: ChatQueryResult = { sendStatus: sendStatusOf(ctx, message), readUserIds, hasMore };
  if (hasMore) result.nextToken = ctx.cursors.seal({ messageId: message.id, afterUserId: readUserIds.at(-1) as string });
  return result;
}

/**
 * The message a query names, if the caller may see it and its read data exists: before delivery
 * finishes and after the 24-hour window, DingTalk answers processQueryKey.expireTime.
 */
async function messageOf(
  ctx: CoreContext,
  caller: Caller,
  processQueryKey: string,
  kind: MessageKind,
  robotId: number,
  conversationId: number | null,
): Promise<MessageRecord> {
  const message = await ctx.store.findMessage(processQueryKey);
  if (
    !message ||
    message.orgId !== caller.orgId ||
    message.kind !== kind ||
    message.robotId !== robotId ||
    message.conversationId !== conversationId
  ) {
    fail('invalid.processQueryKey');
  }
  if (isExpired(ctx, message) || sendStatusOf(ctx, message) === 'PROCESSING') fail('processQueryKey.expireTime');
  return message;
}

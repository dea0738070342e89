/** The three read-status queries (DingTalk's documents are cited in test/data/dingtalk-query-errors.json): oto readStatus, and the paged group and private ones. */
import type { ChatQueryResult, MessageReadInfo, OtoQueryResult } from './answers.js';
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import { isExpired, sendStatusOf } from './messages.js';
import { callersConversation, usableRobot } from './robot-access.js';
import type { ChatKind, MessageKind, MessageRecord } from './store.js';
import type { Caller } from './tokens.js';

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 200;

export interface OtoQueryInput {
  robotCode?: string;
  processQueryKey?: string;
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


/** `GET /v1.0/robot/oToMessages/readStatus`: every recipient (at most 20) with READ or UNREAD. */
export async function queryOto(ctx: CoreContext, caller: Caller, input: OtoQueryInput): Promise<OtoQueryResult> {
  if (input.robotCode === undefined) fail('invalidParameter.robotCode.missing');
  if (input.robotCode === '') fail('invalidParameter.robotCode.empty');
  if (!input.processQueryKey) fail('invalidParameter.processQueryKey.missing');
  // Each lookup is taken from the store's memory when it holds it and awaited only when it does
  // not (Store.remembered): a bot's repeated query runs through without an await.
  const { store } = ctx;
  const robot = usableRobot(caller, input.robotCode, 'otoQuery', store.remembered.robot(input.robotCode) ?? (await store.findRobot(input.robotCode)));
  const found = store.remembered.recipientReads(input.processQueryKey) ?? (await store.recipientReads(input.processQueryKey));
  const { message, recipients } = queryable(ctx, caller, found, 'oto', robot.id, null);
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
  kind: ChatKind,
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
  // From the store's memory when it holds them, as in queryOto.
  const { store } = ctx;
  const robot = usableRobot(caller, input.robotCode, 'chatQuery', store.remembered.robot(input.robotCode) ?? (await store.findRobot(input.robotCode)));
  const conversationId = input.openConversationId;
  const conversation = callersConversation(
    caller,
    conversationId,
    kind,
    store.remembered.conversation(conversationId) ?? (await store.findConversation(conversationId)),
  );
  if (kind === 'group' && !conversation.robotCodes.includes(robot.robotCode)) {
    fail('invalidParameter.robotCode.notExsit', `robot ${robot.robotCode} is not in this group`);
  }
  // The cursor opens before the message is read, so that the message and the page are one store
  // call; whether it belongs to this message is judged after the message, in DingTalk's order.
  const position = input.nextToken ? ctx.cursors.open(input.nextToken) : undefined;
  const afterUserId = position?.afterUserId ?? '';
  const found =
    store.remembered.readerPage(input.processQueryKey, afterUserId, pageSize + 1) ??
    (await store.readerPage(input.processQueryKey, afterUserId, pageSize + 1));
  const { message, readerIds: page } = queryable(ctx, caller, found, kind, robot.id, conversation.id);
  if (input.nextToken && position?.messageId !== message.id) fail('invalidParameter.cursor.invalid');
  const hasMore = page.length > pageSize;
  const readUserIds = hasMore ? page.slice(0, pageSize) : page;
  const result: ChatQueryResult = { sendStatus: sendStatusOf(ctx, message), readUserIds, hasMore };
  if (hasMore) result.nextToken = ctx.cursors.seal({ messageId: message.id, afterUserId: readUserIds.at(-1) as string });
  return result;
}

/**
 * What the store read for a query, if the caller may see its message and the read data exists:
 * before delivery finishes and after the 24-hour window, DingTalk answers processQueryKey.expireTime.
 */
function queryable<T extends { message: MessageRecord }>(
  ctx: CoreContext,
  caller: Caller,
  found: T | undefined,
  kind: MessageKind,
  robotId: number,
  conversationId: number | null,
): T {
  if (
    !found ||
    found.message.orgId !== caller.orgId ||
    found.message.kind !== kind ||
    found.message.robotId !== robotId ||
    found.message.conversationId !== conversationId
  ) {
    fail('invalid.processQueryKey');
  }
  if (isExpired(ctx, found.message) || sendStatusOf(ctx, found.message) === 'PROCESSING') fail('processQueryKey.expireTime');
  return found;
}

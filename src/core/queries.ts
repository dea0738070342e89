/** The three read-status queries (DingTalk's documents are cited in test/data/dingtalk-query-errors.json): oto readStatus, and the paged group and private ones. */
import type { ChatQueryResult, MessageReadInfo, OtoQueryResult } from './answers.js';
import type { CoreContext } from './context.js';
import type { CursorPosition } from './cursor.js';
import { fail } from './errors.js';
import { isExpired, sendStatusOf } from './messages.js';
import { callersConversation, usableRobot } from './robot-access.js';
import type { ChatKind, ConversationRecord, MessageKind, MessageRecipients, MessageRecord, ReaderPage, RobotRecord } from './store.js';
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


/**
 * An answer, or the promise of one when a lookup had to wait for the store. The queries answer
 * synchronously when the store's memory holds every record they need (Store.remembered), so that
 * a bot's repeated query costs no promise and no trip through the microtask queue; the route hands
 * either to Fastify, which sends a value at once and awaits a promise.
 */
export type Answer<T> = T | Promise<T>;

/** `GET /v1.0/robot/oToMessages/readStatus`: every recipient (at most 20) with READ or UNREAD. */
export function queryOto(ctx: CoreContext, caller: Caller, input: OtoQueryInput): Answer<OtoQueryResult> {
  if (input.robotCode === undefined) fail('invalidParameter.robotCode.missing');
  if (input.robotCode === '') fail('invalidParameter.robotCode.empty');
  if (!input.processQueryKey) fail('invalidParameter.processQueryKey.missing');
  // Each lookup is taken from the store's memory when it holds it and awaited only when it does
  // not (Store.remembered): a bot's repeated query runs through without a promise.
  const robotCode = input.robotCode;
  const robot = ctx.store.remembered.robot(robotCode);
  if (robot === undefined) return ctx.store.findRobot(robotCode).then((found) => otoWithRobot(ctx, caller, input, found));
  return otoWithRobot(ctx, caller, input, robot);
}

function otoWithRobot(ctx: CoreContext, caller: Caller, input: OtoQueryInput, found: RobotRecord | undefined): Answer<OtoQueryResult> {
  const robot = usableRobot(caller, input.robotCode as string, 'otoQuery', found);
  const processQueryKey = input.processQueryKey as string;
  const reads = ctx.store.remembered.recipientReads(processQueryKey);
  if (reads === undefined) return ctx.store.recipientReads(processQueryKey).then((read) => otoAnswer(ctx, caller, robot, read));
  return otoAnswer(ctx, caller, robot, reads);
}

function otoAnswer(ctx: CoreContext, caller: Caller, robot: RobotRecord, found: MessageRecipients | undefined): OtoQueryResult {
  const now = ctx.clock.now();
  const { message, recipients } = queryable(ctx, caller, found, 'oto', robot.id, null, now);
  return {
    sendStatus: sendStatusOf(message, now),
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
export function queryChat(ctx: CoreContext, caller: Caller, kind: ChatKind, input: ChatQueryInput): Answer<ChatQueryResult> {
  if (!input.processQueryKey) fail('invalidParameter.processQueryKey.missing');
  const pageSize = input.maxResults ?? DEFAULT_PAGE_SIZE;
  if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) fail('invalidParameter.pageSize.invalid', `maxResults ${pageSize}`);
  if (!input.openConversationId) {
    if (kind === 'group' && input.token) fail('invalidParameter.invalid');
    fail('openConversationId.notExisted');
  }
  if (!input.robotCode) fail('invalidParameter.robotCode.missing');
  // From the store's memory when it holds them, as in queryOto; each step awaits only a miss.
  const query: ChatQuery = { ctx, caller, kind, input, pageSize };
  const robot = ctx.store.remembered.robot(input.robotCode);
  if (robot === undefined) return ctx.store.findRobot(input.robotCode).then((found) => chatWithRobot(query, found));
  return chatWithRobot(query, robot);
}

/** A chat query's inputs, checked, handed from one step to the next. */
interface ChatQuery {
  ctx: CoreContext;
  caller: Caller;
  kind: ChatKind;
  input: ChatQueryInput;
  pageSize: number;
}

function chatWithRobot(query: ChatQuery, found: RobotRecord | undefined): Answer<ChatQueryResult> {
  const { ctx, caller, input } = query;
  const robot = usableRobot(caller, input.robotCode as string, 'chatQuery', found);
  const conversationId = input.openConversationId as string;
  const conversation = ctx.store.remembered.conversation(conversationId);
  if (conversation === undefined) {
    return ctx.store.findConversation(conversationId).then((found) => chatInConversation(query, robot, found));
  }
  return chatInConversation(query, robot, conversation);
}

function chatInConversation(query: ChatQuery, robot: RobotRecord, found: ConversationRecord | undefined): Answer<ChatQueryResult> {
  const { ctx, caller, kind, input, pageSize } = query;
  const conversation = callersConversation(caller, input.openConversationId as string, kind, found);
  if (kind === 'group' && !conversation.robotCodes.includes(robot.robotCode)) {
    fail('invalidParameter.robotCode.notExsit', `robot ${robot.robotCode} is not in this group`);
  }
  // The cursor opens before the message is read, so that the message and the page are one store
  // call; whether it belongs to this message is judged after the message, in DingTalk's order.
  const position = input.nextToken ? ctx.cursors.open(input.nextToken) : undefined;
  const afterUserId = position?.afterUserId ?? '';
  const processQueryKey = input.processQueryKey as string;
  const page = ctx.store.remembered.readerPage(processQueryKey, afterUserId, pageSize);
  if (page === undefined) {
    return ctx.store
      .readerPage(processQueryKey, afterUserId, pageSize)
      .then((read) => chatAnswer(query, robot, conversation, position, read));
  }
  return chatAnswer(query, robot, conversation, position, page);
}

function chatAnswer(
  query: ChatQuery,
  robot: RobotRecord,
  conversation: ConversationRecord,
  position: CursorPosition | undefined,
  found: ReaderPage | undefined,
): ChatQueryResult {
  const { ctx, caller, kind, input } = query;
  // The store's page is the answer's as it is: it holds at most the page's size and says whether more follow.
  const now = ctx.clock.now();
  const { message, readerIds, more } = queryable(ctx, caller, found, kind, robot.id, conversation.id, now);
  if (input.nextToken && position?.messageId !== message.id) fail('invalidParameter.cursor.invalid');
  const result: ChatQueryResult = { sendStatus: sendStatusOf(message, now), readUserIds: readerIds, hasMore: more };
  if (more) result.nextToken = ctx.cursors.seal({ messageId: message.id, afterUserId: readerIds.at(-1) as string });
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
  now: number,
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
  if (isExpired(ctx, found.message, now) || sendStatusOf(found.message, now) === 'PROCESSING') fail('processQueryKey.expireTime');
  return found;
}

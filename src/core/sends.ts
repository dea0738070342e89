/** The three robot sends: one-on-one (oto), into a group, into a person-to-person chat. */
import { validateMessage } from './catalog.js';
import type { OtoSendResult } from './answers.js';
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import { newProcessQueryKey } from './ids.js';
import { mediaOfSend } from './media.js';
import { conversationOf, resolveRobot } from './robot-access.js';
import type { MessageKind, MessageRecord, NewMessage } from './store.js';
import type { Caller } from './tokens.js';

export const OTO_MAX_USERS = 20;

export interface OtoSendInput {
  robotCode?: string;
  userIds?: string[];
  msgKey?: string;
  msgParam?: string;
}


export interface ChatSendInput {
  robotCode?: string;
  openConversationId?: string;
  coolAppCode?: string;
  msgKey?: string;
  msgParam?: string;
  /** Group sends only: a legacy group-template-bot token, which dingread has no bots for. */
  token?: string;
}

/** `POST /v1.0/robot/oToMessages/batchSend`. Unknown userIds are reported, not fatal, unless none is valid. */
export async function sendOto(ctx: CoreContext, caller: Caller, input: OtoSendInput): Promise<OtoSendResult> {
  if (!input.robotCode) fail('invalidParameter.robotCode.empty');
  if (!input.userIds || input.userIds.length === 0) fail('invalidParameter.userIds.empty');
  if (input.userIds.length > OTO_MAX_USERS) fail('invalidParameter.userIds.overMax', `${input.userIds.length} userIds`);
  const message = validateMessage(input.msgKey, input.msgParam);
  const robot = await resolveRobot(ctx, caller, input.robotCode, 'send');
  const requested = [...new Set(input.userIds)];
  const known = new Set((await ctx.store.findUsers(caller.orgId, requested)).map((user) => user.userId));
  const recipients = requested.filter((userId) => known.has(userId));
  const invalidStaffIdList = requested.filter((userId) => !known.has(userId));
  if (recipients.length === 0) fail('staffId.notExisted', invalidStaffIdList.join(','));
  const sent = await insert(ctx, caller, 'oto', robot.id, null, message, recipients);
  return { processQueryKey: sent, invalidStaffIdList, flowControlledStaffIdList: [] };
}

/** `POST /v1.0/robot/groupMessages/send`. */
export async function sendGroup(
  ctx: CoreContext,
  caller: Caller,
  input: ChatSendInput,
): Promise<{ processQueryKey: string }> {
  if (!input.robotCode) {
    if (input.token) fail('invalidParameter.invalid');
    fail('invalidParameter.robotCode.empty');
  }
  if (!input.openConversationId) fail('invalidParameter.openConversationId.empty');
  const message = validateMessage(input.msgKey, input.msgParam);
  const robot = await resolveRobot(ctx, caller, input.robotCode, 'send');
  const conversation = await conversationOf(ctx, caller, input.openConversationId, 'group');
  if (input.coolAppCode !== undefined && input.coolAppCode !== conversation.coolAppCode) {
    fail('invalidParameter.robotCode.coolApp', 'coolAppCode is not installed in this group');
  }
  const installedThroughCoolApp = input.coolAppCode !== undefined;
  if (!installedThroughCoolApp && !conversation.robotCodes.includes(robot.robotCode)) {
    fail('resource.unavailable', `robot ${robot.robotCode} is not in group ${conversation.openConversationId}`);
  }
  return { processQueryKey: await insert(ctx, caller, 'group', robot.id, conversation.id, message) };
}

/** `POST /v1.0/robot/privateChatMessages/send`: a robot posts through the chat's cool app. */
export async function sendPrivateChat(
  ctx: CoreContext,
  caller: Caller,
  input: ChatSendInput,
): Promise<{ processQueryKey: string }> {
  if (!input.robotCode) fail('invalidParameter.robotCode.empty');
  if (!input.openConversationId) fail('invalidParameter.openConversationId.empty');
  if (!input.coolAppCode) fail('invalidParameter.robotCode.coolApp', 'coolAppCode is empty');
  const message = validateMessage(input.msgKey, input.msgParam);
  const robot = await resolveRobot(ctx, caller, input.robotCode, 'send');
  const conversation = await conversationOf(ctx, caller, input.openConversationId, 'privateChat');
  if (input.coolAppCode !== conversation.coolAppCode) {
    fail('invalidParameter.robotCode.coolApp', 'coolAppCode does not match this chat');
  }
  return { processQueryKey: await insert(ctx, caller, 'privateChat', robot.id, conversation.id, message) };
}

async function insert(
  ctx: CoreContext,
  caller: Caller,
  kind: MessageKind,
  robotId: number,
  conversationId: number | null,
  message: { msgKey: string; msgParam: string },
  recipients?: string[],
): Promise<string> {
  const mediaIds = await mediaOfSend(ctx, caller, message);
  const sentAt = ctx.clock.now();
  const record: NewMessage = {
    processQueryKey: newProcessQueryKey(ctx.random, robotId, conversationId),
    kind,
    orgId: caller.orgId,
    appId: caller.appId,
    robotId,
    conversationId,
    msgKey: message.msgKey,
    msgParam: message.msgParam,
    sentAt,
    deliveredAt: sentAt + ctx.options.deliveryDelayMs,
  };
  if (recipients) record.recipients = recipients;
  if (mediaIds.length > 0) record.mediaIds = mediaIds;
  const stored = await ctx.store.insertMessage(record);
  emitSent(ctx, stored);
  return stored.processQueryKey;
}

/** The `sent` event of a robot message: sent through the API, or (`via`) a reply to a session webhook. */
export function emitSent(ctx: CoreContext, stored: MessageRecord, via?: 'sessionWebhook'): void {
  if (!ctx.events.active) return;
  ctx.events.emit({
    type: 'sent',
    processQueryKey: stored.processQueryKey,
    kind: stored.kind,
    corpId: stored.corpId,
    robotCode: stored.robotCode,
    ...(stored.openConversationId === null ? {} : { openConversationId: stored.openConversationId }),
    recipientCount: stored.recipientCount,
    sentAt: stored.sentAt,
    ...(via === undefined ? {} : { via }),
  });
}

/**
 * Simulated users speak (control plane: `POST …/chats/{userId}/messages`,
 * `POST /conversations/{id}/messages`), and chats as a phone shows them (the `GET`s).
 *
 * A user writing to a robot one-on-one, or @-mentioning it in a group it is in, makes one Stream
 * callback for the robot (topic `/v1.0/im/bot/messages/get`), with a session webhook to answer
 * through. The message, the chat open it implies (everything delivered to the user there is read)
 * and the deliveries are stored in one unit; then the deliveries are pushed (stream-hub.ts).
 */
import type { DeliveryStatus, SayResult, TimelineItem } from './answers.js';
import type { ChatThread, NewSessionWebhook, TimelineRecord } from './store.js';
import type { CoreContext } from './context.js';
import { chatUserOrNotFound, conversationOrNotFound, robotOrNotFound } from './lookups.js';
import { fail } from './errors.js';
import { callbackContent, fileView } from './media.js';
import { hashToken } from './ids.js';
import { sendStatusOf } from './messages.js';
import { webhookText } from './webhook-robots.js';
import type { ConversationRecord, MediaRecord, MessageRecord, RobotRecord, UserRecord } from './store.js';
import {
  dingtalkId,
  newFrameMessageId,
  newMsgId,
  newSessionToken,
  ROBOT_MESSAGE_TOPIC,
  robotChatConversationId,
} from './stream.js';
import type { DispatchStatus, StreamHub } from './stream-hub.js';
import type { NewDelivery } from './store.js';

export const MAX_TEXT_LENGTH = 5_000;
/** A timeline shows the last this many items. */
export const TIMELINE_LIMIT = 200;
/** Where a session webhook answers; the hub puts the connection's origin in front (docs/stream.md). */
export const SESSION_WEBHOOK_PATH = '/robot/sendBySession';



interface Target {
  robot: RobotRecord;
  mentioned: boolean;
}

interface Said {
  orgId: number;
  corpId: string;
  thread: ChatThread;
  conversation: ConversationRecord | undefined;
  user: UserRecord;
  text: string;
  /** A file the user sends instead of text (docs/media.md). */
  file: MediaRecord | undefined;
  atRobots: string[];
  targets: Target[];
}

/** What a user writes: text, or a file uploaded for users (`POST /orgs/{corpId}/files`) by its id. */
export type SayContent = { text: string } | { fileId: string };

/** The file a user sends: one uploaded for users of the chat's org. */
async function sentFile(ctx: CoreContext, orgId: number, content: SayContent, inGroup: boolean): Promise<MediaRecord | undefined> {
  if (!('fileId' in content)) return undefined;
  const media = await ctx.store.findMedia(content.fileId);
  if (!media || media.orgId !== orgId || media.downloadCode === null) {
    fail('object.notFound', `no file ${content.fileId} uploaded for users of this organization`);
  }
  // DingTalk delivers no voice, video or file @-sent in a group, only pictures (docs/media.md).
  if (inGroup && media.type !== 'image') fail('invalidParameter.param.invalid', `fileId: a robot in a group receives pictures only, not a ${media.type}`);
  return media;
}

async function corpIdOf(ctx: CoreContext, orgId: number): Promise<string> {
  const corpId = await ctx.store.findCorpId(orgId);
  if (corpId === undefined) fail('object.notFound', 'the organization is gone');
  return corpId;
}

/** `POST /robots/{robotCode}/chats/{userId}/messages`: the user writes to the robot one-on-one. */
export async function sayToRobot(ctx: CoreContext, hub: StreamHub, robotCode: string, userId: string, content: SayContent): Promise<SayResult> {
  const robot = await robotOrNotFound(ctx, robotCode);
  const user = await chatUserOrNotFound(ctx, robot.orgId, userId);
  const file = await sentFile(ctx, robot.orgId, content, false);
  return say(ctx, hub, {
    orgId: robot.orgId,
    corpId: await corpIdOf(ctx, robot.orgId),
    thread: { kind: 'robot', robotId: robot.id, userId: user.userId },
    conversation: undefined,
    user,
    text: 'text' in content ? content.text : '',
    file,
    atRobots: [],
    targets: [{ robot, mentioned: true }],
  });
}

/**
 * `POST /conversations/{id}/messages`: a member writes in a group (or a person-to-person chat);
 * each robot of the group hears it only if @-mentioned.
 */
export async function sayInConversation(
  ctx: CoreContext,
  hub: StreamHub,
  openConversationId: string,
  input: { userId: string; atRobots?: string[] } & SayContent,
): Promise<SayResult> {
  const conversation = await conversationOrNotFound(ctx, openConversationId);
  const user = await chatUserOrNotFound(ctx, conversation.orgId, input.userId);
  const file = await sentFile(ctx, conversation.orgId, input, true);
  if (!(await ctx.store.isConversationMember(conversation.id, user.userId))) {
    fail('invalidParameter.param.invalid', `userId: ${user.userId} is not a member of ${openConversationId}`);
  }
  const atRobots = [...new Set(input.atRobots ?? [])];
  for (const robotCode of atRobots) {
    if (!conversation.robotCodes.includes(robotCode)) {
      fail('invalidParameter.param.invalid', `atRobots: robot ${robotCode} is not in ${openConversationId}`);
    }
  }
  const targets: Target[] = [];
  for (const robotCode of conversation.robotCodes) {
    targets.push({ robot: await robotOrNotFound(ctx, robotCode), mentioned: atRobots.includes(robotCode) });
  }
  return say(ctx, hub, {
    orgId: conversation.orgId,
    corpId: await corpIdOf(ctx, conversation.orgId),
    thread: { kind: 'conversation', conversationId: conversation.id },
    conversation,
    user,
    text: 'text' in input ? input.text : '',
    file,
    atRobots,
    targets,
  });
}

async function say(ctx: CoreContext, hub: StreamHub, said: Said): Promise<SayResult> {
  const now = ctx.clock.now();
  const msgId = newMsgId(ctx.random);
  const statuses = new Map<string, DeliveryStatus>();
  const sessions: NewSessionWebhook[] = [];
  const deliveries: NewDelivery[] = [];
  for (const { robot, mentioned } of said.targets) {
    if (!mentioned) {
      statuses.set(robot.robotCode, 'notMentioned');
      continue;
    }
    const route = await hub.routeFor(robot, said.corpId);
    if (!route) {
      statuses.set(robot.robotCode, 'noConnection');
      continue;
    }
    const token = newSessionToken(ctx.random);
    const expiresAt = now + hub.options.sessionWebhookTtlMs;
    sessions.push({
      tokenHash: hashToken(token),
      orgId: robot.orgId,
      robotId: robot.id,
      appId: route.appId,
      conversationId: said.conversation?.id ?? null,
      userId: said.user.userId,
      expiresAt,
    });
    deliveries.push({
      messageId: newFrameMessageId(ctx.random, now),
      clientId: route.clientId,
      topic: ROBOT_MESSAGE_TOPIC,
      robotCode: robot.robotCode,
      msgId,
      data: JSON.stringify(robotMessage(said, robot, msgId, now, `${SESSION_WEBHOOK_PATH}?session=${token}`, expiresAt)),
      createdAt: now,
      dueAt: now + hub.options.redeliveryMs,
    });
  }
  const posted = await ctx.store.postUserMessage({
    orgId: said.orgId,
    thread: said.thread,
    userId: said.user.userId,
    msgId,
    // A file's entry holds the file's id, by which the timeline finds it.
    ...(said.file ? { msgtype: callbackContent(said.file).msgtype, text: said.file.mediaId } : { text: said.text }),
    atRobots: said.atRobots,
    createdAt: now,
    now,
    sessions,
    deliveries,
  });
  const outcomes = await Promise.all(posted.deliveries.map((delivery) => hub.dispatch(delivery)));
  posted.deliveries.forEach((delivery, i) => statuses.set(delivery.robotCode, outcomes[i] as DispatchStatus));
  const result: SayResult = {
    msgId,
    deliveries: said.targets.map(({ robot }) => ({ robotCode: robot.robotCode, status: statuses.get(robot.robotCode) as DeliveryStatus })),
  };
  if (ctx.events.active) {
    const where =
      said.conversation === undefined
        ? { robotCode: (said.targets[0] as Target).robot.robotCode }
        : { openConversationId: said.conversation.openConversationId };
    ctx.events.emit({ type: 'opened', userId: said.user.userId, ...where, marked: posted.marked, at: now });
    ctx.events.emit({
      type: 'userMessage',
      msgId,
      corpId: said.corpId,
      userId: said.user.userId,
      text: said.text,
      ...(said.file ? { fileId: said.file.mediaId } : {}),
      ...where,
      ...(said.atRobots.length > 0 ? { atRobots: said.atRobots } : {}),
      deliveries: result.deliveries,
      createdAt: now,
    });
  }
  return result;
}

/**
 * The callback's data as DingTalk sends it (docs/stream.md has the sources): the group fields
 * (`atUsers`, `conversationTitle`, `isInAtList`) only in groups, where the text keeps the space
 * that DingTalk leaves after removing the @-mention.
 */
function robotMessage(
  said: Said,
  robot: RobotRecord,
  msgId: string,
  createAt: number,
  sessionWebhook: string,
  sessionWebhookExpiredTime: number,
): Record<string, unknown> {
  const { corpId, user, conversation } = said;
  const chatbotUserId = dingtalkId(corpId, `robot\n${robot.robotCode}`);
  return {
    conversationId: conversation ? conversation.openConversationId : robotChatConversationId(robot.robotCode, user.userId),
    ...(conversation ? { atUsers: said.atRobots.map((robotCode) => ({ dingtalkId: dingtalkId(corpId, `robot\n${robotCode}`) })) } : {}),
    chatbotCorpId: corpId,
    chatbotUserId,
    msgId,
    senderNick: user.name,
    isAdmin: false,
    senderStaffId: user.userId,
    sessionWebhookExpiredTime,
    createAt,
    senderCorpId: corpId,
    conversationType: conversation ? '2' : '1',
    senderId: dingtalkId(corpId, `user\n${user.userId}`),
    ...(conversation ? { conversationTitle: conversation.title ?? '', isInAtList: true } : {}),
    sessionWebhook,
    ...(said.file ? fileFields(said.file) : { text: { content: conversation ? ` ${said.text}` : said.text }, msgtype: 'text' }),
    robotCode: robot.robotCode,
  };
}

/** A file's `msgtype` and `content` (DingTalk puts no `text` on these). */
function fileFields(file: MediaRecord): Record<string, unknown> {
  const { msgtype, content } = callbackContent(file);
  return { content, msgtype };
}

// ------------------------------------------------------------------ timelines

/** `GET /robots/{robotCode}/chats/{userId}/messages`. */
export async function robotChatTimeline(ctx: CoreContext, robotCode: string, userId: string): Promise<{ items: TimelineItem[] }> {
  const robot = await robotOrNotFound(ctx, robotCode);
  const user = await chatUserOrNotFound(ctx, robot.orgId, userId);
  return timeline(ctx, { kind: 'robot', robotId: robot.id, userId: user.userId });
}

/** `GET /conversations/{openConversationId}/messages`. */
export async function conversationTimeline(ctx: CoreContext, openConversationId: string): Promise<{ items: TimelineItem[] }> {
  const conversation = await conversationOrNotFound(ctx, openConversationId);
  return timeline(ctx, { kind: 'conversation', conversationId: conversation.id });
}

async function timeline(ctx: CoreContext, thread: ChatThread): Promise<{ items: TimelineItem[] }> {
  const records = await ctx.store.chatTimeline(thread, TIMELINE_LIMIT);
  // One instant for the whole timeline, at which every message's send status is judged.
  const now = ctx.clock.now();
  const items: TimelineItem[] = [];
  for (const record of records) items.push(await timelineItem(ctx, thread, record, now));
  return { items };
}

async function timelineItem(ctx: CoreContext, thread: ChatThread, record: TimelineRecord, now: number): Promise<TimelineItem> {
  if (record.kind === 'user') {
    // A file's entry holds the file's id (say); a file purged since shows as sent, without its file.
    const file = record.msgtype === 'text' ? undefined : await ctx.store.findMedia(record.content);
    return {
      msgId: record.msgId,
      from: { userId: record.userId },
      text: record.msgtype === 'text' ? record.content : (file?.fileName ?? ''),
      msgKey: null,
      createdAt: record.createdAt,
      via: 'user',
      ...(record.atRobots.length > 0 ? { atRobots: record.atRobots } : {}),
      ...(file ? { files: [fileView(file)] } : {}),
    };
  }
  if (record.kind === 'webhook') {
    const content = JSON.parse(record.content) as Record<string, unknown>;
    // No read status: nothing can ask it of a webhook robot's message (docs/webhook-robot.md).
    return {
      msgId: record.msgId,
      from: { webhookRobot: record.robotName },
      text: webhookText(record.msgtype, content),
      msgKey: null,
      createdAt: record.createdAt,
      via: 'webhook',
      ...(record.at === null ? {} : { at: record.at }),
      msgtype: record.msgtype,
      content,
    };
  }
  const { message } = record;
  const item: TimelineItem = {
    msgId: message.processQueryKey,
    from: { robotCode: message.robotCode },
    text: messageText(message),
    msgKey: message.msgKey,
    createdAt: message.sentAt,
    via: record.via,
    processQueryKey: message.processQueryKey,
    msgParam: message.msgParam,
    ...(record.at === null ? {} : { at: record.at }),
    sendStatus: sendStatusOf(message, now),
    recipientCount: message.recipientCount,
  };
  const files = await ctx.store.messageMedia(message);
  if (files.length > 0) item.files = files.map(fileView);
  if (thread.kind === 'robot') {
    // A message purged since the timeline was read has no readers left.
    const reads = (await ctx.store.recipientReads(message.processQueryKey))?.recipients ?? [];
    item.readAt = reads.find((read) => read.userId === thread.userId)?.readAt ?? null;
    item.readCount = reads.filter((read) => read.readAt !== null).length;
  } else {
    item.readCount = await ctx.store.countReaders(message);
  }
  return item;
}

/** What a phone shows of a robot message: its content, text or title, by its template's keys. */
export function messageText(message: Pick<MessageRecord, 'msgParam'>): string {
  try {
    const params = JSON.parse(message.msgParam) as Record<string, unknown>;
    for (const key of ['content', 'text', 'title']) {
      const value = params[key];
      if (typeof value === 'string') return value;
    }
  } catch {
    // a msgParam is always JSON (catalog.ts checks it); nothing to show otherwise
  }
  return '';
}

/** Read events from the control plane: single reads, and opening a chat (reading all of it). */
import type { CoreContext } from './context.js';
import { chatUserOrNotFound, conversationOrNotFound, robotOrNotFound } from './lookups.js';
import type { ChatRef, ReadsOutcome } from './store.js';

export const MAX_READS_PER_CALL = 10_000;

export interface ReadItem {
  processQueryKey: string;
  userId: string;
  readAt?: number;
}

/**
 * Records reads; a read by a non-recipient, of an unknown or recalled message, is ignored with a
 * reason and the rest are applied. A repeated read keeps its first time.
 */
export async function recordReads(ctx: CoreContext, reads: ReadItem[]): Promise<ReadsOutcome> {
  const now = ctx.clock.now();
  const outcome = await ctx.store.recordReads(
    reads.map((read) => ({ processQueryKey: read.processQueryKey, userId: read.userId, readAt: read.readAt ?? now })),
    now,
  );
  if (ctx.events.active) emitReads(ctx, reads, outcome, now);
  return outcome;
}

/** One `read` event per message, naming the users whose reads were accepted. */
function emitReads(ctx: CoreContext, reads: ReadItem[], outcome: ReadsOutcome, now: number): void {
  const ignored = new Set(outcome.ignored.map((item) => item.index));
  const byMessage = new Map<string, Set<string>>();
  reads.forEach((read, index) => {
    if (ignored.has(index)) return;
    let users = byMessage.get(read.processQueryKey);
    if (!users) byMessage.set(read.processQueryKey, (users = new Set()));
    users.add(read.userId);
  });
  for (const [processQueryKey, users] of byMessage) {
    ctx.events.emit({ type: 'read', processQueryKey, userIds: [...users], at: now });
  }
}

/** `POST /_dingread/v1/conversations/{id}/read`: the user opens a group or person-to-person chat. */
export async function openConversation(
  ctx: CoreContext,
  openConversationId: string,
  userId: string,
  readAt?: number,
): Promise<{ marked: number }> {
  const conversation = await conversationOrNotFound(ctx, openConversationId);
  const result = await open(ctx, conversation.orgId, { kind: 'conversation', conversationId: conversation.id }, userId, readAt);
  if (ctx.events.active) {
    ctx.events.emit({ type: 'opened', userId, openConversationId, ...result, at: ctx.clock.now() });
  }
  return result;
}

/** `POST /_dingread/v1/robots/{robotCode}/chats/{userId}/read`: the user opens their chat with a robot. */
export async function openRobotChat(
  ctx: CoreContext,
  robotCode: string,
  userId: string,
  readAt?: number,
): Promise<{ marked: number }> {
  const robot = await robotOrNotFound(ctx, robotCode);
  const result = await open(ctx, robot.orgId, { kind: 'robot', robotId: robot.id }, userId, readAt);
  if (ctx.events.active) {
    ctx.events.emit({ type: 'opened', userId, robotCode, ...result, at: ctx.clock.now() });
  }
  return result;
}

async function open(
  ctx: CoreContext,
  orgId: number,
  chat: ChatRef,
  userId: string,
  readAt: number | undefined,
): Promise<{ marked: number }> {
  await chatUserOrNotFound(ctx, orgId, userId);
  const now = ctx.clock.now();
  const marked = await ctx.store.openChat(orgId, chat, userId, readAt ?? now, now);
  return { marked };
}

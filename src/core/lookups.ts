/** The control plane's lookups by public id: the record, or `object.notFound` naming what is missing. */
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import type { ConversationRecord, RobotRecord, UserRecord } from './store.js';

export async function robotOrNotFound(ctx: CoreContext, robotCode: string): Promise<RobotRecord> {
  const robot = await ctx.store.findRobot(robotCode);
  if (!robot) fail('object.notFound', `no robot ${robotCode}`);
  return robot;
}

export async function conversationOrNotFound(ctx: CoreContext, openConversationId: string): Promise<ConversationRecord> {
  const conversation = await ctx.store.findConversation(openConversationId);
  if (!conversation) fail('object.notFound', `no conversation ${openConversationId}`);
  return conversation;
}

/** A user of the org the chat belongs to. */
export async function chatUserOrNotFound(ctx: CoreContext, orgId: number, userId: string): Promise<UserRecord> {
  const [user] = await ctx.store.findUsers(orgId, [userId]);
  if (!user) fail('object.notFound', `no user ${userId} in the chat's organization`);
  return user;
}

/** The chat a robot request names: the caller's conversation of the kind the endpoint serves. */
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import type { ChatKind, ConversationRecord } from './store.js';
import type { Caller } from './tokens.js';

/**
 * The caller's conversation of the given kind. One of another org, or of the other kind, answers
 * like one that does not exist, as robot-access.ts answers for robots: no org learns of another's.
 */
export async function conversationOf(
  ctx: CoreContext,
  caller: Caller,
  openConversationId: string,
  kind: ChatKind,
): Promise<ConversationRecord> {
  const conversation = await ctx.store.findConversation(openConversationId);
  if (!conversation || conversation.orgId !== caller.orgId || conversation.type !== kind) {
    fail('invalid.openConversationId', `no ${kind === 'group' ? 'group' : 'private'} conversation ${openConversationId}`);
  }
  return conversation;
}

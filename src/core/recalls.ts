/** The three recalls. Each key succeeds or fails on its own; the call fails only on bad input. */
import type { RecallResult } from './answers.js';
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import { isExpired } from './messages.js';
import { conversationOf, resolveRobot } from './robot-access.js';
import type { MessageKind } from './store.js';
import type { Caller } from './tokens.js';

/** DingTalk documents 20 keys a call for oto; for chats it documents none, and dingread takes 100. */
export const RECALL_MAX_KEYS: Record<MessageKind, number> = { oto: 20, group: 100, privateChat: 100 };

export interface RecallInput {
  robotCode?: string;
  openConversationId?: string;
  processQueryKeys?: string[];
}


export async function recall(
  ctx: CoreContext,
  caller: Caller,
  kind: MessageKind,
  input: RecallInput,
): Promise<RecallResult> {
  if (!input.robotCode) fail('invalidParameter.robotCode.empty');
  if (kind !== 'oto' && !input.openConversationId) fail('invalidParameter.openConversationId.empty');
  const keys = input.processQueryKeys;
  if (!keys || keys.length === 0) fail('invalidParameter.processQueryKeys.empty');
  if (keys.length > RECALL_MAX_KEYS[kind]) {
    fail('invalidParameter.processQueryKeys.overMax', `at most ${RECALL_MAX_KEYS[kind]} keys a call`);
  }
  const robot = await resolveRobot(ctx, caller, input.robotCode, 'recall');
  const conversation = kind === 'oto' ? undefined : await conversationOf(ctx, caller, input.openConversationId as string, kind);
  const result: RecallResult = { successResult: [], failedResult: {} };
  for (const key of new Set(keys)) {
    const message = await ctx.store.findMessage(key);
    const matches =
      message !== undefined &&
      message.orgId === caller.orgId &&
      message.kind === kind &&
      message.robotId === robot.id &&
      message.conversationId === (conversation?.id ?? null);
    if (!matches) {
      result.failedResult[key] = 'invalid.processQueryKey';
    } else if (message.recalledAt === null && isExpired(ctx, message, ctx.clock.now())) {
      result.failedResult[key] = 'processQueryKey.expireTime';
    } else {
      // Recalling twice is harmless: the message keeps its first recall.
      const first = message.recalledAt === null;
      const at = ctx.clock.now();
      await ctx.store.recallMessage(message, at);
      result.successResult.push(key);
      if (first && ctx.events.active) {
        ctx.events.emit({
          type: 'recalled',
          processQueryKey: key,
          corpId: message.corpId,
          robotCode: message.robotCode,
          recalledAt: at,
        });
      }
    }
  }
  return result;
}

/**
 * Which robot, and which conversation, a robot API request may use, and the DingTalk error when it
 * may not. The same situation has different codes on different endpoints (each endpoint's
 * documented table), so the caller says which family of endpoint it serves. docs/errors.md has the
 * whole table.
 */
import type { CoreContext } from './context.js';
import { fail, type ErrorCode } from './errors.js';
import type { ChatKind, ConversationRecord, RobotRecord } from './store.js';
import type { Caller } from './tokens.js';

export type RobotUse = 'send' | 'recall' | 'otoQuery' | 'chatQuery';

const UNKNOWN: Record<RobotUse, ErrorCode> = {
  send: 'invalidParameter.robotCode.notExsit',
  recall: 'invalidParameter.robotCode.notExsit',
  otoQuery: 'invalidParameter.robotCode.invalid',
  chatQuery: 'invalidParameter.robotCode.invalid',
};

const NOT_OWNER: Record<RobotUse, ErrorCode> = {
  send: 'invalidParameter.robotCode.auth',
  recall: 'invalidParameter.robotCode.auth',
  otoQuery: 'invalidParameter.robotCode.notExsit',
  chatQuery: 'auth.error',
};

export async function resolveRobot(
  ctx: CoreContext,
  caller: Caller,
  robotCode: string,
  use: RobotUse,
): Promise<RobotRecord> {
  return usableRobot(caller, robotCode, use, await ctx.store.findRobot(robotCode));
}

/**
 * The checks of resolveRobot on a robot already looked up (undefined when there is none):
 * the read-status queries take it from the store's memory when they can (core/queries.ts).
 */
export function usableRobot(caller: Caller, robotCode: string, use: RobotUse, robot: RobotRecord | undefined): RobotRecord {
  // A robot of another org answers exactly like one that does not exist: no org learns of another's.
  if (!robot || robot.orgId !== caller.orgId) fail(UNKNOWN[use], `no robot ${robotCode} in this organization`);
  if (!mayUse(caller, robot)) fail(NOT_OWNER[use], `robot ${robotCode} belongs to another app`);
  if (use === 'recall') return robot;
  // readStatus documents no bot.stopped: a stopped robot's one-on-one messages stay queryable.
  if (robot.status === 'stopped' && use !== 'otoQuery') fail('bot.stopped');
  if (robot.templateStatus === 'missing') fail('template.not.existed');
  if (robot.templateStatus === 'stopped') fail('template.stopped');
  return robot;
}

/**
 * A suite uses only the robots it owns; an internal app uses the org's robots that no suite owns,
 * except those another app owns. (The check that the robot is in the caller's org comes first.)
 */
function mayUse(caller: Caller, robot: RobotRecord): boolean {
  if (caller.suiteKey !== null) return robot.ownerSuiteKey === caller.suiteKey;
  return robot.ownerSuiteKey === null && (robot.ownerAppKey === null || robot.ownerAppKey === caller.appKey);
}

/**
 * The caller's conversation of the given kind. One of another org, or of the other kind, answers
 * like one that does not exist, as a robot of another org does: no org learns of another's.
 */
export async function conversationOf(
  ctx: CoreContext,
  caller: Caller,
  openConversationId: string,
  kind: ChatKind,
): Promise<ConversationRecord> {
  return callersConversation(caller, openConversationId, kind, await ctx.store.findConversation(openConversationId));
}

/** The check of conversationOf on a conversation already looked up, as usableRobot. */
export function callersConversation(
  caller: Caller,
  openConversationId: string,
  kind: ChatKind,
  conversation: ConversationRecord | undefined,
): ConversationRecord {
  if (!conversation || conversation.orgId !== caller.orgId || conversation.type !== kind) {
    fail('invalid.openConversationId', `no ${kind === 'group' ? 'group' : 'private'} conversation ${openConversationId}`);
  }
  return conversation;
}

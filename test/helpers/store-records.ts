/**
 * Records the store tests insert directly (no HTTP, no core): a group message of a seeded robot
 * into a seeded group, delivered when it was sent.
 */
import type { NewMessage } from '../../src/core/store.js';

/** The ids a group message points at. */
export interface GroupMessageIds {
  org: { id: number };
  app: { id: number };
  robot: { id: number };
  conversation: { id: number };
}

export function groupMessageRecord(ids: GroupMessageIds, processQueryKey: string, sentAt = 10): NewMessage {
  return {
    processQueryKey,
    kind: 'group',
    orgId: ids.org.id,
    appId: ids.app.id,
    robotId: ids.robot.id,
    conversationId: ids.conversation.id,
    msgKey: 'sampleText',
    msgParam: '{"content":"x"}',
    sentAt,
    deliveredAt: sentAt,
  };
}

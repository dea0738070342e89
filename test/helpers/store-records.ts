/**
 * Records the store tests insert directly (no HTTP, no core): a group message of a seeded robot
 * into a seeded group, delivered when it was sent; and the read-status answers for a message the
 * test knows exists.
 */
import type { MessageRecord, NewMessage, RecipientRead, Store } from '../../src/core/store.js';

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

/** One page of the message's readers (the store's readerPage gives the message back too). */
export async function readerIdsOf(store: Store, message: MessageRecord, after = '', limit = 1000): Promise<string[]> {
  const found = await store.readerPage(message.processQueryKey, after, limit);
  if (!found) throw new Error(`message ${message.processQueryKey} not found`);
  return found.readerIds;
}

/** The message's recipients with their read times (the store's recipientReads gives the message back too). */
export async function recipientsOf(store: Store, message: MessageRecord): Promise<RecipientRead[]> {
  const found = await store.recipientReads(message.processQueryKey);
  if (!found) throw new Error(`message ${message.processQueryKey} not found`);
  return found.recipients;
}

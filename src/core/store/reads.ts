/** The store contract for reads and chat opens, and the read-status answers built from them. */
import type { MessageRecord } from './messages.js';

export interface RecipientRead {
  userId: string;
  name: string;
  readAt: number | null;
}

export interface ReadInput {
  processQueryKey: string;
  userId: string;
  readAt: number;
}

export type ReadIgnoredReason =
  | 'message.notFound'
  | 'message.recalled'
  | 'user.notRecipient'
  /** The message has not been delivered yet (a delivery delay keeps it PROCESSING). */
  | 'message.notDelivered';

export interface ReadsOutcome {
  accepted: number;
  ignored: Array<{ index: number; reason: ReadIgnoredReason }>;
}

/** Whose chat is being opened: a conversation, or a user's one-on-one chat with a robot. */
export type ChatRef = { kind: 'conversation'; conversationId: number } | { kind: 'robot'; robotId: number };

export interface ReadStore {
  /**
   * Applies reads, first read wins. `now` is the server's time, against which delivery is judged:
   * a message delivered after it is not read yet (left out, every message counts as delivered).
   */
  recordReads(reads: ReadInput[], now?: number): Promise<ReadsOutcome>;
  /**
   * The user has read everything of that chat delivered to them by `now` (left out: everything):
   * one write, however many messages it covers. Returns how many unread messages it marked.
   */
  openChat(orgId: number, chat: ChatRef, userId: string, readAt: number, now?: number): Promise<number>;
  /** Readers of the message with a userId above `afterUserId`, in userId order, at most `limit`. */
  readerPage(message: MessageRecord, afterUserId: string, limit: number): Promise<string[]>;
  /** Every recipient with the time of their first read, in send order (oto) or userId order. */
  recipientReads(message: MessageRecord): Promise<RecipientRead[]>;
  countReaders(message: MessageRecord): Promise<number>;
}

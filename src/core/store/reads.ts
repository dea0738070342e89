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

/** A message as the store has it now, with one page of the users who have read it. */
export interface ReaderPage {
  message: MessageRecord;
  /** In userId order (code-point order, as UTF-8 bytes sort), at most the page's size. */
  readerIds: string[];
  /** Whether more readers follow the page: the store reads one more than it gives to know. */
  more: boolean;
}

/** A message as the store has it now, with its recipients: in send order (oto) or userId order. */
export interface MessageRecipients {
  message: MessageRecord;
  recipients: RecipientRead[];
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
  /**
   * What a chat query reads, in one unit: the message the key names (undefined if none does) and
   * its readers with a userId above `afterUserId`, in userId order, at most `limit`, and whether
   * more follow. The query hands the page out as it is, so the store makes it once, not per call.
   */
  readerPage(processQueryKey: string, afterUserId: string, limit: number): Promise<ReaderPage | undefined>;
  /** The message the key names (undefined if none does) and every recipient with the time of their first read. */
  recipientReads(processQueryKey: string): Promise<MessageRecipients | undefined>;
  /** How many of the message's recipients have read it (a listing's count, message by message). */
  countReaders(message: MessageRecord): Promise<number>;
}

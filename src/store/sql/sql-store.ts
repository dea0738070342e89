/**
 * The Store methods, once for every SQL backend: each runs one unit of work from sql/logic.ts
 * through the backend's `unit`, which opens a transaction, feeds the statements to its driver,
 * commits, and translates driver errors into the core's (StoreConflictError, StoreUnavailableError).
 */
import { randomBytes } from 'node:crypto';
import type {
  AppRecord,
  AuthorizationRecord,
  SuitePlan,
  SuiteRecord,
  SuiteTokenRecord,
  ChatRef,
  ConversationRecord,
  DirectoryDump,
  MessageFilter,
  MessageRecord,
  NewMessage,
  OrgPlan,
  OrgRecord,
  ReadInput,
  ReadsOutcome,
  RecipientRead,
  RobotRecord,
  Store,
  StoreCapabilities,
  StoreKind,
  TokenRecord,
  UserRecord,
} from '../../core/store.js';
import * as logic from './logic.js';
import { OPEN_END } from './rows.js';
import type { UnitMode, Work } from './unit.js';

export abstract class SqlStore implements Store {
  abstract readonly kind: StoreKind;
  abstract readonly capabilities: StoreCapabilities;

  /**
   * Runs the unit `make()` builds in one transaction. `make` may be called again when the
   * backend retries a transaction it had to abandon (a deadlock), so it must build a fresh one.
   */
  protected abstract unit<T>(mode: UnitMode, make: () => Work<T>): Promise<T>;
  abstract close(): Promise<void>;

  serverSecret(): Promise<Buffer> {
    return this.unit('write', () => logic.serverSecret(randomBytes(32)));
  }
  reset(): Promise<void> {
    return this.unit('write', () => logic.reset());
  }
  applyFixture(plans: OrgPlan[], suites: SuitePlan[] = []): Promise<void> {
    return this.unit('write', () => logic.applyFixture(plans, suites));
  }
  dumpDirectory(): Promise<DirectoryDump> {
    return this.unit('read', () => logic.dumpDirectory());
  }
  findOrg(corpId: string): Promise<OrgRecord | undefined> {
    return this.unit('read', () => logic.findOrg(corpId));
  }
  findApp(appKey: string): Promise<AppRecord | undefined> {
    return this.unit('read', () => logic.findApp(appKey));
  }
  findRobot(robotCode: string): Promise<RobotRecord | undefined> {
    return this.unit('read', () => logic.findRobot(robotCode));
  }
  findConversation(openConversationId: string): Promise<ConversationRecord | undefined> {
    return this.unit('read', () => logic.findConversation(openConversationId));
  }
  findUsers(orgId: number, userIds: string[]): Promise<UserRecord[]> {
    return this.unit('read', () => logic.findUsers(orgId, userIds));
  }
  findSuite(suiteKey: string): Promise<SuiteRecord | undefined> {
    return this.unit('read', () => logic.findSuite(suiteKey));
  }
  setSuiteTicket(suiteKey: string, ticketHash: string): Promise<boolean> {
    return this.unit('write', () => logic.setSuiteTicket(suiteKey, ticketHash));
  }
  findAuthorization(suiteKey: string, corpId: string): Promise<AuthorizationRecord | undefined> {
    return this.unit('read', () => logic.findAuthorization(suiteKey, corpId));
  }
  revokeAuthorization(suiteKey: string, corpId: string): Promise<boolean> {
    return this.unit('write', () => logic.revokeAuthorization(suiteKey, corpId));
  }
  saveSuiteToken(suiteId: number, generation: number, tokenHash: string, expiresAt: number): Promise<void> {
    return this.unit('write', () => logic.saveSuiteToken(suiteId, generation, tokenHash, expiresAt));
  }
  findSuiteToken(tokenHash: string): Promise<SuiteTokenRecord | undefined> {
    return this.unit('read', () => logic.findSuiteToken(tokenHash));
  }
  saveAppToken(appId: number, generation: number, tokenHash: string, expiresAt: number): Promise<void> {
    return this.unit('write', () => logic.saveAppToken(appId, generation, tokenHash, expiresAt));
  }
  findToken(tokenHash: string): Promise<TokenRecord | undefined> {
    return this.unit('read', () => logic.findToken(tokenHash));
  }
  insertMessage(message: NewMessage): Promise<MessageRecord> {
    return this.unit('write', () => logic.insertMessage(message));
  }
  findMessage(processQueryKey: string): Promise<MessageRecord | undefined> {
    return this.unit('read', () => logic.findMessage(processQueryKey));
  }
  recallMessage(messageId: number, at: number): Promise<void> {
    return this.unit('write', () => logic.recallMessage(messageId, at));
  }
  listMessages(filter: MessageFilter, limit: number): Promise<MessageRecord[]> {
    return this.unit('read', () => logic.listMessages(filter, limit));
  }
  recordReads(reads: ReadInput[], now: number = OPEN_END): Promise<ReadsOutcome> {
    return this.unit('write', () => logic.recordReads(reads, now));
  }
  openChat(orgId: number, chat: ChatRef, userId: string, readAt: number, now: number = OPEN_END): Promise<number> {
    return this.unit('write', () => logic.openChat(orgId, chat, userId, readAt, now));
  }
  readerPage(message: MessageRecord, afterUserId: string, limit: number): Promise<string[]> {
    return this.unit('read', () => logic.readerPage(message, afterUserId, limit));
  }
  recipientReads(message: MessageRecord): Promise<RecipientRead[]> {
    return this.unit('read', () => logic.recipientReads(message));
  }
  countReaders(message: MessageRecord): Promise<number> {
    return this.unit('read', () => logic.countReaders(message));
  }
  purgeMessagesBefore(cutoff: number, batchSize: number): Promise<number> {
    return this.unit('write', () => logic.purgeMessagesBefore(cutoff, batchSize));
  }
}

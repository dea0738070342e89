/** The Store methods, once for every SQL backend: each runs one unit of work of the aggregate's rules file. */
/*
 * The rules live in one file per aggregate of the contract (directory.ts, tokens.ts, messages.ts,
 * reads.ts, retention.ts, chats.ts, stream.ts, and store-wide.ts for what belongs to the whole
 * store). Each method runs
 * its unit through the backend's `unit`, which opens a transaction, feeds the statements to its
 * driver, commits, and translates driver errors into the core's (StoreConflictError,
 * StoreUnavailableError).
 */
import { randomBytes } from 'node:crypto';
import type { Bus } from '../../core/bus.js';
import type {
  AppRecord,
  AuthorizationRecord,
  SuitePlan,
  SuiteRecord,
  SuiteTokenRecord,
  ChatRef,
  ChatThread,
  ConnectionRecord,
  ConversationRecord,
  DeliveryRecord,
  DirectoryDump,
  DueQuery,
  LocalCaRecord,
  MessageFilter,
  MessageRecord,
  NewMessage,
  NewReply,
  NewTicket,
  NewUserMessage,
  OrgPlan,
  OrgRecord,
  ReadInput,
  ReadsOutcome,
  MessageRecipients,
  ReaderPage,
  RobotRecord,
  SessionWebhookRecord,
  Store,
  StoreCapabilities,
  StoreKind,
  TicketRecord,
  TimelineRecord,
  TokenRecord,
  UserRecord,
} from '../../core/store.js';
import * as chatRules from './chats.js';
import * as directoryRules from './directory.js';
import { ANSWER_CACHE_SIZE, BusInvalidation, LOOKUP_CACHE_SIZE, LookupCache, type CacheArea, type Invalidation } from './lookup-cache.js';
import * as messageRules from './messages.js';
import * as readRules from './reads.js';
import * as retentionRules from './retention.js';
import { OPEN_END } from './rows.js';
import * as storeWideRules from './store-wide.js';
import * as streamRules from './stream.js';
import * as tokenRules from './tokens.js';
import type { UnitMode, Work } from './unit.js';

export abstract class SqlStore implements Store {
  abstract readonly kind: StoreKind;
  abstract readonly capabilities: StoreCapabilities;
  abstract readonly bus: Bus;

  /**
   * Runs the unit `make()` builds in one transaction. `make` may be called again when the
   * backend retries a transaction it had to abandon (a deadlock), so it must build a fresh one.
   */
  protected abstract unit<T>(mode: UnitMode, make: () => Work<T>): Promise<T>;
  abstract close(): Promise<void>;

  /** Lookups kept in memory (lookup-cache.ts). */
  private lookups: LookupCache | null | undefined;
  /** How the other nodes hear of this one's writes, when the store is shared. */
  private sharing: BusInvalidation | undefined;

  /** Whether to keep lookups in memory. */
  protected keepsLookups(): boolean {
    return true;
  }

  private cache(): LookupCache | null {
    // Decided on first use: subclasses set their capabilities in their constructors.
    if (this.lookups === undefined) {
      const shared = this.capabilities.sharedAcrossProcesses;
      this.lookups = this.keepsLookups() ? new LookupCache(LOOKUP_CACHE_SIZE, ANSWER_CACHE_SIZE, !shared) : null;
      if (this.lookups && shared) this.sharing = new BusInvalidation(this.lookups, this.bus);
    }
    return this.lookups;
  }

  /** A lookup through the cache; `mode` is 'read' for the few whose rules take more than one statement. */
  private cached<T extends object>(area: CacheArea, key: string, make: () => Work<T | undefined>, mode: UnitMode = 'statement'): Promise<T | undefined> {
    const load = (): Promise<T | undefined> => this.unit(mode, make);
    const cache = this.cache();
    return cache ? cache.lookup(area, key, load) : load();
  }

  /** A write, and what it may have changed dropped from the cache once it is done, whatever its outcome. */
  private write<T>(changes: Invalidation, make: () => Work<T>): Promise<T> {
    const cache = this.cache();
    if (!cache || changes === 'none') return this.unit('write', make);
    const done = this.unit('write', make);
    cache.invalidate(changes);
    return done.finally(() => {
      cache.invalidate(changes);
      this.sharing?.written(changes);
    });
  }

  // The whole store
  serverSecret(): Promise<Buffer> {
    return this.write('all', () => storeWideRules.serverSecret(randomBytes(32)));
  }
  findLocalCa(): Promise<LocalCaRecord | undefined> {
    return this.unit('statement', () => storeWideRules.findLocalCa());
  }
  keepLocalCa(candidate: LocalCaRecord): Promise<LocalCaRecord> {
    // Nothing cached depends on it.
    return this.write('none', () => storeWideRules.keepLocalCa(candidate));
  }
  readNote(key: string): Promise<string | undefined> {
    return this.unit('statement', () => storeWideRules.readNote(key));
  }
  writeNote(key: string, value: string): Promise<void> {
    return this.write('none', () => storeWideRules.writeNote(key, value));
  }
  reset(): Promise<void> {
    return this.write('all', () => storeWideRules.reset());
  }

  // Directory
  applyFixture(plans: OrgPlan[], suites: SuitePlan[] = []): Promise<void> {
    return this.write('all', () => directoryRules.applyFixture(plans, suites));
  }
  dumpDirectory(): Promise<DirectoryDump> {
    return this.unit('read', () => directoryRules.dumpDirectory());
  }
  findOrg(corpId: string): Promise<OrgRecord | undefined> {
    return this.unit('statement', () => directoryRules.findOrg(corpId));
  }
  findApp(appKey: string): Promise<AppRecord | undefined> {
    return this.unit('statement', () => directoryRules.findApp(appKey));
  }
  findRobot(robotCode: string): Promise<RobotRecord | undefined> {
    return this.cached('directory', `robot\n${robotCode}`, () => directoryRules.findRobot(robotCode));
  }
  findConversation(openConversationId: string): Promise<ConversationRecord | undefined> {
    return this.cached('directory', `conversation\n${openConversationId}`, () => directoryRules.findConversation(openConversationId), 'read');
  }
  findUsers(orgId: number, userIds: string[]): Promise<UserRecord[]> {
    return this.unit('read', () => directoryRules.findUsers(orgId, userIds));
  }

  // Tokens and suites
  findSuite(suiteKey: string): Promise<SuiteRecord | undefined> {
    return this.unit('statement', () => tokenRules.findSuite(suiteKey));
  }
  setSuiteTicket(suiteKey: string, ticketHash: string): Promise<boolean> {
    return this.write('all', () => tokenRules.setSuiteTicket(suiteKey, ticketHash));
  }
  findAuthorization(suiteKey: string, corpId: string): Promise<AuthorizationRecord | undefined> {
    return this.unit('statement', () => tokenRules.findAuthorization(suiteKey, corpId));
  }
  revokeAuthorization(suiteKey: string, corpId: string): Promise<boolean> {
    return this.write('all', () => tokenRules.revokeAuthorization(suiteKey, corpId));
  }
  saveSuiteToken(suiteId: number, generation: number, tokenHash: string, expiresAt: number): Promise<void> {
    return this.write('all', () => tokenRules.saveSuiteToken(suiteId, generation, tokenHash, expiresAt));
  }
  findSuiteToken(tokenHash: string): Promise<SuiteTokenRecord | undefined> {
    return this.unit('statement', () => tokenRules.findSuiteToken(tokenHash));
  }
  saveAppToken(appId: number, generation: number, tokenHash: string, expiresAt: number): Promise<void> {
    return this.write('all', () => tokenRules.saveAppToken(appId, generation, tokenHash, expiresAt));
  }
  findToken(tokenHash: string): Promise<TokenRecord | undefined> {
    return this.cached('directory', `token\n${tokenHash}`, () => tokenRules.findToken(tokenHash));
  }

  // Messages
  insertMessage(message: NewMessage): Promise<MessageRecord> {
    return this.write('none', () => messageRules.insertMessage(message));
  }
  findMessage(processQueryKey: string): Promise<MessageRecord | undefined> {
    return this.cached('messages', processQueryKey, () => messageRules.findMessage(processQueryKey));
  }
  recallMessage(messageId: number, at: number): Promise<void> {
    return this.write('messages', () => messageRules.recallMessage(messageId, at));
  }
  listMessages(filter: MessageFilter, limit: number): Promise<MessageRecord[]> {
    return this.unit('statement', () => messageRules.listMessages(filter, limit));
  }
  countMessages(filter: MessageFilter): Promise<number> {
    return this.unit('statement', () => messageRules.countMessages(filter));
  }

  // Reads and opens
  recordReads(reads: ReadInput[], now: number = OPEN_END): Promise<ReadsOutcome> {
    return this.write('answers', () => readRules.recordReads(reads, now));
  }
  openChat(orgId: number, chat: ChatRef, userId: string, readAt: number, now: number = OPEN_END): Promise<number> {
    return this.write('answers', () => readRules.openChat(orgId, chat, userId, readAt, now));
  }
  readerPage(processQueryKey: string, afterUserId: string, limit: number): Promise<ReaderPage | undefined> {
    // The key names the answer: a recall, a purge or a reset drops every answer anyway.
    return this.cached('answers', `page\n${processQueryKey}\n${afterUserId}\n${limit}`, () =>
      readRules.readerPage(processQueryKey, afterUserId, limit),
    );
  }
  recipientReads(processQueryKey: string): Promise<MessageRecipients | undefined> {
    return this.cached('answers', `recipients\n${processQueryKey}`, () => readRules.recipientReads(processQueryKey));
  }
  countReaders(message: MessageRecord): Promise<number> {
    return this.unit('read', () => readRules.countReaders(message));
  }

  // Retention
  purgeMessagesBefore(cutoff: number, batchSize: number): Promise<number> {
    return this.write('messages', () => retentionRules.purgeMessagesBefore(cutoff, batchSize));
  }

  // Chats as users see them
  findCorpId(orgId: number): Promise<string | undefined> {
    return this.unit('statement', () => chatRules.findCorpId(orgId));
  }
  isConversationMember(conversationId: number, userId: string): Promise<boolean> {
    return this.unit('statement', () => chatRules.isConversationMember(conversationId, userId));
  }
  postUserMessage(message: NewUserMessage): Promise<{ marked: number; deliveries: DeliveryRecord[] }> {
    // It opens a chat: the read-status answers may change, as with openChat.
    return this.write('answers', () => chatRules.postUserMessage(message));
  }
  findSessionWebhook(tokenHash: string): Promise<SessionWebhookRecord | undefined> {
    return this.unit('statement', () => chatRules.findSessionWebhook(tokenHash));
  }
  postReply(reply: NewReply): Promise<MessageRecord> {
    return this.write('none', () => chatRules.postReply(reply));
  }
  chatTimeline(thread: ChatThread, limit: number): Promise<TimelineRecord[]> {
    return this.unit('read', () => chatRules.chatTimeline(thread, limit));
  }
  purgeChatEntriesBefore(cutoff: number, batchSize: number): Promise<number> {
    return this.write('none', () => chatRules.purgeChatEntriesBefore(cutoff, batchSize));
  }

  // Stream mode: nothing here is in the lookup cache, so its writes drop nothing from it
  saveStreamTicket(ticket: NewTicket, now: number): Promise<void> {
    return this.write('none', () => streamRules.saveStreamTicket(ticket, now));
  }
  takeStreamTicket(ticketHash: string): Promise<TicketRecord | undefined> {
    return this.write('none', () => streamRules.takeStreamTicket(ticketHash));
  }
  addStreamConnection(connection: ConnectionRecord): Promise<void> {
    return this.write('none', () => streamRules.addStreamConnection(connection));
  }
  removeStreamConnection(connectionId: string, now: number): Promise<number> {
    return this.write('none', () => streamRules.removeStreamConnection(connectionId, now));
  }
  streamConnections(clientIds?: readonly string[]): Promise<ConnectionRecord[]> {
    return this.unit('statement', () => streamRules.streamConnections(clientIds));
  }
  removeNodeConnections(nodeIds: readonly string[], now: number): Promise<number> {
    return this.write('none', () => streamRules.removeNodeConnections(nodeIds, now));
  }
  orgClientIds(orgId: number): Promise<string[]> {
    return this.unit('statement', () => streamRules.orgClientIds(orgId));
  }
  claimDelivery(id: number, attempts: number, connectionId: string, dueAt: number): Promise<DeliveryRecord | undefined> {
    return this.write('none', () => streamRules.claimDelivery(id, attempts, connectionId, dueAt));
  }
  releaseDelivery(id: number, connectionId: string, now: number): Promise<void> {
    return this.write('none', () => streamRules.releaseDelivery(id, connectionId, now));
  }
  dueDeliveries(query: DueQuery): Promise<DeliveryRecord[]> {
    return this.unit('statement', () => streamRules.dueDeliveries(query));
  }
  acknowledgeDelivery(clientId: string, messageId: string): Promise<DeliveryRecord | undefined> {
    return this.write('none', () => streamRules.acknowledgeDelivery(clientId, messageId));
  }
  abandonDelivery(id: number, attempts: number | null): Promise<boolean> {
    return this.write('none', () => streamRules.abandonDelivery(id, attempts));
  }
  unacknowledgedDeliveries(connectionIds?: readonly string[]): Promise<DeliveryRecord[]> {
    return this.unit('statement', () => streamRules.unacknowledgedDeliveries(connectionIds));
  }
}

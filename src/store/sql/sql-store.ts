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
import { mkdir, mkdtemp, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bus } from '../../core/bus.js';
import type {
  AppRecord,
  CardChange,
  CardDeliveryRecord,
  CardRecord,
  CardTemplateRecord,
  NewCard,
  NewCardDelivery,
  NewCardTemplate,
  NewDelivery,
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
  MediaRecord,
  NewMedia,
  StagedMedia,
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
  RememberedLookups,
  RobotRecord,
  SessionWebhookRecord,
  Store,
  StoreCapabilities,
  StoreKind,
  TicketRecord,
  TimelineRecord,
  TokenRecord,
  UserRecord,
  NewWebhookMessage,
  WebhookPostOutcome,
  WebhookRobotRecord,
} from '../../core/store.js';
import * as cardRules from './cards.js';
import * as chatRules from './chats.js';
import * as directoryRules from './directory.js';
import { ANSWER_CACHE_SIZE, BoundedMap, BusInvalidation, LOOKUP_CACHE_SIZE, LookupCache, type Invalidation, type Shelf } from './lookup-cache.js';
import * as mediaRules from './media.js';
import * as messageRules from './messages.js';
import * as readRules from './reads.js';
import * as retentionRules from './retention.js';
import { chatKeyOfProcessQueryKey, OPEN_END } from './rows.js';
import * as storeWideRules from './store-wide.js';
import * as streamRules from './stream.js';
import * as tokenRules from './tokens.js';
import type { UnitMode, Work } from './unit.js';

/** A file's name while its row is being written (media ids are of letters, digits, `$`, `-` and `_`). */
const PARKED = '.new-';

/** A shared store's key of a read-status answer (see answer): the kind of answer and what names it. */
const ANSWER_KEYS = {
  readerPage: (processQueryKey: string, afterUserId: string, limit: number) => `page\n${processQueryKey}\n${afterUserId}\n${limit}`,
  recipientReads: (processQueryKey: string) => `recipients\n${processQueryKey}`,
};

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

  /**
   * Where the bytes of media live: a folder (files named by the media's store id), or null for the
   * `media_content` table. A folder's `.staging/` holds uploads still arriving.
   */
  protected mediaFolder(): string | null {
    return null;
  }
  private staging: Promise<string> | undefined;

  /** Lookups kept in memory (lookup-cache.ts). */
  private lookups: LookupCache | null | undefined;
  /** Read-status answers of a shared store, with their stamps (see answer). */
  private readonly stampedAnswers = new BoundedMap<readRules.Stamped<object>>(ANSWER_CACHE_SIZE);
  /** Stamp checks by chat key, while any is waiting or on its way (see stampOf). */
  private readonly stampChecks = new Map<string, StampCheck>();
  /** The chats whose stamps this turn's check will read, each with the calls' promise. */
  private queuedStampChecks: Map<string, { promise: Promise<number>; resolve(stamp: Promise<number>): void }> | undefined;
  /** How the other nodes hear of this one's writes, when the store is shared. */
  private sharing: BusInvalidation | undefined;

  /** What the lookup cache holds of the hot lookups, without a unit of work (core/store.ts). */
  readonly remembered: RememberedLookups = {
    token: (tokenHash) => this.cache()?.peek('token', tokenHash),
    robot: (robotCode) => this.cache()?.peek('robot', robotCode),
    conversation: (openConversationId) => this.cache()?.peek('conversation', openConversationId),
    readerPage: (processQueryKey, afterUserId, limit) => this.cache()?.peekPage(processQueryKey, afterUserId, limit),
    recipientReads: (processQueryKey) => this.cache()?.peek('recipients', processQueryKey),
  };

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
  private cached<T extends object>(shelf: Shelf, key: string, make: () => Work<T | undefined>, mode: UnitMode = 'statement'): Promise<T | undefined> {
    return this.cachedLoad(shelf, key, () => this.unit(mode, make));
  }

  private cachedLoad<T extends object>(shelf: Shelf, key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const cache = this.cache();
    return cache ? cache.lookup(shelf, key, load) : load();
  }

  /**
   * A one-statement unit about the message with this key, `make(chatKey)`, run in the chat the key
   * names (core/ids.ts), where every key this store made is found: on a distributed PostgreSQL,
   * that chat's shard alone. When it finds nothing there (a key of an earlier version, a key that
   * names no chat, a made-up one), the key's chat is looked for in every chat, and the unit runs
   * again there if it is another.
   */
  private async inChatOfKey<T>(processQueryKey: string, make: (chatKey: string) => Work<T | undefined>): Promise<T | undefined> {
    const named = chatKeyOfProcessQueryKey(processQueryKey);
    if (named !== undefined) {
      const found = await this.unit('statement', () => make(named));
      if (found !== undefined) return found;
    }
    const chatKey = await this.unit('statement', () => messageRules.chatOfKey(processQueryKey));
    return chatKey === undefined || chatKey === named ? undefined : this.unit('statement', () => make(chatKey));
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
  async reset(): Promise<void> {
    const folder = this.mediaFolder();
    const files = folder === null ? [] : await this.unit('read', () => mediaRules.allMediaIds());
    await this.write('all', () => storeWideRules.reset());
    await this.deleteMediaFiles(files);
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
    return this.cached('robot', robotCode, () => directoryRules.findRobot(robotCode));
  }
  findConversation(openConversationId: string): Promise<ConversationRecord | undefined> {
    return this.cached('conversation', openConversationId, () => directoryRules.findConversation(openConversationId), 'read');
  }
  findUsers(orgId: number, userIds: string[]): Promise<UserRecord[]> {
    return this.unit('read', () => directoryRules.findUsers(orgId, userIds));
  }
  findWebhookRobot(tokenHash: string): Promise<WebhookRobotRecord | undefined> {
    // Not cached: its throttle changes with every send that goes over the limit.
    return this.unit('read', () => directoryRules.findWebhookRobot(tokenHash));
  }
  webhookRobotNames(conversationId: number): Promise<string[]> {
    return this.unit('read', () => directoryRules.webhookRobotNames(conversationId));
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
    return this.cached('token', tokenHash, () => tokenRules.findToken(tokenHash));
  }

  // Messages
  insertMessage(message: NewMessage): Promise<MessageRecord> {
    return this.unit('append', () => messageRules.insertMessage(message, true));
  }
  findMessage(processQueryKey: string): Promise<MessageRecord | undefined> {
    return this.cachedLoad('message', processQueryKey, () =>
      this.inChatOfKey(processQueryKey, (chatKey) => messageRules.findMessage(chatKey, processQueryKey)),
    );
  }
  recallMessage(message: MessageRecord, at: number): Promise<void> {
    return this.write('messages', () => messageRules.recallMessage(message, at));
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
    // The message's key names the answer: a recall, a purge or a reset drops every answer anyway.
    const read = (): Promise<readRules.Stamped<ReaderPage> | undefined> =>
      this.inChatOfKey(processQueryKey, (chatKey) => readRules.readerPage(chatKey, processQueryKey, afterUserId, limit));
    if (!this.stampsAnswers()) {
      const load = (): Promise<ReaderPage | undefined> => read().then((stamped) => stamped?.value);
      const cache = this.cache();
      return cache ? cache.lookupPage(processQueryKey, afterUserId, limit, load) : load();
    }
    return this.stampedAnswer(ANSWER_KEYS.readerPage(processQueryKey, afterUserId, limit), read);
  }
  recipientReads(processQueryKey: string): Promise<MessageRecipients | undefined> {
    const read = (): Promise<readRules.Stamped<MessageRecipients> | undefined> =>
      this.inChatOfKey(processQueryKey, (chatKey) => readRules.recipientReads(chatKey, processQueryKey));
    if (!this.stampsAnswers()) return this.cachedLoad('recipients', processQueryKey, () => read().then((stamped) => stamped?.value));
    return this.stampedAnswer(ANSWER_KEYS.recipientReads(processQueryKey), read);
  }

  /** Whether read-status answers are kept with their stamps (see stampedAnswer) rather than in the lookup cache. */
  private stampsAnswers(): boolean {
    return this.capabilities.sharedAcrossProcesses && this.keepsLookups();
  }

  /**
   * A read-status answer of a shared store, kept in memory between calls. (A store only this
   * process writes keeps it in the lookup cache, which its writes clear as they pass, and
   * `remembered` hands it out without a promise.) A shared store keeps it with the stamp it was read with, and serves it
   * again only when one small statement finds the chat's stamp unchanged: any node's read, open or
   * recall of the chat since has changed it (unit.ts answersChanged). No signal between nodes is
   * waited for, since one could come late; `remembered` never hands these out.
   */
  private async stampedAnswer<T extends object>(key: string, load: () => Promise<readRules.Stamped<T> | undefined>): Promise<T | undefined> {
    const kept = this.stampedAnswers.get(key) as readRules.Stamped<T> | undefined;
    if (kept !== undefined && (await this.stampOf(kept.chatKey)) === kept.stamp) return kept.value;
    const read = await load();
    if (read === undefined) this.stampedAnswers.delete(key);
    else this.stampedAnswers.set(key, read);
    return read?.value;
  }

  /**
   * The sum of a chat's stamps, as a check sent after this call came reads it. Checks wait for the
   * end of the event loop's turn and go as one statement for every chat asked about in it, so
   * calls spread over many chats cost a round trip a turn, not one a call. Calls for one chat share
   * checks: every call that comes before a check goes shares it; while one is on its way, the calls
   * that come meanwhile wait for it to return and then share the next one (it may have read the
   * stamps before they came, so they cannot share it). Each call so sees every write committed
   * before it came, and a busy chat costs a check a round trip, not one a call.
   */
  private stampOf(chatKey: string): Promise<number> {
    let check = this.stampChecks.get(chatKey);
    if (check === undefined) {
      check = { sent: undefined, next: undefined };
      this.stampChecks.set(chatKey, check);
    }
    if (check.next !== undefined) return check.next;
    const inFlight = check.sent;
    if (inFlight === undefined) {
      check.next = this.queueStampCheck(chatKey);
      return check.next;
    }
    const after = (): Promise<number> => this.queueStampCheck(chatKey);
    check.next = inFlight.then(after, after);
    return check.next;
  }

  /** A chat's stamp from the checks of this turn (see stampOf), gathered until the turn ends. */
  private queueStampCheck(chatKey: string): Promise<number> {
    let queued = this.queuedStampChecks;
    if (queued === undefined) {
      queued = new Map();
      this.queuedStampChecks = queued;
      setImmediate(() => this.sendStampChecks());
    }
    let waiting = queued.get(chatKey);
    if (waiting === undefined) {
      let resolve: (stamp: Promise<number>) => void = () => undefined;
      const promise = new Promise<number>((settle) => (resolve = settle));
      waiting = { promise, resolve };
      queued.set(chatKey, waiting);
    }
    return waiting.promise;
  }

  private sendStampChecks(): void {
    const queued = this.queuedStampChecks;
    this.queuedStampChecks = undefined;
    if (queued === undefined) return;
    const chatKeys = [...queued.keys()];
    for (let start = 0; start < chatKeys.length; start += readRules.MOST_STAMPS_A_CHECK) {
      const some = chatKeys.slice(start, start + readRules.MOST_STAMPS_A_CHECK);
      const sent = this.unit('statement', () => readRules.answerStamps(some));
      for (const chatKey of some) {
        const check = this.stampChecks.get(chatKey) as StampCheck;
        const stamp: Promise<number> = sent
          .then((stamps) => stamps.get(chatKey) as number)
          .finally(() => {
            if (check.sent === stamp) check.sent = undefined;
            if (check.sent === undefined && check.next === undefined) this.stampChecks.delete(chatKey);
          });
        // On its way now: a call that comes from here on waits for it and shares the next.
        check.sent = stamp;
        check.next = undefined;
        queued.get(chatKey)?.resolve(stamp);
      }
    }
  }

  countReaders(message: MessageRecord): Promise<number> {
    return this.unit('read', () => readRules.countReaders(message));
  }

  // Retention
  purgeMessagesBefore(cutoff: number, batchSize: number): Promise<number> {
    return this.write('messages', () => retentionRules.purgeMessagesBefore(cutoff, batchSize));
  }

  // Media
  /**
   * The staging folder, made on first use. For a folder, what a previous process left is settled
   * first: half-received uploads go, and a file parked for a row (insertMedia) takes its final
   * name if the row committed, and goes if it did not.
   */
  private mediaReady(): Promise<string> {
    this.staging ??= (async () => {
      const folder = this.mediaFolder();
      if (folder === null) return mkdtemp(join(tmpdir(), 'dingread-staging-'));
      const staging = join(folder, '.staging');
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      for (const name of await readdir(folder)) {
        if (!name.startsWith(PARKED)) continue;
        const record = await this.findMedia(name.slice(PARKED.length));
        if (record) await rename(join(folder, name), join(folder, String(record.id)));
        else await rm(join(folder, name), { force: true });
      }
      return staging;
    })();
    return this.staging;
  }
  stageMedia(): Promise<StagedMedia> {
    return this.mediaReady().then((dir) => {
      const path = join(dir, randomBytes(12).toString('hex'));
      return { path, discard: () => rm(path, { force: true }) };
    });
  }
  async insertMedia(media: NewMedia, staged: StagedMedia): Promise<MediaRecord> {
    const folder = this.mediaFolder();
    try {
      if (folder === null) {
        const bytes = await readFile(staged.path);
        return await this.write('none', () => mediaRules.insertMedia(media, bytes));
      }
      // The file takes a name no row has yet, then the row commits; if it does not, the file goes.
      const parked = join(folder, `${PARKED}${media.mediaId}`);
      await rename(staged.path, parked);
      let record: MediaRecord;
      try {
        record = await this.write('none', () => mediaRules.insertMedia(media, null));
      } catch (error) {
        await rm(parked, { force: true });
        throw error;
      }
      await rename(parked, join(folder, String(record.id)));
      return record;
    } finally {
      await staged.discard();
    }
  }
  findMedia(mediaId: string): Promise<MediaRecord | undefined> {
    return this.unit('read', () => mediaRules.findMedia(mediaId));
  }
  findMediaByDownloadCode(downloadCode: string): Promise<MediaRecord | undefined> {
    return this.unit('read', () => mediaRules.findMediaByDownloadCode(downloadCode));
  }
  async readMediaContent(media: MediaRecord): Promise<Buffer | undefined> {
    const folder = this.mediaFolder();
    if (folder === null) return this.unit('read', () => mediaRules.readMediaContent(media.id));
    await this.mediaReady();
    try {
      return await readFile(join(folder, String(media.id)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
  messageMedia(message: MessageRecord): Promise<MediaRecord[]> {
    return this.unit('read', () => mediaRules.messageMedia(message));
  }
  async purgeMediaBefore(cutoff: number, batchSize: number): Promise<number> {
    const deleted = await this.write('none', () => mediaRules.purgeMediaBefore(cutoff, batchSize));
    await this.deleteMediaFiles(deleted);
    return deleted.length;
  }
  /**
   * Removes a staging folder made in the system's temporary folder (stores that keep bytes in a
   * table stage there); a store's own folder stays. Backends call it when they close.
   */
  protected async removeTemporaryStaging(): Promise<void> {
    if (this.staging === undefined || this.mediaFolder() !== null) return;
    const dir = await this.staging.catch(() => undefined);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }

  private async deleteMediaFiles(ids: readonly number[]): Promise<void> {
    const folder = this.mediaFolder();
    if (folder === null) return;
    for (const id of ids) await unlink(join(folder, String(id))).catch(() => undefined);
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
  postWebhookMessage(message: NewWebhookMessage): Promise<WebhookPostOutcome> {
    // Nothing cached holds a chat entry or a webhook robot.
    return this.write('none', () => chatRules.postWebhookMessage(message));
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
  // Interactive cards: not in the lookup cache; the messages that carry them are new keys, as a send's are
  saveCardTemplate(template: NewCardTemplate): Promise<CardTemplateRecord> {
    return this.write('none', () => cardRules.saveCardTemplate(template));
  }
  cardTemplates(orgId: number): Promise<CardTemplateRecord[]> {
    return this.unit('read', () => cardRules.cardTemplates(orgId));
  }
  findCardTemplate(orgId: number, cardTemplateId: string): Promise<CardTemplateRecord | undefined> {
    return this.unit('read', () => cardRules.findCardTemplate(orgId, cardTemplateId));
  }
  createCard(card: NewCard, deliveries: NewCardDelivery[]): Promise<{ card: CardRecord; deliveries: CardDeliveryRecord[] } | undefined> {
    return this.write('none', () => cardRules.createCard(card, deliveries));
  }
  deliverCard(cardId: number, deliveries: NewCardDelivery[]): Promise<CardDeliveryRecord[]> {
    return this.write('none', () => cardRules.deliverCard(cardId, deliveries));
  }
  findCard(orgId: number, outTrackId: string): Promise<CardRecord | undefined> {
    return this.unit('read', () => cardRules.findCard(orgId, outTrackId));
  }
  cardDeliveries(cardId: number): Promise<CardDeliveryRecord[]> {
    return this.unit('read', () => cardRules.cardDeliveries(cardId));
  }
  updateCard(cardId: number, change: CardChange): Promise<CardRecord | undefined> {
    return this.write('none', () => cardRules.updateCard(cardId, change));
  }
  findCardByCarrier(processQueryKey: string): Promise<CardRecord | undefined> {
    return this.unit('read', () => cardRules.findCardByCarrier(processQueryKey));
  }
  insertCardCallback(delivery: NewDelivery): Promise<DeliveryRecord> {
    return this.write('none', () => cardRules.insertCardCallback(delivery));
  }
}

/** A chat's stamp check on its way, and the one the calls that came after it wait for (queued, or to be queued when the one on its way returns). */
interface StampCheck {
  sent: Promise<number> | undefined;
  next: Promise<number> | undefined;
}

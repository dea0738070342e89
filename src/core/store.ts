/**
 * The storage contract the core owns. Backends (src/store/*) implement it and are the only files
 * that import a database driver; the services in src/core depend on this file alone.
 *
 * Each method is one atomic unit of work: a backend runs it in one transaction, so a failure
 * leaves nothing half-applied. Records here are storage-facing (ids, epoch milliseconds); the
 * wire shapes live in the API layer and meet these records in the services.
 */

export type RobotStatus = 'active' | 'stopped';
export type TemplateStatus = 'active' | 'stopped' | 'missing';
export type ConversationType = 'group' | 'private';
export type MessageKind = 'oto' | 'group' | 'privateChat';

export interface OrgRecord {
  id: number;
  corpId: string;
  name: string;
}

export interface AppRecord {
  id: number;
  orgId: number;
  corpId: string;
  appKey: string;
  secretHash: string;
  scopes: string[];
  /** Which access token is current: tokens are derived from (app, generation), see core/tokens.ts. */
  tokenGeneration: number;
  tokenExpiresAt: number;
}

export interface RobotRecord {
  id: number;
  orgId: number;
  robotCode: string;
  name: string;
  status: RobotStatus;
  templateStatus: TemplateStatus;
  /** The app that owns the robot; null means every app of the org may use it. */
  ownerAppKey: string | null;
  /** The ISV suite that owns the robot: only that suite's corp tokens may use it, and no app's. */
  ownerSuiteKey: string | null;
}

/** A third-party (ISV) suite: owned by no org, it acts in the orgs that authorized it. */
export interface SuiteRecord {
  id: number;
  suiteKey: string;
  secretHash: string;
  scopes: string[];
  /** Hash of the current suiteTicket (core/ids.ts hashToken); null until one is set. */
  ticketHash: string | null;
  tokenGeneration: number;
  tokenExpiresAt: number;
}

/** Internal apps may not use this prefix: it names authorizations' app rows. */
export const AUTHORIZATION_APP_PREFIX = 'suite/';

/** The key of the app row that stands for a suite's authorization in an org. */
export function authorizationAppKey(suiteKey: string, corpId: string): string {
  return `${AUTHORIZATION_APP_PREFIX}${suiteKey}/${corpId}`;
}

/**
 * A suite installed in an org. It is kept as an app row of that org (DingTalk, too, gives the org
 * an app for the suite), so its messages and corp tokens hang on an app like any other.
 */
export interface AuthorizationRecord {
  /** The authorization's app row: corp tokens are saved with saveAppToken(appId, …). */
  appId: number;
  /** The app row's key, reserved for authorizations (`suite/<suiteKey>/<corpId>`). */
  appKey: string;
  orgId: number;
  corpId: string;
  suiteId: number;
  suiteKey: string;
  tokenGeneration: number;
  tokenExpiresAt: number;
}

export interface ConversationRecord {
  id: number;
  orgId: number;
  openConversationId: string;
  type: ConversationType;
  title: string | null;
  coolAppCode: string | null;
  /** Bumped on every membership change; a message remembers the version it was sent under. */
  memberVersion: number;
  memberCount: number;
  robotCodes: string[];
}

export interface UserRecord {
  userId: string;
  name: string;
}

export interface MessageRecord {
  /** Also the message's place in the store-wide event sequence (see openChat). */
  id: number;
  processQueryKey: string;
  kind: MessageKind;
  orgId: number;
  corpId: string;
  appId: number;
  robotId: number;
  robotCode: string;
  conversationId: number | null;
  openConversationId: string | null;
  msgKey: string;
  msgParam: string;
  sentAt: number;
  /** When delivery finishes; until then the message is PROCESSING. Equal to sentAt by default. */
  deliveredAt: number;
  recipientCount: number;
  recalledAt: number | null;
}

export interface NewMessage {
  processQueryKey: string;
  kind: MessageKind;
  orgId: number;
  appId: number;
  robotId: number;
  conversationId: number | null;
  msgKey: string;
  msgParam: string;
  sentAt: number;
  deliveredAt: number;
  /** For `oto` only: the valid recipients in send order. Conversations take their members. */
  recipients?: string[];
}

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

export interface MessageFilter {
  orgId?: number;
  conversationId?: number;
  robotId?: number;
  /** Only messages with an id below this (the listing walks newest first). */
  beforeId?: number;
  /** Only recalled messages (true), or only those not recalled (false). */
  recalled?: boolean;
  /** Only messages still on their way at this time: delivered after it. */
  pendingAt?: number;
  /** Only messages delivered by this time. */
  deliveredBy?: number;
  /** Only messages sent after this time. */
  sentAfter?: number;
  /** Only messages sent at or before this time. */
  sentBy?: number;
  /**
   * Only messages whose msgParam holds this text, ignoring the case of ASCII letters, whether the
   * sender's JSON wrote its characters as they are or as escapes (`\"`, `\u4f60`).
   */
  text?: string;
}

export interface TokenRecord {
  appId: number;
  /** The app's key, or for a corp token the suite's key. */
  appKey: string;
  /** The suite of a corp token; null for an internal app's token. */
  suiteKey: string | null;
  orgId: number;
  corpId: string;
  scopes: string[];
  expiresAt: number;
}

// The fixture plan: a validated fixture document with defaults applied and secrets hashed.
export interface AppPlan {
  appKey: string;
  /** undefined keeps the stored hash (the document left the secret out, or repeated it). */
  secretHash: string | undefined;
  scopes: string[];
}
export interface RobotPlan {
  robotCode: string;
  name: string;
  status: RobotStatus;
  templateStatus: TemplateStatus;
  ownerAppKey: string | null;
  /** Left out: no suite owns the robot. */
  ownerSuiteKey?: string | null;
}
export interface ConversationPlan {
  openConversationId: string;
  type: ConversationType;
  title: string | null;
  coolAppCode: string | null;
  /** undefined keeps the current membership. */
  members: string[] | undefined;
  /** undefined keeps the current robots. */
  robots: string[] | undefined;
}
export interface OrgPlan {
  corpId: string;
  name: string;
  apps: AppPlan[];
  users: UserRecord[];
  robots: RobotPlan[];
  conversations: ConversationPlan[];
  /** Suites this plan authorizes in the org (again, if they were revoked); left out: none. */
  authorizations?: string[];
}
export interface SuitePlan {
  suiteKey: string;
  /** undefined keeps the stored hash. */
  secretHash: string | undefined;
  scopes: string[];
  /** undefined keeps the current ticket. */
  ticketHash: string | undefined;
}

export interface SuiteTokenRecord {
  suiteId: number;
  suiteKey: string;
  expiresAt: number;
}

export interface DirectoryDump {
  suites: SuiteRecord[];
  orgs: Array<{
    org: OrgRecord;
    apps: AppRecord[];
    users: UserRecord[];
    robots: RobotRecord[];
    conversations: Array<ConversationRecord & { members: string[] }>;
    /** The suites currently authorized in the org (revoked ones left out), by suiteKey. */
    authorizations: string[];
  }>;
}

/** What differs between backends, named so services never ask which backend they run on. */
export interface StoreCapabilities {
  /** Survives a restart of the process (false for the in-memory store). */
  durable: boolean;
  /** Several server processes may share it. */
  sharedAcrossProcesses: boolean;
}

export type StoreKind = 'memory' | 'sqlite' | 'postgres';

/**
 * The local certificate authority of proxy mode (core/local-ca.ts), as PEM text. Made once per
 * store and kept in it, key included, so that a CA a developer trusted stays valid across restarts
 * and every node of a shared store presents certificates from the same one.
 */
export interface LocalCaRecord {
  certificatePem: string;
  privateKeyPem: string;
}

export interface Store {
  readonly kind: StoreKind;
  readonly capabilities: StoreCapabilities;

  /** A random secret made once per store and kept in it (cursor and token keys derive from it). */
  serverSecret(): Promise<Buffer>;
  /** The local CA of proxy mode, if one was made. `reset` keeps it, as it keeps the secret. */
  findLocalCa(): Promise<LocalCaRecord | undefined>;
  /**
   * Keeps `candidate` as the local CA unless one is kept already, and answers the CA kept: when two
   * nodes make one at once, the first write wins and both answer it (as for serverSecret).
   */
  keepLocalCa(candidate: LocalCaRecord): Promise<LocalCaRecord>;
  /** A small note the server keeps about itself (such as which demo messages it posted); a reset keeps it. */
  readNote(key: string): Promise<string | undefined>;
  writeNote(key: string, value: string): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;

  // Directory
  /** Suites first (orgs' authorizations and robots may name them), then the orgs. */
  applyFixture(plan: OrgPlan[], suites?: SuitePlan[]): Promise<void>;
  dumpDirectory(): Promise<DirectoryDump>;
  findOrg(corpId: string): Promise<OrgRecord | undefined>;
  /** An internal app by key; an authorization's app row is never found here. */
  findApp(appKey: string): Promise<AppRecord | undefined>;
  /** By code across all orgs: fixtures need it to keep ids unique server-wide. */
  findRobot(robotCode: string): Promise<RobotRecord | undefined>;
  findConversation(openConversationId: string): Promise<ConversationRecord | undefined>;
  findUsers(orgId: number, userIds: string[]): Promise<UserRecord[]>;

  // Third-party suites
  findSuite(suiteKey: string): Promise<SuiteRecord | undefined>;
  /** Sets the suite's current ticket (the previous one stops working); false for an unknown suite. */
  setSuiteTicket(suiteKey: string, ticketHash: string): Promise<boolean>;
  /** The suite's live authorization in the org; undefined if there is none or it was revoked. */
  findAuthorization(suiteKey: string, corpId: string): Promise<AuthorizationRecord | undefined>;
  /**
   * Revokes the authorization and deletes its tokens in the same transaction, so they stop working
   * at once; a later authorization issues new ones. False if there was no live authorization.
   */
  revokeAuthorization(suiteKey: string, corpId: string): Promise<boolean>;
  saveSuiteToken(suiteId: number, generation: number, tokenHash: string, expiresAt: number): Promise<void>;
  findSuiteToken(tokenHash: string): Promise<SuiteTokenRecord | undefined>;

  // Tokens
  saveAppToken(appId: number, generation: number, tokenHash: string, expiresAt: number): Promise<void>;
  findToken(tokenHash: string): Promise<TokenRecord | undefined>;

  // Messages
  insertMessage(message: NewMessage): Promise<MessageRecord>;
  findMessage(processQueryKey: string): Promise<MessageRecord | undefined>;
  /** Marks the message recalled at `at`; a message already recalled keeps its first time. */
  recallMessage(messageId: number, at: number): Promise<void>;
  listMessages(filter: MessageFilter, limit: number): Promise<MessageRecord[]>;
  /** How many messages match the filter (its `beforeId` included). */
  countMessages(filter: MessageFilter): Promise<number>;

  // Reads
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

  // Retention
  /**
   * Deletes at most `batchSize` messages sent before `cutoff` (server-clock ms), oldest first,
   * with their reads and recipients, and the chat opens that no longer cover any message.
   * Returns how many messages it deleted: fewer than `batchSize` means none older are left.
   */
  purgeMessagesBefore(cutoff: number, batchSize: number): Promise<number>;
}

/**
 * Backends translate their driver's errors into these at the boundary, so the core and the API
 * see the same failure whatever the database.
 */
export class StoreConflictError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'StoreConflictError';
  }
}

/** The database cannot be reached or is busy: the same call may succeed later. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** The store contract the core owns: `Store`, composed from one interface per aggregate in core/store/. */
/*
 * The aggregates: directory.ts (orgs, apps, users, robots, conversations; fixtures), tokens.ts
 * (tokens and third-party suites), messages.ts, reads.ts (reads, chat opens and the read-status
 * answers), retention.ts, media.ts (uploaded and user-sent files), chats.ts (what users write,
 * session webhooks, timelines), stream.ts (Stream mode's tickets, connections and deliveries) and
 * cards.ts (interactive cards). Backends (src/store/*) implement the whole contract and are the only
 * files that import a database driver; the services in src/core import it, records included, from
 * this file alone.
 *
 * Each method is one atomic unit of work: a backend runs it in one transaction, so a failure
 * leaves nothing half-applied. Records are storage-facing (ids, epoch milliseconds); the wire
 * shapes live in the API layer and meet these records in the services.
 */
import type { Bus } from './bus.js';
import { OperatorError } from './operator-errors.js';
import type { CardStore } from './store/cards.js';
import type { ChatStore } from './store/chats.js';
import type { ConversationRecord, DirectoryStore, RobotRecord } from './store/directory.js';
import type { MediaStore } from './store/media.js';
import type { MessageStore } from './store/messages.js';
import type { MessageRecipients, ReaderPage, ReadStore } from './store/reads.js';
import type { RetentionStore } from './store/retention.js';
import type { StreamStore } from './store/stream.js';
import type { TokenRecord, TokenStore } from './store/tokens.js';

export * from './store/cards.js';
export * from './store/chats.js';
export * from './store/directory.js';
export * from './store/media.js';
export * from './store/messages.js';
export * from './store/reads.js';
export * from './store/retention.js';
export * from './store/stream.js';
export * from './store/tokens.js';

/** What differs between backends, named so services never ask which backend they run on. */
export interface StoreCapabilities {
  /** Survives a restart of the process (false for the in-memory store). */
  durable: boolean;
  /** Several server processes may share it. */
  sharedAcrossProcesses: boolean;
}

export type StoreKind = 'memory' | 'sqlite' | 'postgres';

/**
 * What the lookups every read-status query makes would answer from the backend's memory right now:
 * the record (or answer) itself when it is held there, undefined when it is not, and then the
 * caller asks the lookup of the same name. No unit of work, no promise: a bot's repeated query is
 * answered from memory without an await (core/queries.ts). A value here is exactly what the
 * lookup would give, and is shared, so it must not be changed.
 */
export interface RememberedLookups {
  token(tokenHash: string): TokenRecord | undefined;
  robot(robotCode: string): RobotRecord | undefined;
  conversation(openConversationId: string): ConversationRecord | undefined;
  readerPage(processQueryKey: string, afterUserId: string, limit: number): ReaderPage | undefined;
  recipientReads(processQueryKey: string): MessageRecipients | undefined;
}

/**
 * The local certificate authority of proxy mode (core/local-ca.ts), as PEM text. Made once per
 * store and kept in it, key included, so that a CA a developer trusted stays valid across restarts
 * and every node of a shared store presents certificates from the same one.
 */
export interface LocalCaRecord {
  certificatePem: string;
  privateKeyPem: string;
}

/** One contract, run against every backend by the conformance and differential suites (test/store). */
export interface Store extends DirectoryStore, TokenStore, MessageStore, ReadStore, RetentionStore, ChatStore, StreamStore, CardStore, MediaStore {
  readonly kind: StoreKind;
  readonly capabilities: StoreCapabilities;
  /** The signal between the nodes that share this store (core/bus.ts); closed with the store. */
  readonly bus: Bus;
  /** The hot lookups, answered from memory when they can be (RememberedLookups above). */
  readonly remembered: RememberedLookups;

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
export class StoreUnavailableError extends OperatorError {
  constructor(message: string, options?: { cause: unknown }) {
    super('store.unavailable', message, options);
  }
}

/** The store contract for tokens and third-party suites: app and corp tokens, suites, their tickets and authorizations. */

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

/** A suite as a fixture plan gives it (secrets hashed). */
export interface SuitePlan {
  suiteKey: string;
  /** undefined keeps the stored hash. */
  secretHash: string | undefined;
  scopes: string[];
  /** undefined keeps the current ticket. */
  ticketHash: string | undefined;
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

export interface SuiteTokenRecord {
  suiteId: number;
  suiteKey: string;
  expiresAt: number;
}

export interface TokenStore {
  saveAppToken(appId: number, generation: number, tokenHash: string, expiresAt: number): Promise<void>;
  findToken(tokenHash: string): Promise<TokenRecord | undefined>;

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
}

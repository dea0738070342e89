/**
 * Access tokens: issuing them for app credentials, for third-party suites (a corp token per
 * authorized org, and the suite's own token), and resolving them back to the calling app.
 */
import type { IssuedToken } from './answers.js';
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import { deriveAccessToken, hashToken } from './ids.js';
import { verifySecret } from './secrets.js';
import type { SuiteRecord, TokenRecord } from './store.js';

/**
 * The app behind a request's access token: an org's internal app, or a third-party suite acting
 * in an org that authorized it (a corp token).
 */
export interface Caller {
  /** The app row: the internal app, or the suite's authorization in the org. */
  appId: number;
  /** The internal app's appKey, or the suite's suiteKey (what QPS limits, faults and the log count by). */
  appKey: string;
  /** The suite of a corp token; null for an internal app. */
  suiteKey: string | null;
  orgId: number;
  corpId: string;
  scopes: string[];
}

export const ROBOT_SCOPE = 'qyapi_robot_sendmsg';


/**
 * `POST /v1.0/oauth2/accessToken`. While the app's token is valid, asking again returns the same
 * token and renews its lifetime; after it expired, a new one comes back.
 */
export async function issueAccessToken(ctx: CoreContext, appKey: string, appSecret: string): Promise<IssuedToken> {
  const app = await ctx.store.findApp(appKey);
  if (!app || !verifySecret(appSecret, app.secretHash)) fail('invalidClientIdOrSecret');
  return renewToken(ctx, { ...app, key: app.appKey, salt: app.secretHash }, (...token) => ctx.store.saveAppToken(app.id, ...token));
}

/**
 * The token of the owner's current generation if it is still valid, else of the next one, saved
 * with a fresh lifetime: asking again while a token is valid gives it back, renewed.
 */
async function renewToken(
  ctx: CoreContext,
  owner: { key: string; salt: string; tokenGeneration: number; tokenExpiresAt: number },
  save: (generation: number, tokenHash: string, expiresAt: number) => Promise<void>,
): Promise<IssuedToken> {
  const now = ctx.clock.now();
  const generation = owner.tokenExpiresAt > now ? owner.tokenGeneration : owner.tokenGeneration + 1;
  const accessToken = deriveAccessToken(ctx.tokenKey, owner.key, owner.salt, generation);
  const expireIn = ctx.options.tokenTtlSeconds;
  await save(generation, hashToken(accessToken), now + expireIn * 1000);
  return { accessToken, expireIn };
}

export interface SuiteCredentials {
  suiteKey: string;
  suiteSecret: string;
  suiteTicket: string;
}

/** The suite, if key, secret and the current ticket all match, checked in that order. */
async function checkSuite(ctx: CoreContext, credentials: SuiteCredentials): Promise<SuiteRecord> {
  const suite = await ctx.store.findSuite(credentials.suiteKey);
  if (!suite) fail('invalidSuiteKey');
  if (!verifySecret(credentials.suiteSecret, suite.secretHash)) fail('invalidSuiteSecret');
  if (suite.ticketHash === null || hashToken(credentials.suiteTicket) !== suite.ticketHash) fail('invalidSuiteTicket');
  return suite;
}

/**
 * `POST /v1.0/oauth2/corpAccessToken`: a token for the suite in one org that authorized it, used on
 * the robot API like that org's internal app token. Same token while valid, as for apps. An org
 * that does not exist and one that has not authorized the suite (or revoked it) answer alike.
 */
export async function issueCorpAccessToken(
  ctx: CoreContext,
  credentials: SuiteCredentials & { authCorpId: string },
): Promise<IssuedToken> {
  const suite = await checkSuite(ctx, credentials);
  const authorization = await ctx.store.findAuthorization(suite.suiteKey, credentials.authCorpId);
  if (!authorization) fail('invalidAuthCorpId', `suite ${suite.suiteKey} is not authorized in ${credentials.authCorpId}`);
  // The suite's salted hash salts the token: a suite made again after a reset never gets an old one back.
  return renewToken(ctx, { ...authorization, key: authorization.appKey, salt: suite.secretHash }, (...token) =>
    ctx.store.saveAppToken(authorization.appId, ...token),
  );
}

/**
 * `POST /v1.0/oauth2/suiteAccessToken`: a token that stands for the suite itself, in no org. The
 * robot API needs an org, so it accepts none of these (authenticate says so).
 */
export async function issueSuiteAccessToken(ctx: CoreContext, credentials: SuiteCredentials): Promise<IssuedToken> {
  const suite = await checkSuite(ctx, credentials);
  return renewToken(ctx, { ...suite, key: `suite/${suite.suiteKey}`, salt: suite.secretHash }, (...token) =>
    ctx.store.saveSuiteToken(suite.id, ...token),
  );
}

/** How many presented tokens' hashes to remember (see presentedTokenHash). */
const TOKEN_HASH_MEMO_SIZE = 10_000;
const tokenHashes = new Map<string, string>();

/**
 * The hash a presented token is stored under, remembered: a bot presents the same token on every
 * call for two hours. Holding tokens in memory reveals nothing the server cannot make again (it
 * derives them, ids.ts), and the hash is a pure function of the token.
 */
function presentedTokenHash(token: string): string {
  let hash = tokenHashes.get(token);
  if (hash === undefined) {
    hash = hashToken(token);
    if (tokenHashes.size >= TOKEN_HASH_MEMO_SIZE) tokenHashes.clear();
    tokenHashes.set(token, hash);
  }
  return hash;
}

/**
 * The caller of a DingTalk API request, from its `x-acs-dingtalk-access-token` header. Answered
 * without a promise when the store holds the token in memory (Store.remembered) and it is valid:
 * every call of the robot API passes here first.
 */
export function authenticate(ctx: CoreContext, token: string | undefined): Caller | Promise<Caller> {
  if (token === undefined) fail('AuthenticationFailed.MissingParameter');
  const hash = token === '' ? undefined : presentedTokenHash(token);
  const remembered = hash === undefined ? undefined : ctx.store.remembered.token(hash);
  if (remembered !== undefined && remembered.expiresAt > ctx.clock.now()) return callerOf(remembered);
  return authenticateStored(ctx, hash);
}

async function authenticateStored(ctx: CoreContext, hash: string | undefined): Promise<Caller> {
  const record = hash === undefined ? undefined : await ctx.store.findToken(hash);
  if (!record || record.expiresAt <= ctx.clock.now()) {
    const suiteToken = hash === undefined ? undefined : await ctx.store.findSuiteToken(hash);
    if (suiteToken && suiteToken.expiresAt > ctx.clock.now()) {
      fail('InvalidAuthentication', 'a suite access token acts in no organization: use a corp access token');
    }
    fail('InvalidAuthentication');
  }
  return callerOf(record);
}

function callerOf(record: TokenRecord): Caller {
  return {
    appId: record.appId,
    appKey: record.appKey,
    suiteKey: record.suiteKey,
    orgId: record.orgId,
    corpId: record.corpId,
    scopes: record.scopes,
  };
}

export function requireScope(caller: Caller, scope: string): void {
  if (!caller.scopes.includes(scope)) {
    const who = caller.suiteKey === null ? 'the app' : `suite ${caller.suiteKey}`;
    fail('Forbidden.AccessDenied.AccessTokenPermissionDenied', `${who} needs scope ${scope}`, {
      accessDeniedDetail: { requiredScopes: [scope] },
    });
  }
}

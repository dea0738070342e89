/** Access tokens: issuing them for app credentials and resolving them back to the calling app. */
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import { deriveAccessToken, hashToken } from './ids.js';
import { verifySecret } from './secrets.js';

/** The app behind a request's access token. */
export interface Caller {
  appId: number;
  appKey: string;
  orgId: number;
  corpId: string;
  scopes: string[];
}

export const ROBOT_SCOPE = 'qyapi_robot_sendmsg';

/**
 * `POST /v1.0/oauth2/accessToken`. While the app's token is valid, asking again returns the same
 * token and renews its lifetime; after it expired, a new one comes back.
 */
export async function issueAccessToken(
  ctx: CoreContext,
  appKey: string,
  appSecret: string,
): Promise<{ accessToken: string; expireIn: number }> {
  const app = await ctx.store.findApp(appKey);
  if (!app || !verifySecret(appSecret, app.secretHash)) fail('invalidClientIdOrSecret');
  const now = ctx.clock.now();
  const generation = app.tokenExpiresAt > now ? app.tokenGeneration : app.tokenGeneration + 1;
  const accessToken = deriveAccessToken(ctx.tokenKey, app.appKey, app.secretHash, generation);
  const expireIn = ctx.options.tokenTtlSeconds;
  await ctx.store.saveAppToken(app.id, generation, hashToken(accessToken), now + expireIn * 1000);
  return { accessToken, expireIn };
}

/** The caller of a DingTalk API request, from its `x-acs-dingtalk-access-token` header. */
export async function authenticate(ctx: CoreContext, token: string | undefined): Promise<Caller> {
  if (token === undefined) fail('AuthenticationFailed.MissingParameter');
  const record = token === '' ? undefined : await ctx.store.findToken(hashToken(token));
  if (!record || record.expiresAt <= ctx.clock.now()) fail('InvalidAuthentication');
  return {
    appId: record.appId,
    appKey: record.appKey,
    orgId: record.orgId,
    corpId: record.corpId,
    scopes: record.scopes,
  };
}

export function requireScope(caller: Caller, scope: string): void {
  if (!caller.scopes.includes(scope)) {
    fail('Forbidden.AccessDenied.AccessTokenPermissionDenied', `the app needs scope ${scope}`, {
      accessDeniedDetail: { requiredScopes: [scope] },
    });
  }
}

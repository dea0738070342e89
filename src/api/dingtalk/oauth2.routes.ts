/**
 * `/v1.0/oauth2/*`: access tokens for app credentials, and for third-party suites (a corp token
 * per authorized org, and the suite's own token). Anonymous, like DingTalk's.
 */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { fail } from '../../core/errors.js';
import { issueAccessToken, issueCorpAccessToken, issueSuiteAccessToken } from '../../core/tokens.js';
import { AccessTokenBody, CorpAccessTokenBody, SuiteAccessTokenBody } from '../schemas.js';

/** Each named field, in order, must be present and non-empty. */
function mandatory<T extends Record<string, string | undefined>, K extends keyof T & string>(
  body: T,
  fields: readonly K[],
): { [P in K]: string } {
  const out = {} as { [P in K]: string };
  for (const field of fields) {
    const value = body[field];
    if (!value) fail('invalidParameter.param.invalid', `${field} is mandatory`);
    out[field] = value;
  }
  return out;
}

export function oauth2Routes(ctx: CoreContext) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.post('/v1.0/oauth2/accessToken', { schema: { body: AccessTokenBody } }, async (request) => {
      const body = (request.body ?? {}) as AccessTokenBody;
      if (!body.appKey) fail('invalidParameter.param.invalid', 'appKey is mandatory');
      if (!body.appSecret) fail('invalidParameter.param.invalid', 'appSecret is mandatory');
      return issueAccessToken(ctx, body.appKey, body.appSecret);
    });

    app.post('/v1.0/oauth2/corpAccessToken', { schema: { body: CorpAccessTokenBody } }, async (request) => {
      const body = (request.body ?? {}) as CorpAccessTokenBody;
      return issueCorpAccessToken(ctx, mandatory(body, ['suiteKey', 'suiteSecret', 'authCorpId', 'suiteTicket'] as const));
    });

    app.post('/v1.0/oauth2/suiteAccessToken', { schema: { body: SuiteAccessTokenBody } }, async (request) => {
      const body = (request.body ?? {}) as SuiteAccessTokenBody;
      return issueSuiteAccessToken(ctx, mandatory(body, ['suiteKey', 'suiteSecret', 'suiteTicket'] as const));
    });
  };
}

/** `/v1.0/oauth2/*`: access tokens for app credentials. Anonymous, like DingTalk's. */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { fail } from '../../core/errors.js';
import { issueAccessToken } from '../../core/tokens.js';
import { AccessTokenBody } from '../schemas.js';

export function oauth2Routes(ctx: CoreContext) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.post('/v1.0/oauth2/accessToken', { schema: { body: AccessTokenBody } }, async (request) => {
      const body = (request.body ?? {}) as AccessTokenBody;
      if (!body.appKey) fail('invalidParameter.param.invalid', 'appKey is mandatory');
      if (!body.appSecret) fail('invalidParameter.param.invalid', 'appSecret is mandatory');
      return issueAccessToken(ctx, body.appKey, body.appSecret);
    });
  };
}

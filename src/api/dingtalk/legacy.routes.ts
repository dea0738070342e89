/**
 * The legacy host's routes (oapi.dingtalk.com), served on any host like the rest of DingTalk's
 * API, since a client may also be pointed at dingread directly:
 *
 * `GET /gettoken?appkey=…&appsecret=…` → `{"errcode":0,"errmsg":"ok","access_token","expires_in"}`
 * with the very token `POST /v1.0/oauth2/accessToken` gives for the same app (same token while it
 * is valid, renewed on each call), and its legacy errors, always HTTP 200 (dingtalk/legacy.ts).
 * Old-style `corpid`/`corpsecret` credentials name no app dingread knows, and are not read.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { DingReadError } from '../../core/errors.js';
import { issueAccessToken } from '../../core/tokens.js';
import { LEGACY, sendLegacy } from './legacy.js';

/** No additionalProperties: false: DingTalk's legacy API takes other parameters too (corpid…). */
export const GetTokenQuery = Type.Object({
  appkey: Type.Optional(Type.String({ maxLength: 256 })),
  appsecret: Type.Optional(Type.String({ maxLength: 256 })),
});
type GetTokenQuery = Static<typeof GetTokenQuery>;

export function legacyRoutes(ctx: CoreContext) {
  return async function register(app: FastifyInstance): Promise<void> {
    // A wrong shape (a parameter given twice, or too long) is a legacy answer too, not the v1.0 envelope.
    app.get('/gettoken', { schema: { querystring: GetTokenQuery }, attachValidation: true }, async (request, reply) => {
      if (request.validationError) return sendLegacy(reply, LEGACY.invalidParameter);
      const { appkey, appsecret } = request.query as GetTokenQuery;
      if (!appkey) return sendLegacy(reply, LEGACY.missingAppKey);
      if (!appsecret) return sendLegacy(reply, LEGACY.missingAppSecret);
      try {
        const { accessToken, expireIn } = await issueAccessToken(ctx, appkey, appsecret);
        return sendLegacy(reply, { errcode: 0, access_token: accessToken, errmsg: 'ok', expires_in: expireIn });
      } catch (error) {
        if (error instanceof DingReadError && error.code === 'invalidClientIdOrSecret') return sendLegacy(reply, LEGACY.invalidCredentials);
        throw error;
      }
    });
  };
}

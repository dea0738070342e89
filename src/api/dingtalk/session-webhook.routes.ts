/**
 * `POST /robot/sendBySession?session=…`: the session webhook a robot answers a user's message
 * through (core/session-webhooks.ts). The path is DingTalk's (oapi.dingtalk.com), so the same
 * route serves the URL dingread hands out and a request that reaches it through proxy mode;
 * addressed to api.dingtalk.com it is unknown, as there (oapi-only.ts).
 * Every answer is HTTP 200 with DingTalk's legacy `{errcode, errmsg}`, errors included.
 */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { LEGACY_BODY_LIMIT } from '../../core/legacy-errors.js';
import { replyBySession } from '../../core/session-webhooks.js';
import { SESSION_WEBHOOK_PATH } from '../../core/chats.js';
import { sendLegacy } from './legacy.js';
import { oapiLegacyRoutes } from './oapi-only.js';

export function sessionWebhookRoutes(ctx: CoreContext) {
  return async function register(app: FastifyInstance): Promise<void> {
    oapiLegacyRoutes(app);
    app.post(SESSION_WEBHOOK_PATH, { bodyLimit: LEGACY_BODY_LIMIT }, async (request, reply) => {
      const session = (request.query as Record<string, unknown>)['session'];
      const { errcode, errmsg } = await replyBySession(ctx, typeof session === 'string' ? session : undefined, request.body);
      return sendLegacy(reply, { errcode, errmsg });
    });
  };
}

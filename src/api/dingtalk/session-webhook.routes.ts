/**
 * `POST /robot/sendBySession?session=…`: the session webhook a robot answers a user's message
 * through (core/session-webhooks.ts). The path is DingTalk's (oapi.dingtalk.com), so the same
 * route serves the URL dingread hands out and a request that reaches it through proxy mode;
 * addressed to api.dingtalk.com it is unknown, as there (oapi-only.ts).
 * Every answer is HTTP 200 with DingTalk's legacy `{errcode, errmsg}`, errors included.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { LEGACY_ANSWERS, LEGACY_BODY_LIMIT, LegacyError, type LegacyAnswer } from '../../core/legacy-errors.js';
import { replyBySession } from '../../core/session-webhooks.js';
import { SESSION_WEBHOOK_PATH } from '../../core/chats.js';
import { sendLegacy } from './legacy.js';
import { oapiOnly } from './oapi-only.js';

/** Framework errors (size, content type, JSON syntax) as the legacy answers DingTalk gives. */
function legacyAnswer(error: FastifyError): LegacyAnswer | undefined {
  if (error instanceof LegacyError) return error.answer;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return LEGACY_ANSWERS['body.tooLong'];
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return LEGACY_ANSWERS['json.missing'];
  return undefined;
}

export function sessionWebhookRoutes(ctx: CoreContext) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const answer = legacyAnswer(error);
      if (!answer) request.log.error({ err: error }, 'unexpected error');
      return sendLegacy(reply, answer ?? LEGACY_ANSWERS['system.busy']);
    });
    app.addHook('onRequest', oapiOnly);
    app.post(SESSION_WEBHOOK_PATH, { bodyLimit: LEGACY_BODY_LIMIT }, async (request, reply) => {
      const session = (request.query as Record<string, unknown>)['session'];
      const { errcode, errmsg } = await replyBySession(ctx, typeof session === 'string' ? session : undefined, request.body);
      return sendLegacy(reply, { errcode, errmsg });
    });
  };
}

/**
 * `POST /robot/send?access_token=…[&timestamp=…&sign=…]`: a group's custom (webhook) robot
 * (core/webhook-robots.ts, docs/webhook-robot.md). The path is DingTalk's (oapi.dingtalk.com), so
 * the same route serves a client pointed at dingread and one that reaches it through proxy mode.
 * Every answer is HTTP 200 with DingTalk's legacy `{errcode, errmsg}`, errors included.
 */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { LEGACY_ANSWERS, LEGACY_BODY_LIMIT } from '../../core/legacy-errors.js';
import { sendByWebhook } from '../../core/webhook-robots.js';
import { sendLegacy } from './legacy.js';
import { oapiLegacyRoutes } from './oapi-only.js';

const WEBHOOK_ROBOT_PATH = '/robot/send';

/** One query parameter as a string; given twice, the first (as DingTalk's servlet reads it). */
function param(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

export function webhookRobotRoutes(ctx: CoreContext) {
  return async function register(app: FastifyInstance): Promise<void> {
    oapiLegacyRoutes(app, { contentType: LEGACY_ANSWERS['contentType.invalid'] });
    app.post(WEBHOOK_ROBOT_PATH, { bodyLimit: LEGACY_BODY_LIMIT }, async (request, reply) => {
      const answer = await sendByWebhook(
        ctx,
        {
          accessToken: param(request.query, 'access_token'),
          timestamp: param(request.query, 'timestamp'),
          sign: param(request.query, 'sign'),
          remoteAddress: request.socket.remoteAddress,
        },
        request.body,
      );
      return sendLegacy(reply, answer);
    });
  };
}

/**
 * What the routes DingTalk serves on oapi.dingtalk.com only share (the custom robot's `/robot/send`,
 * the session webhook's `/robot/sendBySession`): addressed to api.dingtalk.com, through proxy mode,
 * the path is unknown there, and the answer is that host's; and every failure, the framework's
 * included, is DingTalk's legacy `{errcode, errmsg}` with HTTP 200.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LEGACY_ANSWERS, LegacyError, type LegacyAnswer } from '../../core/legacy-errors.js';
import { sendNotFound } from '../envelope.js';
import { requestTarget } from '../proxy/request-target.js';
import { sendLegacy } from './legacy.js';

async function oapiOnly(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (requestTarget(request.raw).dingtalk === 'api') return sendNotFound(request, reply);
  return undefined;
}

/**
 * Framework errors (size, content type, JSON syntax) as the legacy answers DingTalk gives; a wrong
 * content type has its own answer where the route's documentation names one (`contentType`).
 */
function legacyAnswer(error: FastifyError, contentType: LegacyAnswer | undefined): LegacyAnswer | undefined {
  if (error instanceof LegacyError) return error.answer;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return LEGACY_ANSWERS['body.tooLong'];
  if (contentType && error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return contentType;
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return LEGACY_ANSWERS['json.missing'];
  return undefined;
}

/** Registers both on the plugin's routes; anything unforeseen is logged and answered as DingTalk's "busy". */
export function oapiLegacyRoutes(app: FastifyInstance, options: { contentType?: LegacyAnswer } = {}): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const answer = legacyAnswer(error, options.contentType);
    if (!answer) request.log.error({ err: error }, 'unexpected error');
    return sendLegacy(reply, answer ?? LEGACY_ANSWERS['system.busy']);
  });
  app.addHook('onRequest', oapiOnly);
}

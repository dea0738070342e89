/**
 * DingTalk's legacy answers (oapi.dingtalk.com, and api.dingtalk.com outside `/v1.0`): HTTP 200
 * with `{errcode, errmsg}` whatever went wrong, never the v1.0 envelope. docs/errors.md lists
 * which situation gives which errcode, and where each comes from; the session webhook's own
 * answers are core/legacy-errors.ts's.
 */
import type { FastifyReply } from 'fastify';
import { ERROR_TABLE } from '../../core/errors.js';
import type { LegacyAnswer } from '../../core/legacy-errors.js';

export const LEGACY = {
  /** api.dingtalk.com for a path without `/v1.0`, and an unknown path on oapi.dingtalk.com. */
  notFound: { errcode: 404, errmsg: '请求的URI地址不存在' },
  /** gettoken without an appkey. */
  missingAppKey: { errcode: 40035, errmsg: '缺少参数 corpid or appkey' },
  /** gettoken with an appkey but no appsecret: dingread's choice, by analogy with the above. */
  missingAppSecret: { errcode: 40035, errmsg: '缺少参数 corpsecret or appsecret' },
  /** gettoken with a parameter that is not one string (given twice, say): dingread's choice. */
  invalidParameter: { errcode: 40035, errmsg: '不合法的参数' },
  /** gettoken with an unknown appkey or the wrong appsecret. */
  invalidCredentials: { errcode: 40096, errmsg: '不合法的appKey或appSecret' },
  /** Over the per-app QPS limit: DingTalk's legacy code for it; the message is dingread's. */
  throttled: { errcode: 90018, errmsg: ERROR_TABLE['Forbidden.AccessDenied.QpsLimitForAppkeyAndApi'].message },
} as const satisfies Record<string, LegacyAnswer>;

/**
 * Written as text, like the envelope: a legacy answer can stand in for any route's (an unknown
 * path on a DingTalk host, a throttled call), so the route's own response schema must not apply.
 */
export function sendLegacy(reply: FastifyReply, answer: LegacyAnswer): FastifyReply {
  return reply.code(200).type('application/json;charset=utf-8').send(JSON.stringify(answer));
}

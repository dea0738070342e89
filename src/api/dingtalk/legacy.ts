/**
 * DingTalk's legacy answers (oapi.dingtalk.com, and api.dingtalk.com outside `/v1.0`): HTTP 200
 * with `{errcode, errmsg}` whatever went wrong, never the v1.0 envelope. docs/errors.md lists
 * which situation gives which errcode, and where each comes from.
 */
import type { FastifyReply } from 'fastify';

export interface LegacyAnswer {
  errcode: number;
  errmsg: string;
  [field: string]: unknown;
}

export const LEGACY = {
  /** api.dingtalk.com for a path without `/v1.0`, and an unknown path on oapi.dingtalk.com. */
  notFound: { errcode: 404, errmsg: '请求的URI地址不存在' },
} as const satisfies Record<string, LegacyAnswer>;

export function sendLegacy(reply: FastifyReply, answer: LegacyAnswer): FastifyReply {
  return reply.code(200).type('application/json;charset=utf-8').send(answer);
}

/**
 * The answers of DingTalk's older robot endpoints on oapi.dingtalk.com (session webhooks now,
 * custom webhook robots later): always HTTP 200 with `{errcode, errmsg}`, errcode 0 for success.
 * docs/errors.md lists them with their sources; where DingTalk's documents and what bots observe
 * disagree, the observed answer is the one here.
 */

/** What a legacy endpoint answers: an errcode (0 for success), its message, and on success its fields (gettoken's `access_token`). */
export interface LegacyAnswer {
  errcode: number;
  errmsg: string;
  [field: string]: unknown;
}

export const LEGACY_ANSWERS = {
  ok: { errcode: 0, errmsg: 'ok' },
  /** An unknown or expired session webhook (observed: agentscope-ai/agentscope#1318). */
  'session.notFound': { errcode: 300001, errmsg: 'session 不存在' },
  /** A field missing or of the wrong type (third-party mocks answer 300001 "param error"). */
  'param.error': { errcode: 300001, errmsg: 'param error' },
  /** A msgtype the endpoint does not take (DingTalk's table: 400105 "不支持的消息类型"). */
  'msgtype.unsupported': { errcode: 400105, errmsg: '不支持的消息类型' },
  /** A body over 20,000 bytes (observed: Le0nsec/SecCrawler#12). */
  'body.tooLong': { errcode: 460101, errmsg: 'message too long, exceed 20000 bytes' },
  /** A body that is not JSON, or not sent as JSON (observed in third-party copies: 40035). */
  'json.missing': { errcode: 40035, errmsg: '缺少参数 json' },
  /** Anything else that went wrong (DingTalk's global table: -1 "系统繁忙"). */
  'system.busy': { errcode: -1, errmsg: '系统繁忙' },
} as const satisfies Record<string, LegacyAnswer>;

export type LegacyCode = keyof typeof LEGACY_ANSWERS;

/** The largest body the legacy robot endpoints take. */
export const LEGACY_BODY_LIMIT = 20_000;

/** A legacy endpoint's refusal; the route answers it with HTTP 200, as DingTalk does. */
export class LegacyError extends Error {
  readonly answer: LegacyAnswer;

  constructor(code: LegacyCode, detail?: string) {
    const answer = LEGACY_ANSWERS[code];
    super(detail ? `${answer.errmsg}: ${detail}` : answer.errmsg);
    this.name = 'LegacyError';
    // The detail goes into errmsg only for param errors, whose DingTalk text says nothing useful.
    this.answer = code === 'param.error' && detail ? { errcode: answer.errcode, errmsg: this.message } : { ...answer };
  }
}

export function legacyFail(code: LegacyCode, detail?: string): never {
  throw new LegacyError(code, detail);
}

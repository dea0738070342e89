/**
 * The answers of DingTalk's older robot endpoints on oapi.dingtalk.com (session webhooks and
 * custom webhook robots): always HTTP 200 with `{errcode, errmsg}`, errcode 0 for success.
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
  /** A body that is not sent as JSON (DingTalk's global table: 43004). */
  'contentType.invalid': { errcode: 43004, errmsg: '无效的HTTP HEADER Content-Type' },
  /** Custom robots: an unknown access_token (observed: timonwong/prometheus-webhook-dingtalk#226, 2024). */
  'webhook.tokenNotFound': { errcode: 300005, errmsg: 'token is not exist' },
  /** Custom robots: a field missing or of the wrong type (observed: cryozerolabs/n8n-nodes-dingtalk#10; the field is named). */
  'webhook.param': { errcode: 400402, errmsg: '错误描述:参数缺失，或者参数格式不正确; 解决方案:请填充上对应参数;' },
  /** Custom robots: no keyword of the robot in the message (observed: RayWangQvQ/BiliBiliToolPro#271). */
  'webhook.keywords': { errcode: 310000, errmsg: 'description:关键词不匹配;solution:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;' },
  /** Custom robots: a wrong or missing sign (observed: sunmh207/AI-Codereview-Gitlab#142, 2025). */
  'webhook.sign': {
    errcode: 310000,
    errmsg: 'description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳必须都放在调用的网址中，请确认机器人的密钥加密和填写正确;',
  },
  /** Custom robots: a timestamp missing or more than an hour from the server's clock (observed: jenkinsci/dingtalk-plugin#116). */
  'webhook.timestamp': { errcode: 310000, errmsg: 'invalid timestamp' },
  /** Custom robots: the caller's address is in none of the robot's ranges (observed: sansan0/TrendRadar#70). */
  'webhook.ip': { errcode: 310000, errmsg: 'description:ip 不在白名单中;solution:请联系对应群的管理员，设置机器人安全ip地址段' },
  /** Custom robots: over 20 messages a minute (observed: ccfos/nightingale#369, opengoofy/hippo4j#217). */
  'webhook.tooFast': { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' },
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
    // The detail goes into errmsg only for param errors, whose DingTalk text says nothing useful
    // (a custom robot's names the parameter, as DingTalk's does).
    if (code === 'webhook.param' && detail) {
      this.answer = { errcode: answer.errcode, errmsg: `错误描述:参数 ${detail} 缺失，或者参数格式不正确; 解决方案:请填充上对应参数;` };
    } else {
      this.answer = code === 'param.error' && detail ? { errcode: answer.errcode, errmsg: this.message } : { ...answer };
    }
  }
}

export function legacyFail(code: LegacyCode, detail?: string): never {
  throw new LegacyError(code, detail);
}

/**
 * The one table of error codes dingread answers with: code → HTTP status → default message.
 *
 * Codes are DingTalk's own wherever DingTalk documents one (the error tables of the three query
 * documents, copied in test/data/dingtalk-query-errors.json, and the send, recall and token documents); the few that
 * dingread had to choose are marked `chosen` and follow DingTalk's spelling style. Only codes that
 * some situation produces are here; docs/errors.md says why the rest of DingTalk's are not. docs/errors.md
 * lists the situation that produces each code, and test/core/errors.test.ts keeps that document,
 * this table and the tests in step.
 */

export type ErrorStatus = 400 | 401 | 403 | 404 | 413 | 415 | 500 | 503;

export interface ErrorSpec {
  readonly status: ErrorStatus;
  readonly message: string;
  /** True where DingTalk publishes no code for the situation and dingread chose one. */
  readonly chosen?: true;
}

export const ERROR_TABLE = {
  // Gateway: authentication, permission, routing.
  InvalidAuthentication: { status: 400, message: 'Invalid access_token: it is unknown or has expired' },
  'AuthenticationFailed.MissingParameter': {
    status: 400,
    message: 'Missing parameter: x-acs-dingtalk-access-token',
  },
  'Forbidden.AccessDenied.AccessTokenPermissionDenied': {
    status: 403,
    message: 'The app has not been granted the permission this API requires',
  },
  'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi': {
    status: 403,
    message: 'The app has called this API too often: over its per-second limit',
  },
  'InvalidAction.NotFound': { status: 404, message: 'Specified api is not found' },
  invalidClientIdOrSecret: { status: 400, message: 'Invalid clientId or clientSecret' },
  // Third-party suites: DingTalk documents invalidSuiteKey ("suitekey不合法"), dingread chose the rest.
  invalidSuiteKey: { status: 400, message: 'Invalid suiteKey' },
  invalidSuiteSecret: { status: 400, message: 'Invalid suiteSecret', chosen: true },
  invalidSuiteTicket: { status: 400, message: 'Invalid suiteTicket: it is not the current ticket of the suite', chosen: true },
  invalidAuthCorpId: {
    status: 400,
    message: 'Invalid authCorpId: the organization has not authorized this suite',
    chosen: true,
  },
  'system.error': { status: 500, message: 'Unknown system error' },
  // Stream mode's gateway: DingTalk answers wrong credentials with 401 authFailed ("鉴权失败").
  authFailed: { status: 401, message: '鉴权失败' },
  invalidTicket: { status: 401, message: 'Invalid ticket: unknown, used already, or expired', chosen: true },
  'Forbidden.AccessDenied.TooManyConnections': {
    status: 403,
    message: 'The app has too many Stream connections open',
    chosen: true,
  },

  // Request shape, shared by every endpoint.
  'invalidParameter.param.invalid': { status: 400, message: 'Invalid parameter' },
  'invalidParameter.body.tooLarge': { status: 413, message: 'Request body too large', chosen: true },
  'invalidParameter.contentType.unsupported': {
    status: 415,
    message: 'Unsupported Content-Type: send the body as application/json',
    chosen: true,
  },

  // Robots and templates.
  'invalidParameter.robotCode.empty': { status: 400, message: 'robotCode is empty' },
  // Files users send to robots (messageFiles/download): DingTalk publishes no codes for these.
  'invalidParameter.downloadCode.empty': { status: 400, message: 'downloadCode is empty', chosen: true },
  'invalidParameter.downloadCode.invalid': { status: 400, message: 'downloadCode is unknown', chosen: true },
  'downloadUrl.invalid': { status: 403, message: 'The download URL is invalid or has expired', chosen: true },
  'invalidParameter.robotCode.missing': { status: 400, message: 'robotCode is missing' },
  'invalidParameter.robotCode.invalid': {
    status: 400,
    message: 'Invalid robotCode: no such bot is installed in your organization',
  },
  'invalidParameter.robotCode.notExsit': { status: 400, message: 'The bot does not exist' },
  'invalidParameter.robotCode.auth': { status: 400, message: 'The calling app does not own this robotCode' },
  'invalidParameter.robotCode.coolApp': { status: 400, message: 'Invalid coolAppCode for this bot and chat' },
  'invalidParameter.invalid': { status: 400, message: 'The bot corresponding to the token does not exist' },
  'bot.stopped': { status: 400, message: 'The bot has been disabled' },
  'template.not.existed': { status: 400, message: 'The bot template does not exist' },
  'template.stopped': { status: 400, message: 'The bot template has been disabled' },
  'resource.unavailable': { status: 400, message: 'The bot is not installed in this chat' },

  // Conversations.
  'invalid.openConversationId': { status: 400, message: 'Invalid openConversationId' },
  'openConversationId.notExisted': {
    status: 400,
    message: 'openConversationId and token cannot both be empty',
  },
  'invalidParameter.openConversationId.empty': {
    status: 400,
    message: 'openConversationId is empty',
    chosen: true,
  },

  // Messages, queries and pagination.
  'invalidParameter.processQueryKey.missing': { status: 400, message: 'processQueryKey is missing' },
  'invalid.processQueryKey': { status: 400, message: 'Invalid processQueryKey' },
  'processQueryKey.expireTime': {
    status: 400,
    message: 'processQueryKey has not generated message query data yet or has expired',
  },
  'invalidParameter.cursor.invalid': { status: 400, message: 'Invalid nextToken' },
  'invalidParameter.pageSize.invalid': { status: 400, message: 'Invalid maxResults: it must be 1 to 200' },
  'auth.error': { status: 400, message: 'Insufficient permissions: the operation is not allowed' },

  // Sends.
  'invalidParameter.userIds.empty': { status: 400, message: 'userIds is empty' },
  'invalidParameter.userIds.overMax': { status: 400, message: 'userIds holds more than 20 users' },
  'invalidParameter.msgKey.empty': { status: 400, message: 'msgKey is empty' },
  'invalidParameter.msgKey.invalid': { status: 400, message: 'Invalid msgKey' },
  'invalidParameter.msgParam.invalid': { status: 400, message: 'Invalid msgParam' },
  'invalidParameter.msgParam.tooLong': { status: 400, message: 'msgParam is longer than 15000 bytes' },
  'staffId.notExisted': { status: 400, message: 'None of the userIds is a user of this organization' },

  // Recalls.
  'invalidParameter.processQueryKeys.empty': {
    status: 400,
    message: 'processQueryKeys is empty',
    chosen: true,
  },
  'invalidParameter.processQueryKeys.overMax': {
    status: 400,
    message: 'processQueryKeys holds too many keys',
    chosen: true,
  },

  // Interactive cards (/v1.0/card/*): the codes of DingTalk's card documents (docs/cards.md).
  'param.outTrackIdEmpty': { status: 400, message: 'outTrackId is empty' },
  'param.openSpaceIdEmpty': { status: 400, message: 'openSpaceId is empty' },
  'param.openSpaceIdInvalid': { status: 400, message: 'openSpaceId does not follow the dtv1.card//TYPE.id format' },
  'param.openDeliverModelEmpty': { status: 400, message: 'The deliver model of a space is empty' },
  'param.openDeliverModelError': { status: 400, message: 'The deliver model of a space is malformed' },
  'param.cardTemplateIdEmpty': { status: 400, message: 'cardTemplateId is empty' },
  'param.cardPublicDataEmpty': { status: 400, message: 'cardData is empty' },
  'param.cardDataAndPrivateDataBothEmpty': { status: 400, message: 'cardData and privateData are both empty' },
  'param.userIdNotExist': { status: 400, message: 'The user does not exist' },
  'param.templateNotExist': { status: 400, message: 'The card template does not exist' },
  'param.cardNotExist': { status: 400, message: 'The card does not exist' },
  'param.cardAlreadyExist': { status: 400, message: 'A card with this outTrackId exists already' },
  'param.invalid': { status: 400, message: 'Invalid parameter' },
  'param.stream.outTrackId': { status: 400, message: 'card is not exist' },
  'param.stream.keyEmpty': { status: 400, message: 'key is empty' },
  'param.stream.contentEmpty': { status: 400, message: 'content is empty' },
  'param.stream.guidEmpty': { status: 400, message: 'guid is empty' },
  'param.stream.content': { status: 400, message: 'content is too large' },

  // Control plane (/_dingread/*).
  'adminToken.missing': { status: 401, message: 'Missing admin token: send Authorization: Bearer <token>', chosen: true },
  'adminToken.invalid': { status: 401, message: 'Wrong admin token', chosen: true },
  'controlPlane.loopbackOnly': {
    status: 403,
    message: 'Without an admin token the control plane answers only callers on this machine that address it as localhost, 127.0.0.1 or [::1]',
    chosen: true,
  },
  'controlPlane.crossSiteOrigin': {
    status: 403,
    message: 'A page of another site may not use the control plane',
    chosen: true,
  },
  'object.notFound': { status: 404, message: 'No such object', chosen: true },
  'Forbidden.AccessDenied.QpsLimitForApi': {
    status: 403,
    message: 'This client has called the control plane too often: over its per-second limit',
    chosen: true,
  },

  // Proxy mode (CONNECT).
  'proxy.tunnelRefused': {
    status: 403,
    message: 'dingread opens tunnels only to api.dingtalk.com:443 and oapi.dingtalk.com:443',
    chosen: true,
  },

  // The server itself.
  'server.shuttingDown': { status: 503, message: 'The server is shutting down: retry on another node or after it restarts', chosen: true },
  'store.unavailable': { status: 503, message: 'The store does not answer: the server is not ready', chosen: true },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_TABLE, code);
}

/** Extra fields some errors carry on the wire (`accessdenieddetail` for missing scopes). */
export interface ErrorExtras {
  accessDeniedDetail?: { requiredScopes: string[] };
}

/**
 * A domain error that the HTTP layer turns into DingTalk's envelope. `detail` says what exactly
 * was wrong (which field, which id) and is appended to the table's message.
 */
export class DingReadError extends Error {
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly extras: ErrorExtras;

  constructor(code: ErrorCode, detail?: string, extras: ErrorExtras = {}) {
    const spec: ErrorSpec = ERROR_TABLE[code];
    super(detail ? `${spec.message}: ${detail}` : spec.message);
    this.name = 'DingReadError';
    this.code = code;
    this.status = spec.status;
    this.extras = extras;
  }
}

export function fail(code: ErrorCode, detail?: string, extras?: ErrorExtras): never {
  throw new DingReadError(code, detail, extras);
}

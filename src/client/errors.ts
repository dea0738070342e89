/**
 * Errors of the client. Every failure is a `DingTalkError`; its `kind` says what failed:
 * `api` (DingTalk answered with an error), `network` (no answer), `timeout` (no answer in time),
 * `aborted` (the caller's signal), `client` (the request could not be made: a body that cannot be
 * JSON, a token provider that failed). Guards check a brand, not only `instanceof`, so they hold across
 * duplicated copies of this package.
 */

const BRAND = Symbol.for('dingread.client.DingTalkError');

export type DingTalkErrorKind = 'api' | 'network' | 'timeout' | 'aborted' | 'client';

/** The throttling codes DingTalk answers with HTTP 403. */
export const THROTTLING_CODES = [
  'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi',
  'Forbidden.AccessDenied.QpsLimitForApi',
] as const;

export interface DingTalkErrorDetails {
  kind: DingTalkErrorKind;
  code: string;
  message: string;
  /** HTTP status; undefined when no answer came. */
  status?: number;
  requestId?: string;
  accessDeniedDetail?: { requiredScopes?: string[]; [key: string]: unknown };
  method: string;
  path: string;
  cause?: unknown;
}

export class DingTalkError extends Error {
  readonly kind: DingTalkErrorKind;
  readonly code: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly accessDeniedDetail: DingTalkErrorDetails['accessDeniedDetail'];
  /** The request's method and path (without query string). */
  readonly method: string;
  readonly path: string;

  constructor(details: DingTalkErrorDetails) {
    super(`${details.code}: ${details.message} (${details.method} ${details.path}${details.status ? `, HTTP ${details.status}` : ''}${details.requestId ? `, request ${details.requestId}` : ''})`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DingTalkError';
    this.kind = details.kind;
    this.code = details.code;
    this.status = details.status;
    this.requestId = details.requestId;
    this.accessDeniedDetail = details.accessDeniedDetail;
    this.method = details.method;
    this.path = details.path;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** DingTalk answered with an error envelope. */
export class DingTalkApiError extends DingTalkError {
  constructor(details: Omit<DingTalkErrorDetails, 'kind'>) {
    super({ ...details, kind: 'api' });
    this.name = 'DingTalkApiError';
  }
}

/** The request got no answer: DNS, refused connection, reset socket. */
export class DingTalkNetworkError extends DingTalkError {
  constructor(details: Omit<DingTalkErrorDetails, 'kind' | 'code'>) {
    super({ ...details, kind: 'network', code: 'NetworkError' });
    this.name = 'DingTalkNetworkError';
  }
}

/** The request got no answer within the timeout. */
export class DingTalkTimeoutError extends DingTalkError {
  constructor(details: Omit<DingTalkErrorDetails, 'kind' | 'code'>) {
    super({ ...details, kind: 'timeout', code: 'Timeout' });
    this.name = 'DingTalkTimeoutError';
  }
}

/** The caller's AbortSignal fired. */
export class DingTalkAbortError extends DingTalkError {
  constructor(details: Omit<DingTalkErrorDetails, 'kind' | 'code'>) {
    super({ ...details, kind: 'aborted', code: 'Aborted' });
    this.name = 'DingTalkAbortError';
  }
}

/** The request could not be made: nothing was sent. */
export class DingTalkClientError extends DingTalkError {
  constructor(details: Omit<DingTalkErrorDetails, 'kind' | 'code'>) {
    super({ ...details, kind: 'client', code: 'ClientError' });
    this.name = 'DingTalkClientError';
  }
}

/**
 * @example
 * try { await client.orgGroupQuery(input) } catch (error) {
 *   if (isDingTalkError(error) && error.code === 'processQueryKey.expireTime') retryLater();
 * }
 */
export function isDingTalkError(value: unknown): value is DingTalkError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** DingTalk answered with an error envelope (and `code` is its code). */
export function isDingTalkApiError(value: unknown): value is DingTalkApiError {
  return isDingTalkError(value) && value.kind === 'api';
}

export function isNetworkError(value: unknown): value is DingTalkNetworkError {
  return isDingTalkError(value) && value.kind === 'network';
}

export function isTimeoutError(value: unknown): value is DingTalkTimeoutError {
  return isDingTalkError(value) && value.kind === 'timeout';
}

/** DingTalk's QPS limits: worth a retry after a pause, unlike other 403s. */
export function isThrottlingError(value: unknown): value is DingTalkApiError {
  return isDingTalkApiError(value) && (THROTTLING_CODES as readonly string[]).includes(value.code);
}

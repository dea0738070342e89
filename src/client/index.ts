/**
 * `dingread/client`: a typed client for DingTalk's robot read-status APIs, usable against real
 * DingTalk and against dingread. No runtime dependencies.
 */
export { DingTalkClient, DEFAULT_ENDPOINT, type DingTalkClientOptions, type AccessTokenProvider, type SuiteTicketProvider } from './client.js';
export {
  DingTalkError,
  DingTalkApiError,
  DingTalkNetworkError,
  DingTalkTimeoutError,
  DingTalkAbortError,
  DingTalkClientError,
  THROTTLING_CODES,
  isDingTalkError,
  isDingTalkApiError,
  isNetworkError,
  isTimeoutError,
  isThrottlingError,
  type DingTalkErrorKind,
  type DingTalkErrorDetails,
} from './errors.js';
export type * from './types.js';

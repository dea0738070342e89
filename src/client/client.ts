/**
 * A typed client for DingTalk's robot read-status APIs, for real DingTalk and for dingread alike.
 * No runtime dependencies: it uses the global `fetch`.
 */
import {
  DingTalkAbortError,
  DingTalkApiError,
  DingTalkClientError,
  DingTalkError,
  DingTalkNetworkError,
  DingTalkTimeoutError,
  isDingTalkApiError,
  isDingTalkError,
  isThrottlingError,
} from './errors.js';
import type {
  AccessTokenResponse,
  BatchOTOQueryRequest,
  BatchOTOQueryResponse,
  BatchRecallOTORequest,
  BatchSendOTORequest,
  BatchSendOTOResponse,
  CallOptions,
  ChatQueryRequest,
  ChatQueryResponse,
  ChatRecallRequest,
  MessageContent,
  OrgGroupSendRequest,
  PrivateChatSendRequest,
  RecallResponse,
  SendResponse,
} from './types.js';

export const DEFAULT_ENDPOINT = 'https://api.dingtalk.com';

export type AccessTokenProvider = string | (() => string | Promise<string>);
/** A suiteTicket: the latest one DingTalk pushed to your suite, or a function that reads it. */
export type SuiteTicketProvider = string | (() => string | Promise<string>);

export interface DingTalkClientOptions {
  /** The app's key and secret: the client fetches, caches and refreshes tokens itself. */
  appKey?: string;
  appSecret?: string;
  /**
   * Or a third-party suite's credentials and the org it acts in: the client fetches, caches and
   * refreshes corp tokens (`/v1.0/oauth2/corpAccessToken`) the same way. A ticket given as a
   * function is asked again for each new token, so a rotated ticket is picked up.
   */
  suiteKey?: string;
  suiteSecret?: string;
  suiteTicket?: SuiteTicketProvider;
  authCorpId?: string;
  /** Or a token you manage: a string, or a function called before every request. */
  accessToken?: AccessTokenProvider;
  /** Default `https://api.dingtalk.com`; for dingread, e.g. `http://127.0.0.1:3939`. */
  endpoint?: string;
  /** Per-request timeout in milliseconds (default 10,000). */
  timeoutMs?: number;
  /** Retries after the first attempt, for calls that are safe to repeat (default 3). */
  retries?: number;
  /** First backoff delay; doubles each retry, with full jitter (default 200 ms). */
  retryBaseDelayMs?: number;
  /** Longest backoff delay (default 5,000 ms). */
  retryMaxDelayMs?: number;
  /** Refresh a cached token this long before it expires (default 5 minutes). */
  refreshMarginMs?: number;
  /** A fetch implementation to use instead of the global one (a proxy agent, say). */
  fetch?: typeof fetch;
}

interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Needs an access token. */
  auth: boolean;
  /** Safe to repeat: queries and token calls. */
  idempotent: boolean;
  /** What a success answer must hold; a problem is returned as text. */
  shape: Shape;
}

type Shape = (body: Record<string, unknown>) => string | undefined;

const isStringArray = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** The fields each answer must have for the client to hand it on, typed as the types say. */
const SHAPES = {
  token: (b) => (typeof b['accessToken'] === 'string' && typeof b['expireIn'] === 'number' ? undefined : 'accessToken and expireIn'),
  send: (b) => (typeof b['processQueryKey'] === 'string' ? undefined : 'processQueryKey'),
  recall: (b) =>
    (b['successResult'] === undefined || isStringArray(b['successResult'])) &&
    (b['failedResult'] === undefined || (typeof b['failedResult'] === 'object' && b['failedResult'] !== null))
      ? undefined
      : 'successResult and failedResult',
  otoQuery: (b) =>
    typeof b['sendStatus'] === 'string' && Array.isArray(b['messageReadInfoList']) ? undefined : 'sendStatus and messageReadInfoList',
  chatQuery: (b) =>
    typeof b['sendStatus'] === 'string' && isStringArray(b['readUserIds']) && typeof b['hasMore'] === 'boolean'
      ? undefined
      : 'sendStatus, readUserIds and hasMore',
} satisfies Record<string, Shape>;

interface CachedToken {
  value: string;
  expiresAt: number;
}

/**
 * @example
 * const client = new DingTalkClient({ appKey, appSecret, endpoint: 'http://127.0.0.1:3939' });
 * const { processQueryKey } = await client.orgGroupSend({
 *   robotCode, openConversationId, msgKey: 'sampleText', msgParam: { content: 'hello' },
 * });
 * for await (const userId of client.orgGroupReadUsers({ robotCode, openConversationId, processQueryKey })) {
 *   console.log(userId, 'has read it');
 * }
 */
export class DingTalkClient {
  private readonly endpoint: string;
  private readonly options: Required<
    Pick<DingTalkClientOptions, 'timeoutMs' | 'retries' | 'retryBaseDelayMs' | 'retryMaxDelayMs' | 'refreshMarginMs'>
  >;
  private readonly credentials: { appKey: string; appSecret: string } | undefined;
  private readonly suite:
    | { suiteKey: string; suiteSecret: string; suiteTicket: SuiteTicketProvider; authCorpId: string }
    | undefined;
  private readonly tokenProvider: AccessTokenProvider | undefined;
  private readonly fetchImpl: typeof fetch;
  private cached: CachedToken | undefined;
  /** The one token refresh in flight, which every waiting call shares. */
  private refreshing: Promise<string> | undefined;

  constructor(options: DingTalkClientOptions) {
    const hasCredentials = options.appKey !== undefined || options.appSecret !== undefined;
    if (hasCredentials && (!options.appKey || !options.appSecret)) {
      throw new TypeError('DingTalkClient: appKey and appSecret go together');
    }
    const suiteFields = [options.suiteKey, options.suiteSecret, options.suiteTicket, options.authCorpId];
    const hasSuite = suiteFields.some((field) => field !== undefined);
    if (hasSuite && !suiteFields.every((field) => field)) {
      throw new TypeError('DingTalkClient: suiteKey, suiteSecret, suiteTicket and authCorpId go together');
    }
    if ([hasCredentials, hasSuite, options.accessToken !== undefined].filter(Boolean).length !== 1) {
      throw new TypeError('DingTalkClient: give one kind of credentials: either appKey and appSecret, or accessToken, or suiteKey, suiteSecret, suiteTicket and authCorpId');
    }
    this.credentials = hasCredentials ? { appKey: options.appKey as string, appSecret: options.appSecret as string } : undefined;
    this.suite = hasSuite
      ? {
          suiteKey: options.suiteKey as string,
          suiteSecret: options.suiteSecret as string,
          suiteTicket: options.suiteTicket as SuiteTicketProvider,
          authCorpId: options.authCorpId as string,
        }
      : undefined;
    this.tokenProvider = options.accessToken;
    this.endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
    if (!URL.canParse(this.endpoint) || !/^https?:$/.test(new URL(this.endpoint).protocol)) {
      throw new TypeError(`DingTalkClient: endpoint must be an http(s) URL, not ${JSON.stringify(options.endpoint)}`);
    }
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.options = {
      timeoutMs: options.timeoutMs ?? 10_000,
      retries: options.retries ?? 3,
      retryBaseDelayMs: options.retryBaseDelayMs ?? 200,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 5_000,
      refreshMarginMs: options.refreshMarginMs ?? 5 * 60_000,
    };
  }

  // ------------------------------------------------------------------ tokens

  /**
   * `POST /v1.0/oauth2/accessToken`: a token for the client's app credentials. The client calls
   * it for you; call it yourself only to manage tokens elsewhere.
   * @example const { accessToken, expireIn } = await client.getAccessToken();
   */
  async getAccessToken(options: CallOptions = {}): Promise<AccessTokenResponse> {
    if (!this.credentials) throw new TypeError('getAccessToken needs appKey and appSecret');
    return this.call<AccessTokenResponse>(
      { method: 'POST', path: '/v1.0/oauth2/accessToken', body: this.credentials, auth: false, idempotent: true, shape: SHAPES.token },
      options,
    );
  }

  /**
   * `POST /v1.0/oauth2/corpAccessToken`: a token for the client's suite in the org `authCorpId`.
   * The client calls it for you; call it yourself only to manage tokens elsewhere.
   * @example const { accessToken, expireIn } = await client.getCorpAccessToken();
   */
  async getCorpAccessToken(options: CallOptions = {}): Promise<AccessTokenResponse> {
    if (!this.suite) throw new TypeError('getCorpAccessToken needs suiteKey, suiteSecret, suiteTicket and authCorpId');
    const path = '/v1.0/oauth2/corpAccessToken';
    const { suiteTicket, ...rest } = this.suite;
    const body = { ...rest, suiteTicket: await provided(suiteTicket, 'suiteTicket', { method: 'POST', path }) };
    return this.call<AccessTokenResponse>({ method: 'POST', path, body, auth: false, idempotent: true, shape: SHAPES.token }, options);
  }

  private async token(spec: RequestSpec, options: CallOptions): Promise<string> {
    if (this.tokenProvider !== undefined) return provided(this.tokenProvider, 'accessToken', spec);
    if (this.cached && Date.now() < this.cached.expiresAt - this.options.refreshMarginMs) return this.cached.value;
    const callOptions = options.signal ? { signal: options.signal } : {};
    this.refreshing ??= (this.suite ? this.getCorpAccessToken(callOptions) : this.getAccessToken(callOptions))
      .then((answer) => {
        this.cached = { value: answer.accessToken, expiresAt: Date.now() + answer.expireIn * 1000 };
        return answer.accessToken;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** Forgets `rejected` so the next call fetches a new token (unless one already replaced it). */
  private forget(rejected: string): void {
    if (this.cached?.value === rejected) this.cached = undefined;
  }

  // ------------------------------------------------------------------ one-on-one

  /**
   * `POST /v1.0/robot/oToMessages/batchSend`: one message to up to 20 users, each in their chat
   * with the robot. Unknown users come back in `invalidStaffIdList`.
   * @example await client.batchSendOTO({ robotCode, userIds: ['u1'], msgKey: 'sampleText', msgParam: { content: 'hi' } });
   */
  async batchSendOTO(request: BatchSendOTORequest, options: CallOptions = {}): Promise<BatchSendOTOResponse> {
    const answer = await this.send<Partial<BatchSendOTOResponse> & { processQueryKey: string }>(
      '/v1.0/robot/oToMessages/batchSend',
      request,
      options,
    );
    // DingTalk may leave out a list that is empty.
    return { ...answer, invalidStaffIdList: answer.invalidStaffIdList ?? [], flowControlledStaffIdList: answer.flowControlledStaffIdList ?? [] };
  }

  /**
   * `GET /v1.0/robot/oToMessages/readStatus`: READ or UNREAD for each recipient.
   * @example const { messageReadInfoList } = await client.batchOTOQuery({ robotCode, processQueryKey });
   */
  async batchOTOQuery(request: BatchOTOQueryRequest, options: CallOptions = {}): Promise<BatchOTOQueryResponse> {
    const answer = await this.call<BatchOTOQueryResponse>(
      {
        method: 'GET',
        path: '/v1.0/robot/oToMessages/readStatus',
        // URLSearchParams encodes + / = in processQueryKey, as DingTalk requires.
        query: { robotCode: request.robotCode, processQueryKey: request.processQueryKey },
        auth: true,
        idempotent: true,
        shape: SHAPES.otoQuery,
      },
      options,
    );
    return normalizeStatus(answer);
  }

  /**
   * `POST /v1.0/robot/otoMessages/batchRecall` (lower-case `oto`): recall up to 20 messages.
   * @example const { successResult, failedResult } = await client.batchRecallOTO({ robotCode, processQueryKeys: [key] });
   */
  batchRecallOTO(request: BatchRecallOTORequest, options: CallOptions = {}): Promise<RecallResponse> {
    return this.recallAt('/v1.0/robot/otoMessages/batchRecall', request, options);
  }

  // ------------------------------------------------------------------ groups

  /**
   * `POST /v1.0/robot/groupMessages/send`.
   * @example const { processQueryKey } = await client.orgGroupSend({ robotCode, openConversationId, msgKey: 'sampleMarkdown', msgParam: { title: 'T', text: '**hi**' } });
   */
  orgGroupSend(request: OrgGroupSendRequest, options: CallOptions = {}): Promise<SendResponse> {
    return this.send('/v1.0/robot/groupMessages/send', request, options);
  }

  /**
   * `POST /v1.0/robot/groupMessages/query`: one page of the users who have read a group message.
   * `orgGroupReadUsers` walks every page for you.
   * @example const page = await client.orgGroupQuery({ robotCode, openConversationId, processQueryKey, maxResults: 200 });
   */
  async orgGroupQuery(request: ChatQueryRequest, options: CallOptions = {}): Promise<ChatQueryResponse> {
    return normalizeStatus(
      await this.post<ChatQueryResponse>('/v1.0/robot/groupMessages/query', request, true, SHAPES.chatQuery, options),
    );
  }

  /**
   * `POST /v1.0/robot/groupMessages/recall`.
   * @example await client.orgGroupRecall({ robotCode, openConversationId, processQueryKeys: [key] });
   */
  orgGroupRecall(request: ChatRecallRequest, options: CallOptions = {}): Promise<RecallResponse> {
    return this.recallAt('/v1.0/robot/groupMessages/recall', request, options);
  }

  /**
   * Every user who has read a group message, across all pages (`maxResults` 200 unless given).
   * @example for await (const userId of client.orgGroupReadUsers({ robotCode, openConversationId, processQueryKey })) seen.add(userId);
   */
  orgGroupReadUsers(request: Omit<ChatQueryRequest, 'nextToken'>, options: CallOptions = {}): AsyncGenerator<string> {
    return this.walk((page) => this.orgGroupQuery(page, options), request);
  }

  // ------------------------------------------------------------------ person-to-person

  /**
   * `POST /v1.0/robot/privateChatMessages/send`: into a person-to-person chat, through its cool app.
   * @example await client.privateChatSend({ robotCode, openConversationId, coolAppCode, msgKey: 'sampleText', msgParam: { content: 'hi' } });
   */
  privateChatSend(request: PrivateChatSendRequest, options: CallOptions = {}): Promise<SendResponse> {
    return this.send('/v1.0/robot/privateChatMessages/send', request, options);
  }

  /**
   * `POST /v1.0/robot/privateChatMessages/query`: one page of the users who have read it.
   * @example const page = await client.privateChatQuery({ robotCode, openConversationId, processQueryKey });
   */
  async privateChatQuery(request: ChatQueryRequest, options: CallOptions = {}): Promise<ChatQueryResponse> {
    return normalizeStatus(
      await this.post<ChatQueryResponse>('/v1.0/robot/privateChatMessages/query', request, true, SHAPES.chatQuery, options),
    );
  }

  /**
   * `POST /v1.0/robot/privateChatMessages/batchRecall`.
   * @example await client.batchRecallPrivateChat({ robotCode, openConversationId, processQueryKeys: [key] });
   */
  batchRecallPrivateChat(request: ChatRecallRequest, options: CallOptions = {}): Promise<RecallResponse> {
    return this.recallAt('/v1.0/robot/privateChatMessages/batchRecall', request, options);
  }

  /**
   * Every user who has read a person-to-person message, across all pages.
   * @example const readers = []; for await (const id of client.privateChatReadUsers(request)) readers.push(id);
   */
  privateChatReadUsers(request: Omit<ChatQueryRequest, 'nextToken'>, options: CallOptions = {}): AsyncGenerator<string> {
    return this.walk((page) => this.privateChatQuery(page, options), request);
  }

  // ------------------------------------------------------------------ transport

  private async *walk(
    query: (page: ChatQueryRequest) => Promise<ChatQueryResponse>,
    request: Omit<ChatQueryRequest, 'nextToken'>,
  ): AsyncGenerator<string> {
    let nextToken: string | undefined;
    const seen = new Set<string>();
    do {
      const page = await query({ ...request, maxResults: request.maxResults ?? 200, ...(nextToken ? { nextToken } : {}) });
      yield* page.readUserIds;
      nextToken = page.hasMore ? page.nextToken : undefined;
      // A server that hands out a cursor twice would keep the walk going forever.
      if (nextToken !== undefined && seen.has(nextToken)) {
        throw new DingTalkApiError({
          method: 'POST',
          path: '(page walk)',
          status: 200,
          code: 'InvalidResponse',
          message: 'the server returned the same nextToken twice',
        });
      }
      if (nextToken !== undefined) seen.add(nextToken);
    } while (nextToken);
  }

  /** A recall; DingTalk may leave out an empty result list or map. */
  private async recallAt(path: string, request: unknown, options: CallOptions): Promise<RecallResponse> {
    const answer = await this.post<Partial<RecallResponse>>(path, request, false, SHAPES.recall, options);
    return { ...answer, successResult: answer.successResult ?? [], failedResult: answer.failedResult ?? {} };
  }

  /** A send: msgParam goes out as the JSON string DingTalk takes, whichever form it was given in. */
  private async send<T>(path: string, request: MessageContent, options: CallOptions): Promise<T> {
    let body: MessageContent & { msgParam: string };
    try {
      body = withJsonParam(request);
    } catch (cause) {
      throw new DingTalkClientError({ method: 'POST', path, message: `msgParam cannot be encoded: ${(cause as Error).message}`, cause });
    }
    return this.post<T>(path, body, false, SHAPES.send, options);
  }

  private post<T>(path: string, body: unknown, idempotent: boolean, shape: Shape, options: CallOptions): Promise<T> {
    return this.call<T>({ method: 'POST', path, body, auth: true, idempotent, shape }, options);
  }

  private async call<T>(spec: RequestSpec, options: CallOptions): Promise<T> {
    const attempts = spec.idempotent || options.retry ? 1 + this.options.retries : 1;
    let refreshedToken = false;
    for (let attempt = 1; ; attempt++) {
      let token: string | undefined;
      try {
        token = spec.auth ? await this.token(spec, options) : undefined;
        return await this.once<T>(spec, token, options);
      } catch (error) {
        // A rejected token did nothing on the server, so even a send may try once more with a new one.
        const tokenRejected = isDingTalkApiError(error) && error.code === 'InvalidAuthentication';
        if (tokenRejected && token !== undefined && this.tokenProvider === undefined && !refreshedToken) {
          refreshedToken = true;
          this.forget(token);
          attempt--;
          continue;
        }
        if (attempt >= attempts || !isRetryable(error)) throw error;
        try {
          await sleep(this.backoff(attempt), options.signal);
        } catch (cause) {
          throw new DingTalkAbortError({ method: spec.method, path: spec.path, message: 'aborted by the caller', cause });
        }
      }
    }
  }

  /** Exponential backoff with full jitter: a random delay up to base × 2^(attempt−1), capped. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.retryMaxDelayMs, this.options.retryBaseDelayMs * 2 ** (attempt - 1));
    return Math.random() * ceiling;
  }

  private async once<T>(spec: RequestSpec, token: string | undefined, options: CallOptions): Promise<T> {
    const where = { method: spec.method, path: spec.path };
    const url = new URL(this.endpoint + spec.path);
    let body: string | undefined;
    try {
      if (spec.query) url.search = new URLSearchParams(spec.query).toString();
      if (spec.body !== undefined) body = JSON.stringify(spec.body);
    } catch (cause) {
      throw new DingTalkClientError({ ...where, message: `the request cannot be encoded: ${(cause as Error).message}`, cause });
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers['x-acs-dingtalk-access-token'] = token;
    if (body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
    const timeout = AbortSignal.timeout(options.timeoutMs ?? this.options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const failure = (cause: unknown): DingTalkError => {
      if (options.signal?.aborted) return new DingTalkAbortError({ ...where, message: 'aborted by the caller', cause });
      if (timeout.aborted) {
        return new DingTalkTimeoutError({ ...where, message: `no answer within ${options.timeoutMs ?? this.options.timeoutMs} ms`, cause });
      }
      return new DingTalkNetworkError({ ...where, message: (cause as Error)?.message ?? String(cause), cause });
    };
    let status: number;
    let text: string;
    let headerRequestId: string | undefined;
    try {
      const response = await this.fetchImpl(url, {
        method: spec.method,
        headers,
        signal,
        ...(body !== undefined ? { body } : {}),
      });
      status = response.status;
      headerRequestId = response.headers.get('x-acs-request-id') ?? undefined;
      text = await response.text();
    } catch (error) {
      throw failure(error);
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (status >= 400) throw apiError(status, parsed, text, headerRequestId, where);
    const problem =
      parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)
        ? `expected a JSON object, got ${JSON.stringify(text.slice(0, 100))}`
        : spec.shape(parsed as Record<string, unknown>) && `the answer lacks ${spec.shape(parsed as Record<string, unknown>)}`;
    if (problem) {
      throw new DingTalkApiError({
        ...where,
        status,
        code: 'InvalidResponse',
        message: problem,
        ...(headerRequestId ? { requestId: headerRequestId } : {}),
      });
    }
    return parsed as T;
  }
}

function apiError(
  status: number,
  parsed: unknown,
  text: string,
  headerRequestId: string | undefined,
  where: { method: string; path: string },
): DingTalkApiError {
  const body = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  // DingTalk's gateway spells the keys in lower case; other Alibaba gateways capitalise them.
  const pick = (...keys: string[]): unknown => keys.map((key) => body[key]).find((value) => value !== undefined);
  const code = pick('code', 'Code');
  const message = pick('message', 'Message');
  const requestId = pick('requestid', 'RequestId', 'requestId') ?? headerRequestId;
  const detail = pick('accessdenieddetail', 'AccessDeniedDetail');
  return new DingTalkApiError({
    ...where,
    status,
    code: typeof code === 'string' ? code : `HTTP${status}`,
    message: typeof message === 'string' ? message : text.slice(0, 200) || `HTTP ${status}`,
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(detail !== null && typeof detail === 'object' ? { accessDeniedDetail: detail as Record<string, unknown> } : {}),
  });
}

/** 5xx, throttling, and no answer at all: worth another try when the call is safe to repeat. */
function isRetryable(error: unknown): boolean {
  if (!isDingTalkError(error)) return false;
  if (error.kind === 'network' || error.kind === 'timeout') return true;
  if (error.kind !== 'api') return false;
  return (error.status !== undefined && error.status >= 500) || isThrottlingError(error);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** DingTalk's msgParam is a JSON string; the client also takes the object. */
function withJsonParam<T extends MessageContent>(request: T): T & { msgParam: string } {
  const msgParam = typeof request.msgParam === 'string' ? request.msgParam : JSON.stringify(request.msgParam);
  if (typeof msgParam !== 'string') throw new TypeError('msgParam is neither a string nor a JSON-encodable object');
  return { ...request, msgParam };
}

/** Some DingTalk documents and SDK examples spell SUCCESS as SUCESS; answers always say SUCCESS. */
function normalizeStatus<T extends { sendStatus: string }>(answer: T): T {
  return (answer.sendStatus as string) === 'SUCESS' ? { ...answer, sendStatus: 'SUCCESS' } : answer;
}

/** The value of a string-or-function option, as a client error if the function fails or gives nothing. */
async function provided(
  provider: string | (() => string | Promise<string>),
  what: string,
  at: { method: string; path: string },
): Promise<string> {
  if (typeof provider === 'string') return provider;
  let value: unknown;
  try {
    value = await provider();
  } catch (cause) {
    throw new DingTalkClientError({ method: at.method, path: at.path, message: `the ${what} provider failed`, cause });
  }
  if (typeof value !== 'string' || value === '') {
    throw new DingTalkClientError({ method: at.method, path: at.path, message: `the ${what} provider gave no ${what === 'accessToken' ? 'token' : what}` });
  }
  return value;
}

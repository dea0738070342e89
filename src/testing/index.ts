/**
 * `dingread/testing`: dingread inside a test process. `startDingread()` starts a server on a free
 * port with the in-memory store and hands back its URL and a typed control-plane client.
 *
 * @example
 * import { startDingread } from 'dingread/testing';
 * const dingread = await startDingread({ fixture: myDirectory });
 * // point your bot at dingread.url, then:
 * await dingread.admin.reads([{ processQueryKey, userId: 'u1' }]);
 * await dingread.admin.clock.advance(25 * 3600 * 1000);
 * await dingread.close();
 */
import type { CoreOptions } from '../core/context.js';
import type { StreamOptions } from '../core/stream.js';
import type { FixtureDocument } from '../core/fixtures.js';
import { DEMO } from '../demo/demo-directory.js';
import { startServer } from '../server.js';
import { AdminClient } from './admin-client.js';

export {
  AdminClient,
  AdminError,
  type ChatRefInput,
  type FileInput,
  type ReadEvent,
  type MessageListQuery,
  type RequestLogQuery,
  type SayInput,
} from './admin-client.js';
export { readEventStream, type EventFrame } from './event-stream.js';
export type { SayResult, TimelineItem, DeliveryStatus, FileView } from '../core/answers.js';
export type { ConnectionInfo } from '../core/stream-hub.js';
export type { StreamOptions } from '../core/stream.js';
export type { Fault, FaultSpec } from '../core/faults.js';
export type { LoggedRequest } from '../core/request-log.js';
export type { FixtureDocument } from '../core/fixtures.js';
export type { FixtureCounts } from '../core/answers.js';
export type { MessageDetail, MessageSummary } from '../core/answers.js';
export type { ClockState } from '../core/clock.js';

export interface StartDingreadOptions {
  /** A directory to load before the first request. */
  fixture?: FixtureDocument;
  /** Load the demo directory (and its two demo messages) instead of, or as well as, a fixture. */
  demo?: boolean;
  /** `memory` (default) or `sqlite:PATH`. */
  store?: string;
  /** Require this bearer token on the control plane (the returned `admin` sends it). */
  adminToken?: string;
  /** Keep new messages PROCESSING for this long (queries answer processQueryKey.expireTime meanwhile). */
  deliveryDelayMs?: number;
  /** Leave readTimestamp out of readStatus, exactly as DingTalk does. */
  readTimestamp?: boolean;
  /**
   * DingTalk's throttling: calls per second per app and API before 403
   * `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`. Off by default here (a test suite sends
   * bursts no real bot sends, and a limit that fires by machine speed makes flaky tests); pass
   * 20, DingTalk's limit and the CLI's default, to test how your bot backs off.
   */
  qpsLimit?: number;
  /** How many recent DingTalk calls `admin.requests()` keeps (default 1000). */
  requestLogSize?: number;
  /**
   * How many bytes of the latest calls' bodies the request log keeps (default 1 MiB); an older
   * entry says `bodiesDropped: true` instead. 0 keeps entries without bodies.
   */
  requestLogBodyBytes?: number;
  /** Same seed, same calls: the same processQueryKeys, access tokens and request ids. */
  seed?: number | string;
  /**
   * Refuse unknown and `null` fields in DingTalk API requests (400 `invalidParameter.param.invalid`),
   * to lint your bot's requests. By default they are ignored, as DingTalk's gateway does; the
   * request log (`admin.requests()`) names unknown fields either way, as `unknownFields`.
   */
  strict?: boolean;
  /** Stream mode: redelivery delay (`redeliveryMs`, server clock) and count, lifetimes, limits. */
  stream?: Partial<StreamOptions>;
}

export interface RunningDingread {
  /** Base URL, such as `http://127.0.0.1:41234`: the official SDK takes its host as `endpoint`. */
  url: string;
  port: number;
  admin: AdminClient;
  /** The demo app's credentials, when started with `demo: true`. */
  demo?: { appKey: string; appSecret: string; robotCode: string; otoKey: string; groupKey: string };
  close(): Promise<void>;
}

export async function startDingread(options: StartDingreadOptions = {}): Promise<RunningDingread> {
  const core: Partial<CoreOptions> = {};
  if (options.deliveryDelayMs !== undefined) core.deliveryDelayMs = options.deliveryDelayMs;
  if (options.readTimestamp !== undefined) core.readTimestamp = options.readTimestamp;
  const server = await startServer({
    port: 0,
    store: options.store ?? 'memory',
    demo: options.demo ?? false,
    adminToken: options.adminToken,
    core,
    emulator: {
      qpsLimit: options.qpsLimit ?? 0,
      ...(options.requestLogSize === undefined ? {} : { requestLogSize: options.requestLogSize }),
      ...(options.requestLogBodyBytes === undefined ? {} : { requestLogBodyBytes: options.requestLogBodyBytes }),
    },
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.strict === undefined ? {} : { strict: options.strict }),
    ...(options.stream === undefined ? {} : { stream: options.stream }),
  });
  const admin = new AdminClient(server.url, options.adminToken);
  try {
    if (options.fixture) await admin.applyFixture(options.fixture);
  } catch (error) {
    await server.close();
    throw error;
  }
  const running: RunningDingread = { url: server.url, port: server.port, admin, close: () => server.close() };
  if (server.demo) {
    running.demo = { appKey: DEMO.appKey, appSecret: DEMO.appSecret, robotCode: DEMO.robotCode, otoKey: server.demo.otoKey, groupKey: server.demo.groupKey };
  }
  return running;
}

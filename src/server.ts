/**
 * Boots dingread: opens the store, builds the app, loads fixtures or the demo, listens. The CLI's
 * `serve` and the tests both start servers through here.
 */
import type { AnswerCheck } from './api/answer-check.js';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp, type HttpTimeouts } from './api/app.js';
import { instrumentStore, Metrics } from './api/ops/metrics.js';
import type { EmulatorOptions } from './api/emulator/emulator.js';
import { isLoopbackHost } from './api/proxy/request-target.js';
import { Clock } from './core/clock.js';
import { createCoreContext, DEFAULT_CORE_OPTIONS, type CoreContext, type CoreOptions } from './core/context.js';
import { DingReadError } from './core/errors.js';
import { applyFixture } from './core/fixtures.js';
import { OperatorError } from './core/operator-errors.js';
import type { Seed } from './core/random.js';
import {
  checkRetention,
  DEFAULT_PURGE_BATCH,
  DEFAULT_PURGE_INTERVAL_MS,
  DEFAULT_RETENTION_MS,
  RetentionError,
  startRetention,
  type RetentionJob,
  type RetentionOptions,
} from './core/retention.js';
import type { Store } from './core/store.js';
import type { StreamOptions } from './core/stream.js';
import { seedDemo, type DemoMessages } from './demo/seed-demo.js';
import { startDemoSimulator, type SimulatorOptions } from './demo/simulator.js';
import { openStore } from './store/open-store.js';
import { keepTickShape } from './tick-shape.js';
import { VERSION } from './version.js';

export interface ServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** `memory`, `sqlite:PATH`, `postgres://…`; or a Store already open. */
  store?: string | Store;
  fixtureFile?: string;
  demo?: boolean;
  /** With `demo`: the demo robot keeps posting and demo users keep reading (demo/simulator.ts). */
  simulate?: boolean | SimulatorOptions;
  adminToken?: string | undefined;
  logger?: FastifyServerOptions['logger'];
  core?: Partial<CoreOptions>;
  clock?: Clock;
  /** Faults, QPS limit (off unless given) and request log. */
  emulator?: EmulatorOptions;
  /** Reproducible keys, tokens and request ids (core/random.ts). */
  seed?: Seed;
  /** Purging of old messages (default: kept 7 days, looked for hourly); false turns it off. */
  retention?: Partial<RetentionOptions> | false;
  /** SQLite's synchronous mode: `normal` (default) survives a crash of the process, `full` also one of the machine. */
  sqliteSync?: 'normal' | 'full';
  /** Header, request, idle and keep-alive timeouts (api/app.ts DEFAULT_TIMEOUTS). */
  timeouts?: Partial<HttpTimeouts>;
  /** Control-plane calls per second per client address; 0 or absent: no limit. */
  controlQpsLimit?: number;
  /** Refuse unknown and `null` fields on DingTalk's routes, instead of ignoring them as DingTalk does. */
  strict?: boolean;
  /** Stream mode: redelivery delay and count, ticket and session-webhook lifetimes, limits (core/stream.ts). */
  stream?: Partial<StreamOptions>;
  /** Checks every answer against its route's schema (tests; src/api/answer-check.ts). */
  answerCheck?: AnswerCheck;
}

export interface RunningServer {
  url: string;
  port: number;
  app: FastifyInstance;
  ctx: CoreContext;
  demo: DemoMessages | undefined;
  /** The purge job, when retention is on. */
  retention: RetentionJob | undefined;
  close(): Promise<void>;
}

/** The server did not start; `code` says why (core/operator-errors.ts), `hint` what to do. */
export class StartupError extends OperatorError {}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  // The command did this first of all; a server started from the library does it here (tick-shape.ts).
  keepTickShape();
  const host = options.host ?? '127.0.0.1';
  if (!options.adminToken && !isLoopbackHost(host)) {
    throw new StartupError(
      'startup.publicWithoutAdminToken',
      `refusing to listen on ${host} without an admin token: the control plane would be open to the network. ` +
        'Pass --admin-token (or DINGREAD_ADMIN_TOKEN), or listen on 127.0.0.1.',
    );
  }
  const retentionOptions = resolveRetention(options);
  const store =
    typeof options.store === 'object'
      ? options.store
      : openStore(options.store ?? 'memory', options.sqliteSync === 'full' ? { synchronous: 'FULL' } : {});
  const metrics = new Metrics();
  let retention: RetentionJob | undefined;
  try {
    const ctx = await createCoreContext(instrumentStore(store, metrics), options.core, options.clock, options.seed);
    if (options.fixtureFile) await loadFixtureFile(ctx, options.fixtureFile);
    const demo = options.demo ? await seedDemo(ctx) : undefined;
    const app = await buildApp(ctx, {
      adminToken: options.adminToken,
      version: VERSION,
      logger: options.logger,
      ...(options.emulator ? { emulator: options.emulator } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      metrics,
      controlQpsLimit: options.controlQpsLimit ?? 0,
      strict: options.strict ?? false,
      ...(options.stream ? { stream: options.stream } : {}),
      ...(options.answerCheck ? { answerCheck: options.answerCheck } : {}),
    });
    await app.listen({ host, port: options.port ?? 3939 });
    const simulate = options.demo && options.simulate;
    const simulator = simulate ? startDemoSimulator(ctx, simulate === true ? {} : simulate) : undefined;
    if (retentionOptions) {
      retention = startRetention(ctx, retentionOptions, (error) => app.log.error({ err: error }, 'purging old messages failed'));
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 3939);
    const urlHost = host.includes(':') ? `[${host}]` : host;
    return {
      url: `http://${urlHost}:${port}`,
      port,
      app,
      ctx,
      demo,
      retention,
      async close() {
        simulator?.stop();
        await retention?.stop();
        await app.close();
        metrics.stop();
        await store.close();
      },
    };
  } catch (error) {
    metrics.stop();
    await retention?.stop();
    await store.close();
    throw error;
  }
}

function resolveRetention(options: ServerOptions): RetentionOptions | undefined {
  if (options.retention === false) return undefined;
  const resolved: RetentionOptions = {
    retentionMs: options.retention?.retentionMs ?? DEFAULT_RETENTION_MS,
    intervalMs: options.retention?.intervalMs ?? DEFAULT_PURGE_INTERVAL_MS,
    batchSize: options.retention?.batchSize ?? DEFAULT_PURGE_BATCH,
  };
  try {
    checkRetention(resolved, options.core?.queryWindowMs ?? DEFAULT_CORE_OPTIONS.queryWindowMs);
  } catch (error) {
    if (error instanceof RetentionError) throw new StartupError(error.code, error.message, { cause: error });
    throw error;
  }
  return resolved;
}

async function loadFixtureFile(ctx: CoreContext, path: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a folder, not a file' : (error as Error).message;
    throw new StartupError('startup.fixtureUnreadable', `cannot read the fixture ${path}: ${why}`, { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new StartupError('startup.fixtureUnreadable', `the fixture ${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  try {
    await applyFixture(ctx, document);
  } catch (error) {
    if (error instanceof DingReadError) {
      throw new StartupError('startup.fixtureRejected', `fixture ${path} was not loaded: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * The server options `dingread serve` and `dingread exec` share: their flags, environment
 * variables and checks, turned into ServerOptions, and starting the server with a sentence for
 * each way that can fail. Each command picks its own defaults.
 */
import { OperatorError } from '../core/operator-errors.js';
import { DAY_MS } from '../core/retention.js';
import { DEFAULT_REQUEST_LOG_BODY_BYTES, DEFAULT_REQUEST_LOG_SIZE, MAX_REQUEST_LOG_BODY_BYTES, MAX_REQUEST_LOG_SIZE } from '../core/request-log.js';
import { DINGTALK_QPS_LIMIT } from '../core/throttle.js';
import { startServer, type RunningServer, type ServerOptions } from '../server.js';
import { CommandError, UsageError, wholeNumber, type OptionSpecs, type Values } from './command.js';
import type { Io } from './io.js';

/** The flags both commands take; each command words --host, --port and --store with its defaults. */
export const SERVER_OPTIONS = {
  host: { type: 'string', value: 'HOST', help: 'address to listen on (default 127.0.0.1; env DINGREAD_HOST)' },
  port: { type: 'string', value: 'PORT', help: 'port to listen on; 0 picks a free one (env DINGREAD_PORT)' },
  store: { type: 'string', value: 'STORE', help: 'memory | sqlite:PATH | postgres://… (env DINGREAD_STORE)' },
  fixture: { type: 'string', value: 'FILE', help: 'load a fixture document (docs/control-plane.md) at start' },
  demo: {
    type: 'boolean',
    help: 'load the demo directory and post two demo messages (on a store that already holds them, the two are shown again)',
  },
  simulate: {
    type: 'boolean',
    help: 'with --demo: the demo robot keeps posting now and then while demo users read over the following minutes',
  },
  'no-simulate': { type: 'boolean', help: 'with --demo: no simulated posts and reads' },
  'admin-token': {
    type: 'string',
    value: 'TOKEN',
    help: 'require "Authorization: Bearer TOKEN" on /_dingread/v1/* (env DINGREAD_ADMIN_TOKEN); without it the control plane answers loopback callers only',
  },
  'no-read-timestamp': { type: 'boolean', help: 'leave readTimestamp out of readStatus, exactly as DingTalk does' },
  'delivery-delay-ms': {
    type: 'string',
    value: 'N',
    help: 'keep new messages PROCESSING for N ms (queries answer processQueryKey.expireTime meanwhile, as DingTalk does)',
  },
  'qps-limit': {
    type: 'string',
    value: 'N',
    help: `calls per second per app and API before 403 Forbidden.AccessDenied.QpsLimitForAppkeyAndApi (default ${DINGTALK_QPS_LIMIT}, as DingTalk; 0 turns throttling off; env DINGREAD_QPS_LIMIT)`,
  },
  'request-log': {
    type: 'string',
    value: 'N',
    help: `how many of the latest DingTalk API calls the request log keeps (default ${DEFAULT_REQUEST_LOG_SIZE}; at most ${MAX_REQUEST_LOG_SIZE}; 0 keeps none; env DINGREAD_REQUEST_LOG)`,
  },
  'request-log-bodies': {
    type: 'string',
    value: 'BYTES',
    help: `how many bytes of the latest calls' bodies the request log keeps, such as 512K or 8M (default ${sizeText(DEFAULT_REQUEST_LOG_BODY_BYTES)}; at most ${sizeText(MAX_REQUEST_LOG_BODY_BYTES)}; 0 keeps entries without bodies; env DINGREAD_REQUEST_LOG_BODIES)`,
  },
  seed: {
    type: 'string',
    value: 'S',
    help: "make processQueryKeys, access tokens and request ids the same run to run (env DINGREAD_SEED; for tests only: a seeded server's tokens are guessable)",
  },
  'retention-days': {
    type: 'string',
    value: 'N',
    help: 'delete messages and their reads N days after they were sent (default 7; at least 1, the query window; env DINGREAD_RETENTION_DAYS)',
  },
  log: { type: 'boolean', help: 'log every request as JSON lines on stdout (request ids, no secrets)' },
  'sqlite-sync': {
    type: 'string',
    value: 'MODE',
    help: 'normal (default): every answered write survives a crash of the process; full: also a crash of the machine or power loss, at an fsync per write (env DINGREAD_SQLITE_SYNC; docs/RELIABILITY.md has the measured cost)',
  },
  'control-qps-limit': {
    type: 'string',
    value: 'N',
    help: 'control-plane calls per second per client address before 403 Forbidden.AccessDenied.QpsLimitForApi (default 0: no limit; env DINGREAD_CONTROL_QPS_LIMIT)',
  },
  strict: {
    type: 'boolean',
    help: "refuse unknown and null body fields on DingTalk's routes (400) instead of ignoring them as DingTalk does; the request log names them either way",
  },
  'stream-redelivery-ms': {
    type: 'string',
    value: 'N',
    help: 'push an unacknowledged Stream callback again after N ms of the server clock, 3 pushes in all (default 60000; env DINGREAD_STREAM_REDELIVERY_MS)',
  },
  quiet: { type: 'boolean', help: 'print nothing but errors' },
} as const satisfies OptionSpecs;

type ServerFlagValues = Values<typeof SERVER_OPTIONS>;

export interface ServerDefaults {
  port: string;
  store: string;
  /** Run the demo simulator with --demo unless told otherwise. */
  simulate: boolean;
}

/** ServerOptions from parsed flags and the environment; throws UsageError naming the bad flag. */
export function serverOptionsFrom(values: ServerFlagValues, env: Io['env'], defaults: ServerDefaults): ServerOptions {
  const port = wholeNumber('port', values.port ?? env['DINGREAD_PORT'] ?? defaults.port, 0, 65_535, 'a number from 0 to 65535');
  const deliveryDelayMs = wholeNumber('delivery-delay-ms', values['delivery-delay-ms'] ?? '0', 0, MAX_MS, 'a whole number of milliseconds');
  const qpsLimit = wholeNumber(
    'qps-limit',
    values['qps-limit'] ?? env['DINGREAD_QPS_LIMIT'] ?? String(DINGTALK_QPS_LIMIT),
    0,
    MAX_QPS,
    'a whole number (0 turns it off)',
  );
  const requestLogSize = wholeNumber(
    'request-log',
    values['request-log'] ?? env['DINGREAD_REQUEST_LOG'] ?? String(DEFAULT_REQUEST_LOG_SIZE),
    0,
    MAX_REQUEST_LOG_SIZE,
    `a whole number of calls from 0 to ${MAX_REQUEST_LOG_SIZE}`,
  );
  const bodiesText = values['request-log-bodies'] ?? env['DINGREAD_REQUEST_LOG_BODIES'];
  const requestLogBodyBytes = bodiesText === undefined ? DEFAULT_REQUEST_LOG_BODY_BYTES : byteSize(bodiesText);
  if (requestLogBodyBytes === undefined || requestLogBodyBytes > MAX_REQUEST_LOG_BODY_BYTES) {
    throw new UsageError(
      `--request-log-bodies must be a number of bytes from 0 to ${sizeText(MAX_REQUEST_LOG_BODY_BYTES)}, such as 262144, 512K or 8M, not ${JSON.stringify(bodiesText)}`,
    );
  }
  // Days may be fractional (1.5), unlike every other number here.
  const retentionText = values['retention-days'] ?? env['DINGREAD_RETENTION_DAYS'] ?? '7';
  if (!/^\d{1,5}(\.\d+)?$/.test(retentionText) || Number(retentionText) < 1) {
    throw new UsageError(
      `--retention-days must be a number of days, at least 1 (the 24-hour query window), not ${JSON.stringify(retentionText)}`,
    );
  }
  const syncText = (values['sqlite-sync'] ?? env['DINGREAD_SQLITE_SYNC'] ?? 'normal').toLowerCase();
  if (syncText !== 'normal' && syncText !== 'full') throw new UsageError(`--sqlite-sync must be normal or full, not ${JSON.stringify(syncText)}`);
  const controlQpsLimit = wholeNumber(
    'control-qps-limit',
    values['control-qps-limit'] ?? env['DINGREAD_CONTROL_QPS_LIMIT'] ?? '0',
    0,
    MAX_QPS,
    'a whole number (0 turns it off)',
  );
  const redeliveryMs = wholeNumber(
    'stream-redelivery-ms',
    values['stream-redelivery-ms'] ?? env['DINGREAD_STREAM_REDELIVERY_MS'] ?? '60000',
    1,
    MAX_MS,
    'a whole number of milliseconds, at least 1',
  );
  const seed = values.seed ?? env['DINGREAD_SEED'];
  if (seed !== undefined && (seed === '' || seed.length > 256)) throw new UsageError('--seed must be 1 to 256 characters');
  const options: ServerOptions = {
    host: values.host ?? env['DINGREAD_HOST'] ?? '127.0.0.1',
    port,
    store: values.store ?? env['DINGREAD_STORE'] ?? defaults.store,
    demo: values.demo ?? false,
    simulate: values['no-simulate'] ? false : (values.simulate ?? defaults.simulate),
    adminToken: values['admin-token'] ?? env['DINGREAD_ADMIN_TOKEN'],
    logger: values.log ? { level: 'info' } : false,
    core: { readTimestamp: !values['no-read-timestamp'], deliveryDelayMs },
    emulator: { qpsLimit, requestLogSize, requestLogBodyBytes },
    retention: { retentionMs: Number(retentionText) * DAY_MS },
    sqliteSync: syncText,
    controlQpsLimit,
    strict: values.strict ?? false,
    stream: { redeliveryMs },
  };
  if (values.fixture) options.fixtureFile = values.fixture;
  if (seed !== undefined) options.seed = seed;
  return options;
}

/** Starts the server; a failure a person can mend (a bad store, a fixture, a port in use) becomes a CommandError. */
export async function startOrFail(options: ServerOptions): Promise<RunningServer> {
  try {
    return await startServer(options);
  } catch (error) {
    // With --json the error object also carries the operator error's own code and hint.
    if (error instanceof OperatorError) throw new CommandError('startup', error.message, { reason: error.code, hint: error.hint });
    throw (await listenFailure(error, options.host ?? '127.0.0.1', options.port ?? 3939)) ?? error;
  }
}

/** Why the server could not listen, in words, with what to do about it. */
async function listenFailure(error: unknown, host: string, port: number): Promise<CommandError | undefined> {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRINUSE') {
    const dingread = await isDingread(`http://${where}`);
    return new CommandError(
      'addressInUse',
      `port ${port} on ${host} is already in use${dingread ? `, by another dingread (its dashboard: http://${where}/_dingread/ui/)` : ''}. ` +
        'Stop what listens there, or choose another port with --port (--port 0 picks a free one).',
      { host, port },
    );
  }
  if (code === 'EACCES') {
    return new CommandError('addressRefused', `not allowed to listen on port ${port} (EACCES): ports below 1024 need privileges; choose another with --port.`, { host, port });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new CommandError('addressUnknown', `cannot listen on ${host} (${code}): it is not an address of this machine. Use --host 127.0.0.1, or one of its own addresses.`, { host, port });
  }
  return undefined;
}

async function isDingread(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/_dingread/health`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json()) as { status?: unknown };
    return body.status === 'ok';
  } catch {
    return false;
  }
}

/** The most milliseconds a flag takes (over eleven days). */
const MAX_MS = 999_999_999;
/** The most calls a second a limit takes. */
const MAX_QPS = 9_999_999;

/** `262144`, `512K`, `8M`, `1G` (also `512B`, `KiB`, `MB`…: powers of 1,024 either way); undefined for anything else. */
function byteSize(text: string): number | undefined {
  const match = /^(\d{1,10})\s*(?:([kmg])i?)?b?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  return Number(match[1]) * (unit === 'g' ? 1024 ** 3 : unit === 'm' ? 1024 ** 2 : unit === 'k' ? 1024 : 1);
}

/** A size in the units byteSize reads: `1M`, `1G`. */
function sizeText(bytes: number): string {
  for (const [unit, size] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}

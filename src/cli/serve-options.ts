/**
 * The server options `dingread serve` and `dingread exec` share: their flags, environment
 * variables and checks, turned into ServerOptions. Each command picks its own defaults.
 */
import type { ParseArgsConfig } from 'node:util';
import { DAY_MS } from '../core/retention.js';
import { DINGTALK_QPS_LIMIT } from '../core/throttle.js';
import type { ServerOptions } from '../server.js';

export const SERVER_FLAGS = {
  host: { type: 'string' },
  port: { type: 'string' },
  store: { type: 'string' },
  fixture: { type: 'string' },
  demo: { type: 'boolean', default: false },
  simulate: { type: 'boolean' },
  'no-simulate': { type: 'boolean' },
  'admin-token': { type: 'string' },
  'no-read-timestamp': { type: 'boolean', default: false },
  'delivery-delay-ms': { type: 'string' },
  'qps-limit': { type: 'string' },
  seed: { type: 'string' },
  'retention-days': { type: 'string' },
  log: { type: 'boolean', default: false },
  'sqlite-sync': { type: 'string' },
  'control-qps-limit': { type: 'string' },
  strict: { type: 'boolean', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** Help lines for the flags above, after `--store` (whose default differs by command). */
export const SERVER_FLAGS_HELP = `  --fixture FILE       load a fixture document (control-plane.md) at start
  --demo               load the demo directory and post two demo messages
  --simulate, --no-simulate
                       with --demo: whether the demo robot keeps posting now and then while
                       demo users read over the following minutes (serve: on; exec: off)
  --admin-token T      require "Authorization: Bearer T" on /_dingread/v1/* (env DINGREAD_ADMIN_TOKEN);
                       without it the control plane answers loopback callers only
  --no-read-timestamp  leave readTimestamp out of readStatus, exactly as DingTalk does
  --delivery-delay-ms N  keep new messages PROCESSING for N ms (queries answer
                       processQueryKey.expireTime meanwhile, as DingTalk does)
  --qps-limit N        calls per second per app and API before 403
                       Forbidden.AccessDenied.QpsLimitForAppkeyAndApi (default ${DINGTALK_QPS_LIMIT},
                       as DingTalk; 0 turns throttling off; env DINGREAD_QPS_LIMIT)
  --seed S             make processQueryKeys, access tokens and request ids the same run to run
                       (env DINGREAD_SEED; for tests only: a seeded server's tokens are guessable)
  --retention-days N   delete messages and their reads N days after they were sent (default 7;
                       at least 1, the query window; env DINGREAD_RETENTION_DAYS)
  --log                log every request as JSON lines on stdout (request ids, no secrets)
  --sqlite-sync MODE   normal (default): every answered write survives a crash of the process;
                       full: also a crash of the machine or power loss, at an fsync per write
                       (env DINGREAD_SQLITE_SYNC; docs/RELIABILITY.md has the measured cost)
  --control-qps-limit N  control-plane calls per second per client address before 403
                       Forbidden.AccessDenied.QpsLimitForApi (default 0: no limit;
                       env DINGREAD_CONTROL_QPS_LIMIT)
  --strict             refuse unknown and null body fields on DingTalk's routes (400) instead
                       of ignoring them as DingTalk does; the request log names them either way`;

type ServerFlagValues = {
  [K in keyof typeof SERVER_FLAGS]?: (typeof SERVER_FLAGS)[K]['type'] extends 'boolean' ? boolean : string;
};

export class OptionError extends Error {}

export interface ServerDefaults {
  port: string;
  store: string;
  /** Run the demo simulator with --demo unless told otherwise. */
  simulate: boolean;
}

/** ServerOptions from parsed flags and the environment; throws OptionError with a message for the user. */
export function serverOptionsFrom(values: ServerFlagValues, env: NodeJS.ProcessEnv, defaults: ServerDefaults): ServerOptions {
  const portText = values.port ?? env['DINGREAD_PORT'] ?? defaults.port;
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) {
    throw new OptionError(`--port must be a number from 0 to 65535, not ${JSON.stringify(portText)}`);
  }
  const delayText = values['delivery-delay-ms'] ?? '0';
  if (!/^\d{1,9}$/.test(delayText)) throw new OptionError('--delivery-delay-ms must be a whole number of milliseconds');
  const qpsText = values['qps-limit'] ?? env['DINGREAD_QPS_LIMIT'] ?? String(DINGTALK_QPS_LIMIT);
  if (!/^\d{1,7}$/.test(qpsText)) throw new OptionError(`--qps-limit must be a whole number (0 turns it off), not ${JSON.stringify(qpsText)}`);
  const retentionText = values['retention-days'] ?? env['DINGREAD_RETENTION_DAYS'] ?? '7';
  if (!/^\d{1,5}(\.\d+)?$/.test(retentionText) || Number(retentionText) < 1) {
    throw new OptionError(
      `--retention-days must be a number of days, at least 1 (the 24-hour query window), not ${JSON.stringify(retentionText)}`,
    );
  }
  const syncText = (values['sqlite-sync'] ?? env['DINGREAD_SQLITE_SYNC'] ?? 'normal').toLowerCase();
  if (syncText !== 'normal' && syncText !== 'full') throw new OptionError(`--sqlite-sync must be normal or full, not ${JSON.stringify(syncText)}`);
  const controlQpsText = values['control-qps-limit'] ?? env['DINGREAD_CONTROL_QPS_LIMIT'] ?? '0';
  if (!/^\d{1,7}$/.test(controlQpsText)) {
    throw new OptionError(`--control-qps-limit must be a whole number (0 turns it off), not ${JSON.stringify(controlQpsText)}`);
  }
  const seed = values.seed ?? env['DINGREAD_SEED'];
  if (seed !== undefined && (seed === '' || seed.length > 256)) throw new OptionError('--seed must be 1 to 256 characters');
  const options: ServerOptions = {
    host: values.host ?? env['DINGREAD_HOST'] ?? '127.0.0.1',
    port,
    store: values.store ?? env['DINGREAD_STORE'] ?? defaults.store,
    demo: values.demo ?? false,
    simulate: values['no-simulate'] ? false : (values.simulate ?? defaults.simulate),
    adminToken: values['admin-token'] ?? env['DINGREAD_ADMIN_TOKEN'],
    logger: values.log ? { level: 'info' } : false,
    core: { readTimestamp: !values['no-read-timestamp'], deliveryDelayMs: Number(delayText) },
    emulator: { qpsLimit: Number(qpsText) },
    retention: { retentionMs: Number(retentionText) * DAY_MS },
    sqliteSync: syncText,
    controlQpsLimit: Number(controlQpsText),
    strict: values.strict ?? false,
  };
  if (values.fixture) options.fixtureFile = values.fixture;
  if (seed !== undefined) options.seed = seed;
  return options;
}

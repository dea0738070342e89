/** `dingread serve`: run the server until SIGTERM or SIGINT, then shut down cleanly. */
import { parseArgs } from 'node:util';
import { startServer, StartupError, type RunningServer } from '../../server.js';
import { StoreUnavailableError } from '../../core/store.js';
import { DAY_MS } from '../../core/retention.js';
import { DEFAULT_STORE, redactStoreSpec, StoreSpecError } from '../../store/open-store.js';
import { SchemaTooNewError } from '../../store/errors.js';
import { DEMO } from '../../demo/demo-directory.js';
import { VERSION } from '../../version.js';

export const SERVE_HELP = `Usage: dingread serve [options]

Options:
  --host HOST          address to listen on (default 127.0.0.1; env DINGREAD_HOST)
  --port PORT          port to listen on; 0 picks a free one (default 3939; env DINGREAD_PORT)
  --store STORE        memory | sqlite:PATH | postgres://USER[:PASSWORD]@HOST:PORT/DB[?schema=NAME&pool=N]
                       (default ${DEFAULT_STORE}; env DINGREAD_STORE). Several nodes may
                       share one PostgreSQL database.
  --retention-days N   delete messages and their reads N days after they were sent (default 7;
                       at least 1, the query window; env DINGREAD_RETENTION_DAYS)
  --fixture FILE       load a fixture document (control-plane.md) at start
  --demo               load the demo directory and post two demo messages
  --admin-token T      require "Authorization: Bearer T" on /_dingread/v1/* (env DINGREAD_ADMIN_TOKEN);
                       without it the control plane answers loopback callers only
  --no-read-timestamp  leave readTimestamp out of readStatus, exactly as DingTalk does
  --delivery-delay-ms N  keep new messages PROCESSING for N ms (queries answer
                       processQueryKey.expireTime meanwhile, as DingTalk does)
  --quiet              print nothing but errors
  --log                log every request as JSON lines on stdout
  -h, --help           show this help

Examples:
  dingread serve --demo
  dingread serve --store memory --port 0 --fixture ./fixtures/acme.json
  DINGREAD_ADMIN_TOKEN=s3cret dingread serve --host 0.0.0.0 --store sqlite:/var/lib/dingread/db
  dingread serve --store postgres://dingread@db.internal:5432/dingread --retention-days 30
`;

const SHUTDOWN_GRACE_MS = 10_000;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        store: { type: 'string' },
        fixture: { type: 'string' },
        demo: { type: 'boolean', default: false },
        'admin-token': { type: 'string' },
        'no-read-timestamp': { type: 'boolean', default: false },
        'delivery-delay-ms': { type: 'string' },
        'retention-days': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        log: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`dingread serve: ${(error as Error).message}\n\n${SERVE_HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const env = process.env;
  const portText = values.port ?? env['DINGREAD_PORT'] ?? '3939';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) {
    process.stderr.write(`dingread serve: --port must be a number from 0 to 65535, not ${JSON.stringify(portText)}\n`);
    return 2;
  }
  const delayText = values['delivery-delay-ms'] ?? '0';
  if (!/^\d{1,9}$/.test(delayText)) {
    process.stderr.write(`dingread serve: --delivery-delay-ms must be a whole number of milliseconds\n`);
    return 2;
  }
  const retentionText = values['retention-days'] ?? env['DINGREAD_RETENTION_DAYS'] ?? '7';
  if (!/^\d{1,5}(\.\d+)?$/.test(retentionText) || Number(retentionText) < 1) {
    process.stderr.write(
      `dingread serve: --retention-days must be a number of days, at least 1 (the 24-hour query window), not ${JSON.stringify(retentionText)}\n`,
    );
    return 2;
  }
  const store = values.store ?? env['DINGREAD_STORE'] ?? DEFAULT_STORE;
  let server: RunningServer;
  try {
    server = await startServer({
      host: values.host ?? env['DINGREAD_HOST'] ?? '127.0.0.1',
      port,
      store,
      ...(values.fixture ? { fixtureFile: values.fixture } : {}),
      demo: values.demo,
      adminToken: values['admin-token'] ?? env['DINGREAD_ADMIN_TOKEN'],
      logger: values.log ? { level: 'info' } : false,
      core: { readTimestamp: !values['no-read-timestamp'], deliveryDelayMs: Number(delayText) },
      retention: { retentionMs: Number(retentionText) * DAY_MS },
    });
  } catch (error) {
    if (
      error instanceof StartupError ||
      error instanceof StoreSpecError ||
      error instanceof SchemaTooNewError ||
      error instanceof StoreUnavailableError
    ) {
      process.stderr.write(`dingread serve: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (!values.quiet) process.stdout.write(banner(server, store));
  installShutdown(server);
  return -1;
}

function installShutdown(server: RunningServer): void {
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    process.stderr.write(`dingread: ${signal}, finishing requests in flight and shutting down\n`);
    // A stuck client must not keep the process alive forever.
    const timer = setTimeout(() => {
      process.stderr.write('dingread: requests still open after the grace period, exiting\n');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    timer.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`dingread: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function banner(server: RunningServer, store: string): string {
  const { url, demo } = server;
  const lines = [`dingread ${VERSION} listening on ${url} (store: ${server.ctx.store.kind === 'memory' ? 'memory' : redactStoreSpec(store)})`];
  lines.push(`health:        curl -s ${url}/_dingread/health`);
  if (demo) {
    const tokenBody = JSON.stringify({ appKey: DEMO.appKey, appSecret: DEMO.appSecret });
    const query = new URLSearchParams({ robotCode: DEMO.robotCode, processQueryKey: demo.otoKey }).toString();
    const groupBody = JSON.stringify({
      openConversationId: DEMO.groupId,
      robotCode: DEMO.robotCode,
      processQueryKey: demo.groupKey,
      maxResults: 10,
    });
    lines.push(
      '',
      `Demo org ${DEMO.corpId}: appKey ${DEMO.appKey}, appSecret ${DEMO.appSecret}, robotCode ${DEMO.robotCode},`,
      `group ${DEMO.groupId} (50 members), person-to-person chat ${DEMO.pairId} (coolAppCode ${DEMO.coolAppCode}).`,
      '',
      '1. Get an access token (valid 7200 s):',
      `  TOKEN=$(curl -s -X POST ${url}/v1.0/oauth2/accessToken -H 'Content-Type: application/json' -d '${tokenBody}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).accessToken'); echo $TOKEN`,
      '',
      '2. Who has read the one-on-one demo message:',
      `  curl -s "${url}/v1.0/robot/oToMessages/readStatus?${query}" -H "x-acs-dingtalk-access-token: $TOKEN"`,
      '',
      '3. Who has read the group demo message (first page of 10):',
      `  curl -s -X POST ${url}/v1.0/robot/groupMessages/query -H "x-acs-dingtalk-access-token: $TOKEN" -H 'Content-Type: application/json' -d '${groupBody}'`,
    );
  }
  lines.push('', 'Stop with Ctrl-C.', '');
  return lines.join('\n');
}

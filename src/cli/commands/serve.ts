/** `dingread serve`: run the server until SIGTERM or SIGINT, then shut down cleanly. */
import { parseArgs } from 'node:util';
import { startServer, StartupError, type RunningServer, type ServerOptions } from '../../server.js';
import { StoreUnavailableError } from '../../core/store.js';
import { DEFAULT_STORE, redactStoreSpec, StoreSpecError } from '../../store/open-store.js';
import { SchemaTooNewError } from '../../store/errors.js';
import { UI_PATH } from '../../api/ui/ui.routes.js';
import { DEMO } from '../../demo/demo-directory.js';
import { VERSION } from '../../version.js';
import { OptionError, SERVER_FLAGS, SERVER_FLAGS_HELP, serverOptionsFrom } from '../serve-options.js';

export const SERVE_HELP = `Usage: dingread serve [options]

Options:
  --host HOST          address to listen on (default 127.0.0.1; env DINGREAD_HOST)
  --port PORT          port to listen on; 0 picks a free one (default 3939; env DINGREAD_PORT)
  --store STORE        memory | sqlite:PATH | postgres://USER[:PASSWORD]@HOST:PORT/DB[?schema=NAME&pool=N]
                       (default ${DEFAULT_STORE}; env DINGREAD_STORE). Several nodes may
                       share one PostgreSQL database.
${SERVER_FLAGS_HELP}
  --quiet              print nothing but errors
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
        ...SERVER_FLAGS,
        quiet: { type: 'boolean', default: false },
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
  let options: ServerOptions;
  try {
    options = serverOptionsFrom(values, process.env, { port: '3939', store: DEFAULT_STORE, simulate: true });
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    process.stderr.write(`dingread serve: ${error.message}\n`);
    return 2;
  }
  const server = await startOrExplain('dingread serve', options);
  if (!server) return 1;
  if (!values.quiet) process.stdout.write(banner(server, String(options.store)));
  installShutdown(server);
  return -1;
}

/** Starts the server, or prints why it could not start (a bad store, a fixture, a public host) and answers undefined. */
export async function startOrExplain(command: string, options: ServerOptions): Promise<RunningServer | undefined> {
  try {
    return await startServer(options);
  } catch (error) {
    if (
      error instanceof StartupError ||
      error instanceof StoreSpecError ||
      error instanceof SchemaTooNewError ||
      error instanceof StoreUnavailableError
    ) {
      process.stderr.write(`${command}: ${error.message}\n`);
      return undefined;
    }
    throw error;
  }
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
  lines.push(`dashboard:     ${url}${UI_PATH}`);
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
      `Demo org ${DEMO.corpId}: appKey ${DEMO.appKey}, appSecret ${DEMO.appSecret}, robotCode ${DEMO.robotCode}`,
      `(or ${DEMO.appRobotCode}: the app's own bot, whose robotCode is its appKey as in DingTalk),`,
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

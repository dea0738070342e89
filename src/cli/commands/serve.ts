/** `dingread serve`: run the server until SIGTERM or SIGINT, then shut down cleanly. */
import { UI_PATH } from '../../api/ui/ui.routes.js';
import { DEMO } from '../../demo/demo-directory.js';
import { connectABotLines } from '../../demo/connect-a-bot.js';
import type { RunningServer } from '../../server.js';
import { DEFAULT_STORE, redactStoreSpec } from '../../store/open-store.js';
import { VERSION } from '../../version.js';
import { defineCommand } from '../command.js';
import type { Io, Signal } from '../io.js';
import { SERVER_OPTIONS, serverOptionsFrom, startOrFail } from '../serve-options.js';

const SHUTDOWN_GRACE_MS = 10_000;

export const command = defineCommand({
  name: 'serve',
  summary: 'run the server',
  usage: ['[options]'],
  description:
    'Runs the DingTalk-compatible API, the control plane and the dashboard until SIGTERM or SIGINT, which finish the requests in flight first.',
  options: {
    ...SERVER_OPTIONS,
    port: { ...SERVER_OPTIONS.port, help: 'port to listen on; 0 picks a free one (default 3939; env DINGREAD_PORT)' },
    store: {
      ...SERVER_OPTIONS.store,
      help: `memory | sqlite:PATH | postgres://USER[:PASSWORD]@HOST:PORT/DB[?schema=NAME&pool=N&groupCommit=off] (default ${DEFAULT_STORE}; env DINGREAD_STORE). Several nodes may share one PostgreSQL database.`,
    },
    simulate: { ...SERVER_OPTIONS.simulate, help: `${SERVER_OPTIONS.simulate.help} (on unless --no-simulate)` },
  },
  examples: [
    'dingread serve --demo',
    'dingread serve --store memory --port 0 --fixture ./fixtures/acme.json',
    'DINGREAD_ADMIN_TOKEN=s3cret dingread serve --host 0.0.0.0 --store sqlite:/var/lib/dingread/db',
    'dingread serve --store postgres://dingread@db.internal:5432/dingread --retention-days 30',
    "dingread serve --port 0 --store memory --json | jq -r .url",
  ],
  exitStatus:
    'Exit status: 0 after a clean shutdown, 1 when the server could not start (or requests were still open after the 10-second grace period), 2 for a mistake in the command line.',
  async run({ values, json, io }) {
    const options = serverOptionsFrom(values, io.env, { port: '3939', store: DEFAULT_STORE, simulate: true });
    // Listening from before the start: a signal during it must not end the process half-started.
    const signals = signalsOf(io, ['SIGINT', 'SIGTERM']);
    let server: RunningServer;
    try {
      server = await startOrFail(options);
    } catch (error) {
      signals.stop();
      throw error;
    }
    const store = server.ctx.store.kind === 'memory' ? 'memory' : redactStoreSpec(String(options.store));
    if (json) io.stdout.write(`${JSON.stringify(startedAs(server, store))}\n`);
    else if (!values.quiet) io.stdout.write(banner(server, store));
    const signal = await signals.next;
    if (!json && !values.quiet) io.stderr.write(`dingread: ${signal}, finishing requests in flight and shutting down\n`);
    // Further signals are ignored while closing; the grace period bounds how long a stuck client may keep us.
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), SHUTDOWN_GRACE_MS);
      timer.unref();
    });
    try {
      const closed = await Promise.race([server.close().then(() => 'closed' as const), grace]);
      if (closed === 'late') {
        io.stderr.write('dingread: requests still open after the grace period, exiting\n');
        return 1;
      }
      return 0;
    } catch (error) {
      io.stderr.write(`dingread: shutdown failed: ${String(error)}\n`);
      return 1;
    } finally {
      clearTimeout(timer);
      signals.stop();
    }
  },
});

/** The first of `names` to arrive; later ones are swallowed until stop(). */
function signalsOf(io: Io, names: readonly Signal[]): { next: Promise<Signal>; stop(): void } {
  let arrived: (signal: Signal) => void = () => {};
  const next = new Promise<Signal>((resolve) => (arrived = resolve));
  const stop = io.onSignal(names, (signal) => arrived(signal));
  return { next, stop };
}

/** What `--json` prints once the server listens. */
function startedAs(server: RunningServer, store: string): Record<string, unknown> {
  const started: Record<string, unknown> = { url: server.url, version: VERSION, store, dashboard: `${server.url}${UI_PATH}` };
  if (server.demo) started['demo'] = { ...DEMO, otoKey: server.demo.otoKey, groupKey: server.demo.groupKey, posted: server.demo.posted };
  return started;
}

function banner(server: RunningServer, store: string): string {
  const { url, demo } = server;
  const lines = [`dingread ${VERSION} listening on ${url} (store: ${store})`];
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
      demo.posted ? 'Posted two demo messages.' : 'The two demo messages an earlier start posted are still here (not posted again).',
      '',
      '1. Get an access token (valid 7200 s):',
      `  TOKEN=$(curl -s -X POST ${url}/v1.0/oauth2/accessToken -H 'Content-Type: application/json' -d '${tokenBody}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).accessToken'); echo $TOKEN`,
      '',
      '2. Who has read the one-on-one demo message:',
      `  curl -s "${url}/v1.0/robot/oToMessages/readStatus?${query}" -H "x-acs-dingtalk-access-token: $TOKEN"`,
      '',
      '3. Who has read the group demo message (first page of 10):',
      `  curl -s -X POST ${url}/v1.0/robot/groupMessages/query -H "x-acs-dingtalk-access-token: $TOKEN" -H 'Content-Type: application/json' -d '${groupBody}'`,
      '',
      ...connectABotLines(url),
    );
  }
  lines.push('', 'Stop with Ctrl-C.', '');
  return lines.join('\n');
}

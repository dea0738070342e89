/**
 * `dingread exec [options] -- <command...>`: start a server (in-memory, on a free port), run a
 * command with its address in the environment, stop the server, and exit with the command's
 * status. For test suites in any language: `dingread exec --demo -- pytest`.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { DEMO } from '../../demo/demo-directory.js';
import type { RunningServer, ServerOptions } from '../../server.js';
import { OptionError, SERVER_FLAGS, SERVER_FLAGS_HELP, serverOptionsFrom } from '../serve-options.js';
import { startOrExplain } from './serve.js';

export const EXEC_HELP = `Usage: dingread exec [options] -- <command> [args...]

Starts a server, runs the command with these variables set, stops the server and exits with the
command's status (a command killed by a signal gives 128 + its number):
  DINGREAD_URL         the base URL, such as http://127.0.0.1:41234
  DINGREAD_ENDPOINT    its host:port, the official SDK's "endpoint" (with protocol http)
  DINGREAD_ADMIN_TOKEN the admin token, when one was given
  with --demo: DINGREAD_APP_KEY, DINGREAD_APP_SECRET, DINGREAD_ROBOT_CODE (the demo app and robot)
SIGINT, SIGTERM and SIGHUP are passed on to the command.

Options (as for serve, with other defaults):
  --host HOST          address to listen on (default 127.0.0.1)
  --port PORT          port to listen on (default 0: a free one)
  --store STORE        memory | sqlite:PATH (default memory)
${SERVER_FLAGS_HELP}
  --quiet              do not print the server's address on stderr
  -h, --help           show this help

Examples:
  dingread exec --demo -- npm test
  dingread exec --fixture ./fixture.json --qps-limit 0 -- sh -c 'curl -s $DINGREAD_URL/_dingread/health'
`;

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function run(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const command = split < 0 ? [] : argv.slice(split + 1);
  let values;
  try {
    ({ values } = parseArgs({
      args: own,
      options: { ...SERVER_FLAGS, quiet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usageError(`${(error as Error).message} (the command goes after --)`);
  }
  if (values.help) {
    process.stdout.write(EXEC_HELP);
    return 0;
  }
  const [program, ...args] = command;
  if (program === undefined) return usageError('name the command to run after --, as in: dingread exec -- npm test');
  let options: ServerOptions;
  try {
    options = serverOptionsFrom(values, process.env, { port: '0', store: 'memory', simulate: false });
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    return usageError(error.message);
  }
  const server = await startOrExplain('dingread exec', options);
  if (!server) return 1;
  if (!values.quiet) process.stderr.write(`dingread: listening on ${server.url} for ${program}\n`);
  try {
    return await runChild(program, args, environment(server, options));
  } finally {
    await server.close();
  }
}

function usageError(message: string): number {
  process.stderr.write(`dingread exec: ${message}\n\n${EXEC_HELP}`);
  return 2;
}

function environment(server: RunningServer, options: ServerOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DINGREAD_URL: server.url, DINGREAD_ENDPOINT: new URL(server.url).host };
  if (options.adminToken) env['DINGREAD_ADMIN_TOKEN'] = options.adminToken;
  if (server.demo) {
    env['DINGREAD_APP_KEY'] = DEMO.appKey;
    env['DINGREAD_APP_SECRET'] = DEMO.appSecret;
    env['DINGREAD_ROBOT_CODE'] = DEMO.robotCode;
  }
  return env;
}

/** Runs the command to its end, passing signals on; resolves with the status to exit with. */
function runChild(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    const done = (status: number): void => {
      for (const signal of FORWARDED) process.off(signal, forward);
      resolve(status);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // spawn failed (no such program, not executable): the shell's statuses.
      process.stderr.write(`dingread exec: cannot run ${program}: ${error.message}\n`);
      done(error.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      if (signal) done(128 + (constants.signals[signal] ?? 0));
      else done(code ?? 1);
    });
  });
}

/**
 * `dingread exec [options] -- <command...>`: start a server (in-memory, on a free port), run a
 * command with its address in the environment, stop the server, and exit with the command's
 * status. For test suites in any language: `dingread exec --demo -- pytest`.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { DEMO } from '../../demo/demo-directory.js';
import type { RunningServer, ServerOptions } from '../../server.js';
import { defineCommand, UsageError } from '../command.js';
import type { Io, Signal } from '../io.js';
import { SERVER_OPTIONS, serverOptionsFrom, startOrFail } from '../serve-options.js';

const FORWARDED: readonly Signal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export const command = defineCommand({
  name: 'exec',
  summary: 'run a command against a fresh server: dingread exec [options] -- <command...>',
  usage: ['[options] -- <command> [args...]'],
  description: [
    'Starts a server, runs the command with these variables set, stops the server and exits with the command\'s status:',
    '  DINGREAD_URL          the base URL, such as http://127.0.0.1:41234',
    '  DINGREAD_ENDPOINT     its host:port, the official SDK\'s "endpoint" (with protocol http)',
    '  DINGREAD_ADMIN_TOKEN  the admin token, when one was given',
    '  with --demo: DINGREAD_APP_KEY, DINGREAD_APP_SECRET, DINGREAD_ROBOT_CODE (the demo app and robot)',
    'SIGINT, SIGTERM and SIGHUP are passed on to the command. The options are serve\'s, with other defaults.',
  ].join('\n'),
  options: {
    ...SERVER_OPTIONS,
    port: { ...SERVER_OPTIONS.port, help: 'port to listen on (default 0: a free one; env DINGREAD_PORT)' },
    store: { ...SERVER_OPTIONS.store, help: 'memory | sqlite:PATH | postgres://… (default memory; env DINGREAD_STORE)' },
    simulate: { ...SERVER_OPTIONS.simulate, help: `${SERVER_OPTIONS.simulate.help} (off unless --simulate)` },
    quiet: { type: 'boolean', help: "do not print the server's address on stderr" },
  },
  positionals: true,
  passOn: true,
  json: false,
  examples: [
    'dingread exec --demo -- npm test',
    "dingread exec --fixture ./fixture.json --qps-limit 0 -- sh -c 'curl -s $DINGREAD_URL/_dingread/health'",
  ],
  exitStatus:
    "Exit status: the command's own; 128 + n when a signal n killed it; 126 or 127 when it could not be run; 1 when the server could not start; 2 for a mistake in the command line.",
  async run({ values, positionals, rest, io }) {
    if (positionals.length > 0) {
      throw new UsageError(`put the command after --, as in: dingread exec [options] -- ${positionals.join(' ')}`);
    }
    const [program, ...args] = rest;
    if (program === undefined) throw new UsageError('name the command to run after --, as in: dingread exec -- npm test');
    const options = serverOptionsFrom(values, io.env, { port: '0', store: 'memory', simulate: false });
    const server = await startOrFail(options);
    if (!values.quiet) io.stderr.write(`dingread: listening on ${server.url} for ${program}\n`);
    try {
      return await runChild(io, program, args, environment(io, server, options));
    } finally {
      await server.close();
    }
  },
});

function environment(io: Io, server: RunningServer, options: ServerOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...io.env, DINGREAD_URL: server.url, DINGREAD_ENDPOINT: new URL(server.url).host };
  if (options.adminToken) env['DINGREAD_ADMIN_TOKEN'] = options.adminToken;
  if (server.demo) {
    env['DINGREAD_APP_KEY'] = DEMO.appKey;
    env['DINGREAD_APP_SECRET'] = DEMO.appSecret;
    env['DINGREAD_ROBOT_CODE'] = DEMO.robotCode;
  }
  return env;
}

/** Runs the command to its end, passing signals on; resolves with the status to exit with. */
function runChild(io: Io, program: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: 'inherit', env });
    const stopForwarding = io.onSignal(FORWARDED, (signal) => child.kill(signal));
    const done = (status: number): void => {
      stopForwarding();
      resolve(status);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // spawn failed (no such program, not executable): the shell's statuses.
      io.stderr.write(`dingread exec: cannot run ${program}: ${error.message}\n`);
      done(error.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      if (signal) done(128 + (constants.signals[signal] ?? 0));
      else done(code ?? 1);
    });
  });
}

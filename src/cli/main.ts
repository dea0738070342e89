#!/usr/bin/env node
/**
 * The `dingread` command. Each command lives in commands/ and exports `run(argv)`; this file only
 * dispatches. A command's module is imported when that command runs, so that `dingread status`
 * does not load the server and `dingread serve` starts without loading the other commands.
 */
import { VERSION } from '../version.js';

type Run = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<{ run: Run }>> = {
  serve: () => import('./commands/serve.js'),
  exec: () => import('./commands/exec.js'),
  export: () => import('./commands/export.js'),
  seed: () => import('./commands/seed.js'),
  status: () => import('./commands/status.js'),
  send: () => import('./commands/send.js'),
  read: () => import('./commands/read.js'),
  ca: () => import('./commands/ca.js'),
};

const USAGE = `dingread ${VERSION}: a wire-compatible DingTalk read-status server

Usage: dingread <command> [options]

Commands:
  serve     run the server (dingread serve --help for its options)
  exec      run a command against a fresh server: dingread exec [options] -- <command...>
  export    print a running server's directory as a fixture document
  seed      upsert a fixture document into a running server: dingread seed FILE
  status    how many have read a message; --watch follows reads live
  send      send a message as a robot, through the DingTalk API
  read      record that users read a message, or opened a chat
  ca        print the local CA's certificate, which bots trust in proxy mode

Options:
  --help, -h      show this help
  --version, -v   print the version
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    process.stderr.write(`dingread: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  const { run } = await load();
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    // serve keeps the process alive until a signal; every other command exits with its status.
    if (code !== -1) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`dingread: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

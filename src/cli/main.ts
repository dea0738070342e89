#!/usr/bin/env node
/** The `dingread` command. Each command lives in commands/ and exports `run(argv)`; this file only dispatches. */
import { VERSION } from '../version.js';
import { READ_HELP, run as read } from './commands/read.js';
import { run as send, SEND_HELP } from './commands/send.js';
import { run as serve, SERVE_HELP } from './commands/serve.js';
import { EXEC_HELP, run as exec } from './commands/exec.js';
import { EXPORT_HELP, run as exportDirectory } from './commands/export.js';
import { run as seed, SEED_HELP } from './commands/seed.js';
import { run as status, STATUS_HELP } from './commands/status.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  serve: { run: serve, help: SERVE_HELP },
  exec: { run: exec, help: EXEC_HELP },
  export: { run: exportDirectory, help: EXPORT_HELP },
  seed: { run: seed, help: SEED_HELP },
  status: { run: status, help: STATUS_HELP },
  send: { run: send, help: SEND_HELP },
  read: { run: read, help: READ_HELP },
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
  const entry = COMMANDS[command];
  if (!entry) {
    process.stderr.write(`dingread: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  return entry.run(rest);
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

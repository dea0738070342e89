#!/usr/bin/env node
/** The `dingread` command. Each command lives in commands/ and exports `run(argv)`; this file only dispatches. */
import { VERSION } from '../version.js';
import { READ_HELP, run as read } from './commands/read.js';
import { run as send, SEND_HELP } from './commands/send.js';
import { run as serve, SERVE_HELP } from './commands/serve.js';
import { run as status, STATUS_HELP } from './commands/status.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  serve: { run: serve, help: SERVE_HELP },
  status: { run: status, help: STATUS_HELP },
  send: { run: send, help: SEND_HELP },
  read: { run: read, help: READ_HELP },
};

const USAGE = `dingread ${VERSION}: a wire-compatible DingTalk read-status server

Usage: dingread <command> [options]

Commands:
  serve     run the server (dingread serve --help for its options)
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

/**
 * The `dingread` command: `main(argv, io)` finds the command and runs it; bin.ts calls it with the
 * process's own streams, tests call it with theirs. Each command is one file in commands/ that
 * exports `command` (command.ts says what it holds), registered by one line below. A command's
 * module is imported when that command runs, so that `dingread status` does not load the server
 * and `dingread serve` starts without loading the other commands.
 */
import { VERSION } from '../version.js';
import { suggestion, type Command } from './command.js';
import type { Io } from './io.js';

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  serve: () => import('./commands/serve.js'),
  exec: () => import('./commands/exec.js'),
  export: () => import('./commands/export.js'),
  seed: () => import('./commands/seed.js'),
  status: () => import('./commands/status.js'),
  send: () => import('./commands/send.js'),
  read: () => import('./commands/read.js'),
  say: () => import('./commands/say.js'),
  ca: () => import('./commands/ca.js'),
};

async function usage(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).command));
  return [
    `dingread ${VERSION}: a wire-compatible DingTalk read-status server`,
    '',
    'Usage: dingread <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(9)} ${command.summary}`),
    '',
    'Options:',
    '  -h, --help      show this help; dingread <command> --help shows a command\'s options and examples',
    '  -v, --version   print the version',
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout.write(await usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (name === 'help') return main([rest[0] as string, '--help'], io);
  if (name === undefined) {
    io.stderr.write(`dingread: name a command\n\n${await usage()}`);
    return 2;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    const message = `unknown command ${JSON.stringify(name)}${suggestion(name, Object.keys(COMMANDS), '')}`;
    if (rest.includes('--json')) io.stdout.write(`${JSON.stringify({ error: { code: 'usage', message } })}\n`);
    else io.stderr.write(`dingread: ${message}\nRun "dingread --help" for the commands.\n`);
    return 2;
  }
  const { command } = await load();
  return command.main(rest, io);
}

/**
 * The one shape every `dingread` command has: its options and help declared once, argv parsed
 * (node:util's parseArgs, with our own messages), and one error contract:
 *
 * - a failure is one human sentence on stderr (`dingread NAME: …`) and exit status 1;
 * - a mistake in the command line names the bad flag or argument, shows the command's usage
 *   line, and exits 2;
 * - with `--json`, stdout holds exactly one JSON object, the result or
 *   `{"error":{"code","message",…}}`, and nothing is written to stderr.
 *
 * A command is one file in commands/ that exports `command = defineCommand({...})`, plus one line
 * in main.ts.
 */
import { parseArgs } from 'node:util';
import { describeFailure, UsageError } from './failures.js';
import type { Io } from './io.js';

export { CommandError, UsageError } from './failures.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's name in help, as in `--url URL`. */
  readonly value?: string;
  readonly help: string;
  /** The help section it is listed under (default "Options"). */
  readonly section?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The parsed values: booleans are true when given, strings hold their value; absent is undefined. */
export type Values<O extends OptionSpecs> = {
  -readonly [K in keyof O]?: (O[K]['type'] extends 'boolean' ? boolean : string) | undefined;
};

export interface Call<O extends OptionSpecs> {
  readonly values: Values<O>;
  readonly positionals: string[];
  /** The arguments after `--`, for a command that passes them on (`passOn`). */
  readonly rest: string[];
  /** `--json` was given: print one JSON object. */
  readonly json: boolean;
  readonly io: Io;
}

/**
 * What a command answers: a result (printed as one JSON object with --json, as `text` otherwise),
 * or the exit status of a command that has printed for itself (serve, exec, status --watch).
 */
export type Outcome = number | { data: unknown; text: string; status?: number };

export interface CommandSpec<O extends OptionSpecs> {
  name: string;
  /** One line, for `dingread --help`. */
  summary: string;
  /** The usage lines, each after `dingread NAME `. */
  usage: readonly string[];
  description: string;
  options: O;
  /** Whether the command takes arguments besides its options (default: it takes none). */
  positionals?: boolean;
  /** Everything after `--` is passed on (exec), not parsed. */
  passOn?: boolean;
  /** Whether `--json` applies (default true; exec's output is its child's). */
  json?: boolean;
  examples: readonly string[];
  /** The help's last paragraph, when exit statuses mean more than success, failure and usage. */
  exitStatus?: string;
  /** Where the command's server is, for messages about reaching it (remote.ts). */
  target?: (values: Values<O>, env: Io['env']) => string | undefined;
  run(call: Call<O>): Promise<Outcome>;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  help(): string;
  /** Parses argv, runs the command, reports as the contract says; answers the exit status. */
  main(argv: readonly string[], io: Io): Promise<number>;
}

const HELP_OPTION = { type: 'boolean', short: 'h', help: 'show this help', section: 'Output' } as const;
const JSON_OPTION = {
  type: 'boolean',
  help: 'print one JSON object on stdout: the result, or {"error":{"code","message"}} on failure',
  section: 'Output',
} as const;

const WIDTH = 100;
const COLUMN = 23;

export function defineCommand<O extends OptionSpecs>(spec: CommandSpec<O>): Command {
  const json = spec.json !== false;
  const options: OptionSpecs = { ...spec.options, ...(json ? { json: JSON_OPTION } : {}), help: HELP_OPTION };
  const usageLines = (): string =>
    spec.usage.map((line, i) => `${i === 0 ? 'Usage: ' : '       '}dingread ${spec.name} ${line}`).join('\n');

  function help(): string {
    const sections = new Map<string, string[]>();
    for (const [name, option] of Object.entries(options)) {
      const section = option.section ?? 'Options';
      const lines = sections.get(section) ?? [];
      lines.push(optionLine(name, option));
      sections.set(section, lines);
    }
    const parts = [usageLines(), wrap(spec.description, 0)];
    for (const [section, lines] of sections) parts.push(`${section}:\n${lines.join('\n')}`);
    parts.push(`Examples:\n${spec.examples.map((example) => `  ${example}`).join('\n')}`);
    parts.push(wrap(spec.exitStatus ?? 'Exit status: 0 when it worked, 1 when it failed, 2 for a mistake in the command line.', 0));
    return `${parts.join('\n\n')}\n`;
  }

  async function main(argv: readonly string[], io: Io): Promise<number> {
    const split = spec.passOn ? argv.indexOf('--') : -1;
    const own = split < 0 ? [...argv] : argv.slice(0, split);
    const rest = split < 0 ? [] : argv.slice(split + 1);
    // Known before parsing, so that even a usage error answers in JSON when JSON was asked for.
    const wantsJson = json && own.includes('--json');
    let values: Values<O> = {};
    try {
      const parsed = parse(options, own, spec.positionals === true);
      values = parsed.values as Values<O>;
      if (values['help' as keyof O]) {
        io.stdout.write(help());
        return 0;
      }
      const outcome = await spec.run({ values, positionals: parsed.positionals, rest, json: wantsJson, io });
      if (typeof outcome === 'number') return outcome;
      io.stdout.write(wantsJson ? `${JSON.stringify(outcome.data)}\n` : ensureNewline(outcome.text));
      return outcome.status ?? 0;
    } catch (error) {
      if (error instanceof UsageError) {
        if (wantsJson) io.stdout.write(`${JSON.stringify({ error: { code: 'usage', message: error.message } })}\n`);
        else io.stderr.write(`dingread ${spec.name}: ${error.message}\n${usageLines()}\nRun "dingread ${spec.name} --help" for every option and examples.\n`);
        return 2;
      }
      const failure = describeFailure(error, spec.target?.(values, io.env));
      if (wantsJson) io.stdout.write(`${JSON.stringify({ error: { code: failure.code, message: failure.message, ...failure.details } })}\n`);
      else io.stderr.write(`dingread ${spec.name}: ${failure.message}\n`);
      return failure.exitStatus;
    }
  }

  return { name: spec.name, summary: spec.summary, help, main };
}

function parse(
  options: OptionSpecs,
  argv: string[],
  takesPositionals: boolean,
): { values: Record<string, string | boolean>; positionals: string[] } {
  const config = Object.fromEntries(
    Object.entries(options).map(([name, option]) => [name, option.short ? { type: option.type, short: option.short } : { type: option.type }]),
  );
  // Not strict: unknown options and missing values come back as tokens, and get our messages.
  const { tokens } = parseArgs({ args: argv, options: config, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (!option) throw new UsageError(`unknown option ${token.rawName}${suggestion(token.rawName, Object.keys(options))}`);
    if (values[token.name] !== undefined) throw new UsageError(`${token.rawName} is given twice`);
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value (given ${JSON.stringify(token.value)})`);
      values[token.name] = true;
      continue;
    }
    // `--url --json` would take "--json" as the URL: a value that looks like an option is missing.
    const value = token.value;
    if (value === undefined || (!token.inlineValue && /^-[^\d]/.test(value))) {
      throw new UsageError(`${token.rawName} needs a value${option.value ? ` (${option.value})` : ''}`);
    }
    values[token.name] = value;
  }
  if (!takesPositionals && positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  return { values, positionals };
}

/**
 * An option's whole number, from `least` to `most`: digits only, so that no sign, fraction,
 * exponent, space or hex slips through `Number()`; otherwise a UsageError saying what the option
 * takes (`meaning`) and what it was given.
 */
export function wholeNumber(option: string, text: string, least: number, most: number, meaning: string): number {
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= least && value <= most)) throw new UsageError(`--${option} must be ${meaning}, not ${JSON.stringify(text)}`);
  return value;
}

/** ` (did you mean --admin-token?)` for a near miss, or nothing. */
export function suggestion(given: string, known: string[], prefix = '--'): string {
  const bare = given.replace(/^-+/, '').split('=')[0] as string;
  let best: string | undefined;
  // Near enough to be a slip of the keyboard: at most two edits, and fewer than half the word.
  let bestDistance = Math.min(3, Math.ceil(bare.length / 2));
  for (const name of known) {
    const distance = editDistance(bare, name);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best === undefined ? '' : ` (did you mean ${prefix}${best}?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function optionLine(name: string, option: OptionSpec): string {
  const label = `  ${option.short ? `-${option.short}, ` : ''}--${name}${option.value ? ` ${option.value}` : ''}`;
  const text = wrap(option.help, COLUMN);
  return label.length < COLUMN - 1 ? `${label.padEnd(COLUMN)}${text.trimStart()}` : `${label}\n${text}`;
}

/**
 * Wraps text at WIDTH columns, every line indented by `indent` spaces (the first one's too). Each
 * line of `text` is a paragraph; one that starts with spaces keeps them, on its wrapped lines too.
 */
export function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    const lead = ' '.repeat(indent + (/^ */.exec(paragraph)?.[0].length ?? 0));
    // A line that fits stays as written, its spacing too (aligned columns).
    if (indent + paragraph.length <= WIDTH) {
      lines.push(`${' '.repeat(indent)}${paragraph}`);
      continue;
    }
    let line = '';
    for (const word of paragraph.trim().split(/ +/)) {
      if (line && lead.length + line.length + 1 + word.length > WIDTH) {
        lines.push(`${lead}${line}`);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(`${lead}${line}`);
  }
  return lines.join('\n');
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

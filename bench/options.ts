/**
 * The bench scripts' numeric options, read one way: a value that is not a number of the kind the
 * option takes stops the script with a message that says so (exit 2), rather than running a
 * measurement of `NaN` seconds or connections.
 */

export interface NumberRule {
  /** The least value allowed. */
  least?: number;
  /** A value must be greater than this one. */
  above?: number;
  /** Only whole numbers. */
  whole?: boolean;
}

/** `text` as the number `--name` takes; a RangeError that names the option and the rule when it is not. */
export function parseNumberOption(text: string, name: string, rule: NumberRule = {}): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  const fits =
    Number.isFinite(value) &&
    (!rule.whole || Number.isInteger(value)) &&
    (rule.least === undefined || value >= rule.least) &&
    (rule.above === undefined || value > rule.above);
  if (fits) return value;
  const kind = rule.whole ? 'a whole number' : 'a number';
  const bounds = [rule.least === undefined ? '' : ` of at least ${rule.least}`, rule.above === undefined ? '' : ` above ${rule.above}`].join('');
  throw new RangeError(`--${name} must be ${kind}${bounds}, not ${JSON.stringify(text)}`);
}

/** parseNumberOption for a script's command line: the message on stderr and exit 2 instead of a throw. */
export function numberOption(text: string, name: string, rule: NumberRule = {}): number {
  try {
    return parseNumberOption(text, name, rule);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}

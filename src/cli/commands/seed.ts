/** `dingread seed FILE`: upsert a fixture document into a running server. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { FixtureDocument } from '../../core/fixtures.js';
import { CONTROL_FLAGS, CONTROL_FLAGS_HELP, controlTarget, reportFailure } from '../control-options.js';
import { describeCounts } from './export.js';

export const SEED_HELP = `Usage: dingread seed [options] FILE

Upserts the fixture document in FILE (- for stdin) into the server's directory: applying the
same document twice changes nothing, and a document with any error changes nothing and names the
path of the first bad field. See control-plane.md for the document.

Options:
${CONTROL_FLAGS_HELP}

Examples:
  dingread seed ./fixtures/acme.json
  dingread export | dingread seed --url http://127.0.0.1:3940 --json -
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: CONTROL_FLAGS, strict: true, allowPositionals: true }));
  } catch (error) {
    process.stderr.write(`dingread seed: ${(error as Error).message}\n\n${SEED_HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(SEED_HELP);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    process.stderr.write(`dingread seed: give exactly one FILE (or - for stdin)\n\n${SEED_HELP}`);
    return 2;
  }
  const target = controlTarget(values);
  try {
    let document: FixtureDocument;
    const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
    try {
      document = JSON.parse(text) as FixtureDocument;
    } catch (error) {
      throw new Error(`${file === '-' ? 'stdin' : file} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    const counts = await target.admin.applyFixture(document);
    if (target.json) process.stdout.write(`${JSON.stringify(counts)}\n`);
    else process.stdout.write(`Seeded ${target.url} with ${describeCounts(counts)}\n`);
    return 0;
  } catch (error) {
    return reportFailure('dingread seed', target, error);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

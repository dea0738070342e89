/** `dingread seed FILE`: upsert a fixture document into a running server. */
import { readFile } from 'node:fs/promises';
import type { FixtureDocument } from '../../core/fixtures.js';
import { CommandError, defineCommand, UsageError } from '../command.js';
import { fileFailure } from '../failures.js';
import type { Io } from '../io.js';
import { CONNECTION_OPTIONS, connect, targetOf } from '../remote.js';
import { describeCounts } from './export.js';

export const command = defineCommand({
  name: 'seed',
  summary: 'upsert a fixture document into a running server: dingread seed FILE',
  usage: ['[options] FILE'],
  description:
    "Upserts the fixture document in FILE (- for stdin) into the server's directory: applying the same document twice changes nothing, and a document with any error changes nothing and names the path of the first bad field. Open dashboards show the change at once. docs/control-plane.md describes the document.",
  options: CONNECTION_OPTIONS,
  positionals: true,
  examples: ['dingread seed ./fixtures/acme.json', 'dingread export | dingread seed --url http://127.0.0.1:3940 --json -'],
  target: targetOf,
  async run({ values, positionals, io }) {
    const [file, ...extra] = positionals;
    if (file === undefined) throw new UsageError('give the FILE to seed (or - for stdin)');
    if (extra.length > 0) throw new UsageError(`give one FILE, not ${positionals.length} (unexpected ${JSON.stringify(extra[0])})`);
    // The file first: a mistake in it is worth knowing even when the server is down.
    const name = file === '-' ? 'stdin' : file;
    let text: string;
    try {
      text = file === '-' ? await readStdin(io) : await readFile(file, 'utf8');
    } catch (error) {
      throw fileFailure(error, name, 'read');
    }
    let document: FixtureDocument;
    try {
      document = JSON.parse(text) as FixtureDocument;
    } catch (error) {
      throw new CommandError('file.notJson', `${name} is not JSON: ${(error as Error).message}`, { file: name });
    }
    const remote = await connect(values, io.env);
    const counts = await remote.admin.applyFixture(document);
    return { data: counts, text: `Seeded ${remote.url} with ${describeCounts(counts)}` };
  },
});

async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** `dingread export`: the directory of a running server as a fixture document (without secrets). */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { FixtureDocument } from '../../core/fixtures.js';
import { CONTROL_FLAGS, CONTROL_FLAGS_HELP, controlTarget, reportFailure } from '../control-options.js';

export const EXPORT_HELP = `Usage: dingread export [options]

Prints the server's directory (orgs, apps, users, robots, conversations) as a fixture document,
which \`dingread seed\` or \`serve --fixture\` take back. Apps carry no appSecret: seeding the
document into the same server changes nothing, but a fresh server needs the secrets added.

Options:
  --out FILE           write the document to FILE and print a summary instead
${CONTROL_FLAGS_HELP}

Examples:
  dingread export > directory.json
  DINGREAD_URL=http://127.0.0.1:3939 dingread export --out directory.json --json
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...CONTROL_FLAGS, out: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    process.stderr.write(`dingread export: ${(error as Error).message}\n\n${EXPORT_HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(EXPORT_HELP);
    return 0;
  }
  const target = controlTarget(values);
  try {
    const document = await target.admin.exportFixture();
    const text = `${JSON.stringify(document, null, 2)}\n`;
    if (values.out === undefined) {
      process.stdout.write(text);
      return 0;
    }
    await writeFile(values.out, text);
    const counts = countsOf(document);
    if (target.json) process.stdout.write(`${JSON.stringify({ file: values.out, ...counts })}\n`);
    else process.stdout.write(`Exported ${describeCounts(counts)} from ${target.url} to ${values.out}\n`);
    return 0;
  } catch (error) {
    return reportFailure('dingread export', target, error);
  }
}

export interface DirectoryCounts {
  orgs: number;
  apps: number;
  users: number;
  robots: number;
  conversations: number;
}

function countsOf(document: FixtureDocument): DirectoryCounts {
  const sum = (pick: (org: FixtureDocument['orgs'][number]) => unknown[] | undefined): number =>
    document.orgs.reduce((total, org) => total + (pick(org)?.length ?? 0), 0);
  return {
    orgs: document.orgs.length,
    apps: sum((org) => org.apps),
    users: sum((org) => org.users),
    robots: sum((org) => org.robots),
    conversations: sum((org) => org.conversations),
  };
}

/** `2 orgs, 3 apps, 450 users, 6 robots, 5 conversations`. */
export function describeCounts(counts: DirectoryCounts): string {
  return Object.entries(counts)
    .map(([name, n]) => `${n} ${n === 1 ? name.slice(0, -1) : name}`)
    .join(', ');
}

/** `dingread export`: the directory of a running server as a fixture document (without secrets). */
import { writeFile } from 'node:fs/promises';
import type { FixtureDocument } from '../../core/fixtures.js';
import { defineCommand } from '../command.js';
import { fileFailure } from '../failures.js';
import { CONNECTION_OPTIONS, connect, count, targetOf } from '../remote.js';

export const command = defineCommand({
  name: 'export',
  summary: "print a running server's directory as a fixture document",
  usage: ['[options]'],
  description:
    "Prints the server's directory (orgs, apps, users, robots, conversations) as a fixture document, which `dingread seed` or `serve --fixture` take back. Apps carry no appSecret: seeding the document into the same server changes nothing, but a fresh server needs the secrets added.",
  options: {
    out: { type: 'string', value: 'FILE', help: 'write the document to FILE and print a summary instead' },
    ...CONNECTION_OPTIONS,
  },
  examples: ['dingread export > directory.json', 'DINGREAD_URL=http://127.0.0.1:3939 dingread export --out directory.json --json'],
  target: targetOf,
  async run({ values, io }) {
    const remote = await connect(values, io.env);
    const document = await remote.admin.exportFixture();
    if (values.out === undefined) return { data: document, text: JSON.stringify(document, null, 2) };
    try {
      await writeFile(values.out, `${JSON.stringify(document, null, 2)}\n`);
    } catch (error) {
      throw fileFailure(error, values.out, 'write');
    }
    const counts = countsOf(document);
    return { data: { file: values.out, ...counts }, text: `Exported ${describeCounts(counts)} from ${remote.url} to ${values.out}` };
  },
});

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

/** `2 orgs, 3 apps, 450 users, 6 robots, 5 conversations` (and suites, authorizations when counted). */
export function describeCounts(counts: DirectoryCounts & { suites?: number; authorizations?: number }): string {
  const one: Record<string, string> = { orgs: 'org', apps: 'app', users: 'user', robots: 'robot', conversations: 'conversation', suites: 'suite', authorizations: 'authorization' };
  return Object.entries(counts)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([name, n]) => count(n, one[name] ?? name, name))
    .join(', ');
}

/**
 * What the commands for people (status, send, read) share: where the server is, the admin token,
 * `--json`, and errors a person can act on. Each command stays a thin layer over the control-plane
 * client (src/testing/admin-client.ts) and the DingTalk client (src/client/).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isDingTalkError } from '../client/errors.js';
import { AdminClient, AdminError } from '../testing/admin-client.js';

export const DEFAULT_URL = 'http://127.0.0.1:3939';

export const REMOTE_OPTIONS = {
  url: { type: 'string' },
  'admin-token': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export const REMOTE_HELP = `
Connection:
  --url URL            the dingread server (default ${DEFAULT_URL}; env DINGREAD_URL)
  --admin-token T      the server's admin token, if it has one (env DINGREAD_ADMIN_TOKEN)
  --json               print JSON for scripts instead of text
  -h, --help           show this help`;

/** A mistake in how the command was called: exit status 2, with the help. */
export class UsageError extends Error {}

export interface Remote {
  url: string;
  adminToken: string | undefined;
  admin: AdminClient;
}

export function remoteOf(values: { url?: string | undefined; 'admin-token'?: string | undefined }): Remote {
  const url = (values.url ?? process.env['DINGREAD_URL'] ?? DEFAULT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(url)) throw new UsageError(`--url must look like ${DEFAULT_URL}, not ${JSON.stringify(url)}`);
  const adminToken = values['admin-token'] ?? process.env['DINGREAD_ADMIN_TOKEN'];
  return { url, adminToken, admin: new AdminClient(url, adminToken || undefined) };
}

/**
 * Parses argv, prints help or usage errors, and runs `body`; an error from the server or the
 * network becomes one line on stderr and exit status 1.
 */
export async function runCommand<T extends ParseArgsConfig['options']>(
  name: string,
  help: string,
  argv: string[],
  options: T,
  body: (parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] }) => Promise<number>,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...REMOTE_OPTIONS, ...options }, strict: true, allowPositionals: true });
  } catch (error) {
    process.stderr.write(`dingread ${name}: ${(error as Error).message}\nRun "dingread ${name} --help" for usage and examples.\n`);
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values['help']) {
    process.stdout.write(help);
    return 0;
  }
  try {
    return await body({ values, positionals: parsed.positionals });
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`dingread ${name}: ${error.message}\nRun "dingread ${name} --help" for usage and examples.\n`);
      return 2;
    }
    process.stderr.write(`dingread ${name}: ${explain(error, values)}\n`);
    return 1;
  }
}

function explain(error: unknown, values: Record<string, string | boolean | undefined>): string {
  const url = String(values['url'] ?? process.env['DINGREAD_URL'] ?? DEFAULT_URL);
  if (error instanceof AdminError) {
    if (error.status === 401) return `${error.message}. Pass the server's admin token with --admin-token or DINGREAD_ADMIN_TOKEN.`;
    if (error.status === 403) return `${error.message}. Without an admin token the server answers loopback callers only.`;
    return error.message;
  }
  if (isDingTalkError(error)) {
    if (error.kind === 'network' || error.kind === 'timeout') return `cannot reach dingread at ${url} (${error.message}). Is "dingread serve" running?`;
    return `${error.code}: ${error.message}`;
  }
  if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? 'no answer';
    return `cannot reach dingread at ${url} (${why}). Is "dingread serve" running? Use --url or DINGREAD_URL to point elsewhere.`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

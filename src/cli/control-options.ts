/**
 * What the commands that talk to a running server share: `--url`, `--admin-token` and `--json`
 * (with DINGREAD_URL and DINGREAD_ADMIN_TOKEN from the environment), a control-plane client, and
 * one way to report failures.
 */
import type { ParseArgsConfig } from 'node:util';
import { AdminClient, AdminError } from '../testing/admin-client.js';

export const DEFAULT_URL = 'http://127.0.0.1:3939';

export const CONTROL_FLAGS = {
  url: { type: 'string' },
  'admin-token': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const CONTROL_FLAGS_HELP = `  --url URL            the server (default $DINGREAD_URL, else ${DEFAULT_URL})
  --admin-token T      its admin token (default $DINGREAD_ADMIN_TOKEN)
  --json               print JSON only (errors too, as {"error":{…}})
  -h, --help           show this help`;

export interface ControlTarget {
  url: string;
  admin: AdminClient;
  json: boolean;
}

export function controlTarget(values: { url?: string | undefined; 'admin-token'?: string | undefined; json?: boolean | undefined }): ControlTarget {
  const url = (values.url ?? process.env['DINGREAD_URL'] ?? DEFAULT_URL).replace(/\/+$/, '');
  return { url, admin: new AdminClient(url, values['admin-token'] ?? process.env['DINGREAD_ADMIN_TOKEN']), json: values.json ?? false };
}

/** Reports a failed command (as text on stderr, or as JSON on stdout with --json) and answers exit status 1. */
export function reportFailure(command: string, target: { url: string; json: boolean }, error: unknown): number {
  let detail: { status?: number; code: string; message: string; requestId?: string };
  if (error instanceof AdminError) {
    detail = { status: error.status, code: error.code, message: error.message, ...(error.requestId ? { requestId: error.requestId } : {}) };
  } else if (error instanceof TypeError && error.message === 'fetch failed') {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? 'no answer';
    detail = { code: 'unreachable', message: `cannot reach ${target.url} (${cause}): is dingread running there?` };
  } else {
    detail = { code: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
  if (target.json) process.stdout.write(`${JSON.stringify({ error: detail })}\n`);
  else process.stderr.write(`${command}: ${detail.message}\n`);
  return 1;
}

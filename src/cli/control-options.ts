/**
 * How `export` and `seed` report to scripts: with `--json`, failures too come as JSON on stdout
 * (`{"error":{status,code,message,requestId}}`). The flags and the server address are the ones
 * every command that talks to a running server shares (remote.ts).
 */
import { AdminClient, AdminError } from '../testing/admin-client.js';
import { DEFAULT_URL, REMOTE_OPTIONS } from './remote.js';

export const CONTROL_FLAGS = REMOTE_OPTIONS;

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

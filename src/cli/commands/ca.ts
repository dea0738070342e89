/** `dingread ca`: the certificate of proxy mode's local CA, for a bot's process to trust. */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { localCa } from '../../core/local-ca.js';
import { StoreUnavailableError } from '../../core/store.js';
import { SchemaTooNewError } from '../../store/errors.js';
import { DEFAULT_STORE, openStore, StoreSpecError } from '../../store/open-store.js';
import { AdminClient, AdminError } from '../../testing/admin-client.js';

export const CA_HELP = `Usage: dingread ca [--store STORE | --url URL] [--out FILE]

Prints the certificate (PEM) of the local certificate authority that signs the certificates
dingread shows for api.dingtalk.com and oapi.dingtalk.com in proxy mode (docs/proxy.md). A bot
trusts it with NODE_EXTRA_CA_CERTS=ca.pem, curl with --cacert ca.pem. The CA is made once per
store, on first use, and kept there with its key, which never leaves the store.

Options:
  --store STORE        read it from this store, making it if there is none yet
                       (default ${DEFAULT_STORE}; env DINGREAD_STORE)
  --url URL            ask a running server instead (GET /_dingread/v1/ca.pem); the way for a
                       server on --store memory, whose CA lives as long as its process
  --admin-token T      that server's admin token, if it has one (env DINGREAD_ADMIN_TOKEN)
  --out FILE           write the certificate to FILE instead of printing it
  -h, --help           show this help

Examples:
  dingread ca > ca.pem
  HTTPS_PROXY=http://127.0.0.1:3939 NODE_EXTRA_CA_CERTS=ca.pem node bot.js
  dingread ca --url http://127.0.0.1:3939 --out ca.pem
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        store: { type: 'string' },
        url: { type: 'string' },
        'admin-token': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`dingread ca: ${(error as Error).message}\n\n${CA_HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(CA_HELP);
    return 0;
  }
  const store = values.store ?? process.env['DINGREAD_STORE'] ?? DEFAULT_STORE;
  if (values.url !== undefined && values.store !== undefined) {
    process.stderr.write('dingread ca: give --store or --url, not both\n');
    return 2;
  }
  if (values.url === undefined && store === 'memory') {
    process.stderr.write('dingread ca: a memory store lives inside its server: ask the server with --url http://127.0.0.1:3939\n');
    return 2;
  }
  let pem: string;
  try {
    pem = values.url !== undefined ? await fromServer(values.url, values['admin-token'] ?? process.env['DINGREAD_ADMIN_TOKEN']) : await fromStore(store);
  } catch (error) {
    process.stderr.write(`dingread ca: ${explain(error, values.url)}\n`);
    return 1;
  }
  if (values.out === undefined) process.stdout.write(pem);
  else await writeFile(values.out, pem);
  return 0;
}

async function fromStore(spec: string): Promise<string> {
  const store = openStore(spec);
  try {
    return (await localCa(store)).certificatePem;
  } finally {
    await store.close();
  }
}

function fromServer(url: string, adminToken: string | undefined): Promise<string> {
  return new AdminClient(url.replace(/\/+$/, ''), adminToken || undefined).caCertificate();
}

function explain(error: unknown, url: string | undefined): string {
  if (error instanceof StoreSpecError || error instanceof SchemaTooNewError || error instanceof StoreUnavailableError) return error.message;
  if (error instanceof AdminError) return error.message;
  if (error instanceof TypeError && error.message === 'fetch failed') return `cannot reach dingread at ${url ?? ''}: is it running there?`;
  return error instanceof Error ? error.message : String(error);
}

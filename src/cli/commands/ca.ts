/** `dingread ca`: the certificate of proxy mode's local CA, for a bot's process to trust. */
import { writeFile } from 'node:fs/promises';
import { localCa } from '../../core/local-ca.js';
import { StoreUnavailableError } from '../../core/store.js';
import { SchemaTooNewError } from '../../store/errors.js';
import { DEFAULT_STORE, openStore, StoreSpecError } from '../../store/open-store.js';
import { CommandError, defineCommand, UsageError } from '../command.js';
import { fileFailure } from '../failures.js';
import { CONNECTION_OPTIONS, connect } from '../remote.js';

export const command = defineCommand({
  name: 'ca',
  summary: "print the local CA's certificate, which bots trust in proxy mode",
  usage: ['[--store STORE | --url URL] [--out FILE]'],
  description:
    'Prints the certificate (PEM) of the local certificate authority that signs the certificates dingread shows for api.dingtalk.com and oapi.dingtalk.com in proxy mode (docs/proxy.md). A bot trusts it with NODE_EXTRA_CA_CERTS=ca.pem, curl with --cacert ca.pem. The CA is made once per store, on first use, and kept there with its key, which never leaves the store.',
  options: {
    store: {
      type: 'string',
      value: 'STORE',
      help: `read it from this store, making it if there is none yet (default ${DEFAULT_STORE}; env DINGREAD_STORE)`,
    },
    out: { type: 'string', value: 'FILE', help: 'write the certificate to FILE instead of printing it' },
    ...CONNECTION_OPTIONS,
    url: {
      ...CONNECTION_OPTIONS.url,
      help: 'ask this running server instead (GET /_dingread/v1/ca.pem): the way for a server on --store memory, whose CA lives as long as its process',
    },
  },
  examples: [
    'dingread ca > ca.pem',
    'HTTPS_PROXY=http://127.0.0.1:3939 NODE_EXTRA_CA_CERTS=ca.pem node bot.js',
    'dingread ca --url http://127.0.0.1:3939 --out ca.pem',
  ],
  target: (values) => values.url,
  async run({ values, io }) {
    if (values.url !== undefined && values.store !== undefined) throw new UsageError('give --store or --url, not both');
    const store = values.store ?? (io.env['DINGREAD_STORE'] || DEFAULT_STORE);
    if (values.url === undefined && store === 'memory') {
      throw new UsageError('a memory store lives inside its server: ask the server, with --url http://127.0.0.1:3939');
    }
    const pem = values.url === undefined ? await fromStore(store) : await (await connect(values, io.env)).admin.caCertificate();
    if (values.out === undefined) return { data: { certificate: pem }, text: pem };
    try {
      await writeFile(values.out, pem);
    } catch (error) {
      throw fileFailure(error, values.out, 'write');
    }
    return { data: { file: values.out }, text: `Wrote the local CA's certificate to ${values.out}` };
  },
});

async function fromStore(spec: string): Promise<string> {
  let store;
  try {
    store = openStore(spec);
    return (await localCa(store)).certificatePem;
  } catch (error) {
    if (error instanceof StoreSpecError || error instanceof SchemaTooNewError || error instanceof StoreUnavailableError) {
      throw new CommandError('store', error.message);
    }
    throw error;
  } finally {
    await store?.close();
  }
}

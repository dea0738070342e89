/**
 * The official Stream SDK, npm `dingtalk-stream`, unchanged, for tests that run it in this process.
 *
 * The SDK hard-codes `https://api.dingtalk.com/v1.0/gateway/connections/open` and calls it with
 * axios, which honours HTTPS_PROXY. axios 1.21 (what its `^1.4.0` resolves to today) tunnels the
 * call with CONNECT, and the client must then trust dingread's CA, which Node reads from
 * NODE_EXTRA_CA_CERTS only when a process starts: test/proxy/stream-sdk.test.ts runs that path in a
 * child process. axios 1.13 sends an HTTPS call to a plain-HTTP proxy in absolute form
 * (`POST https://api.dingtalk.com/… HTTP/1.1`), which needs no CA. So, in this process, this helper
 * resolves the SDK's own `import 'axios'` to axios 1.13, installed beside it as `axios-1.13`: a
 * version inside the SDK's range, the SDK's code untouched. Import it before anything else
 * imports the SDK.
 */
import { register } from 'node:module';

const RESOLVE_HOOK = `
export async function resolve(specifier, context, next) {
  if (specifier === 'axios' && context.parentURL && context.parentURL.includes('/node_modules/dingtalk-stream/')) {
    return next('axios-1.13', context);
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`);

const sdk = await import('dingtalk-stream');
export const { DWClient, TOPIC_ROBOT, TOPIC_CARD, EventAck } = sdk;
export type { DWClientDownStream } from 'dingtalk-stream';


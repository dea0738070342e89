/**
 * `node --import …/fetch-proxy.js`: sends Node's built-in `fetch` through HTTPS_PROXY, which Node
 * 20's `fetch` does not read on its own, with undici's EnvHttpProxyAgent as the global dispatcher
 * (the recipe in docs/proxy.md; Node 22.21 and 24.5 on do the same with NODE_USE_ENV_PROXY=1).
 * It tunnels with CONNECT, so the process needs NODE_EXTRA_CA_CERTS. Part of how the user starts
 * the bot, as global-agent is for the official SDK: the bot's code is not touched.
 */
import { EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';

setGlobalDispatcher(new EnvHttpProxyAgent());

/**
 * Runs the echo bot against a server, while `npm start` (the demo) runs:
 * `HTTPS_PROXY=http://127.0.0.1:3939 NODE_EXTRA_CA_CERTS=dingread-ca.pem node dist/examples/echo-bot/main.js`,
 * with the server's CA in dingread-ca.pem (examples/README.md). The SDK finds the server through
 * HTTPS_PROXY, as it would find DingTalk. Stop it with Ctrl-C.
 */
import { DEMO } from '../../src/demo/demo-directory.js';
import { EchoBot } from './bot.js';

const bot = new EchoBot({
  clientId: process.env['DINGREAD_APP_KEY'] ?? DEMO.appKey,
  clientSecret: process.env['DINGREAD_APP_SECRET'] ?? DEMO.appSecret,
});
await bot.start();
console.log(`echo bot connected as ${bot.client.getConfig().clientId}: write to it through the control plane or the dashboard`);
process.on('SIGINT', () => {
  bot.stop();
  process.exit(0);
});

/**
 * What the `--demo` banner says about connecting a bot in Stream mode: the demo app's credentials
 * as clientId and clientSecret, how an unchanged SDK finds this server, and how to speak to the
 * bot as a demo user. docs/stream.md has the whole story.
 */
import { DEMO, DEMO_USER_IDS } from './demo-directory.js';

export function connectABotLines(url: string): string[] {
  const user = DEMO_USER_IDS[0] as string;
  const said = `curl -s -X POST ${url}/_dingread/v1/robots/${DEMO.robotCode}/chats/${user}/messages -H 'Content-Type: application/json' -d '{"text":"hello bot"}'`;
  return [
    '4. Connect a bot in Stream mode (npm dingtalk-stream, or any DingTalk Stream SDK):',
    `  clientId ${DEMO.appKey}, clientSecret ${DEMO.appSecret}. SDKs call https://api.dingtalk.com/v1.0/gateway/connections/open;`,
    `  run the bot with HTTPS_PROXY=${url} so that the call comes here (docs/stream.md: which axios versions need proxy mode).`,
    `  Then write to it as ${user}, and read the chat with its replies:`,
    `  ${said}`,
    `  curl -s ${url}/_dingread/v1/robots/${DEMO.robotCode}/chats/${user}/messages`,
  ];
}

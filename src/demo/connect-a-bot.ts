/**
 * What the `--demo` banner says about connecting a bot in Stream mode: the demo app's credentials
 * as clientId and clientSecret, how an unchanged SDK finds this server (proxy mode, trusting the
 * local CA), and how to speak to the app's own bot as a demo user (docs/stream.md has the whole
 * story); then how the group's custom (webhook) robot posts (docs/webhook-robot.md).
 */
import { DEMO, DEMO_USER_IDS } from './demo-directory.js';

export function connectABotLines(url: string): string[] {
  const user = DEMO_USER_IDS[0] as string;
  const chat = `${url}/_dingread/v1/robots/${DEMO.appRobotCode}/chats/${user}/messages`;
  return [
    '4. Connect a bot in Stream mode (npm dingtalk-stream, or any DingTalk Stream SDK) with',
    `  clientId ${DEMO.appKey}, clientSecret ${DEMO.appSecret}. SDKs call https://api.dingtalk.com; make this server`,
    '  their proxy and trust its CA, and they come here unchanged (docs/stream.md):',
    `  curl -s ${url}/_dingread/v1/ca.pem -o dingread-ca.pem`,
    `  HTTPS_PROXY=${url} NODE_EXTRA_CA_CERTS=dingread-ca.pem node bot.js`,
    `  Then write to the app's bot (robotCode ${DEMO.appRobotCode}) as ${user}, and read the chat with its replies:`,
    `  curl -s -X POST ${chat} -H 'Content-Type: application/json' -d '{"text":"hello bot"}'`,
    `  curl -s ${chat}`,
    '',
    `5. Post into the group as its custom (webhook) robot "${DEMO.webhookRobotName}", as alerting tools and CI do (docs/webhook-robot.md):`,
    `  curl -s -X POST '${url}/robot/send?access_token=${DEMO.webhookToken}' -H 'Content-Type: application/json' -d '{"msgtype":"text","text":{"content":"disk full on db-1"}}'`,
  ];
}

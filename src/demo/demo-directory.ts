/**
 * The demo directory `npm start` (`serve --demo`) loads: one org with an app, two robots, a group
 * of fifty people with a custom (webhook) robot, and a person-to-person chat, so that a first curl
 * has something to answer.
 *
 * The second robot is the app's own bot: in DingTalk an internal app's bot has the app's appKey
 * (its clientId) as its robotCode, and bots written for DingTalk (the OpenClaw plugins, the
 * official connector) send with `robotCode = clientId`. So a bot configured with the demo app's
 * credentials sends as `dingdemoapp`, in the demo group and one-on-one, and it works here unchanged.
 */
import type { FixtureDocument } from '../core/fixtures.js';

export const DEMO = {
  corpId: 'dingdemocorp',
  appKey: 'dingdemoapp',
  appSecret: 'demo-secret',
  robotCode: 'dingdemobot',
  /** The internal app's own bot: its robotCode is the appKey (see above). */
  appRobotCode: 'dingdemoapp',
  groupId: 'cidDemoAllHands==',
  pairId: 'cidDemoPair==',
  coolAppCode: 'COOLAPP-1-DEMO',
  /** The group's custom (webhook) robot: no secret, keywords or address ranges, so a bare curl posts. */
  webhookRobotName: 'Demo Alerts',
  webhookToken: 'demo-webhook-token',
} as const;

const FIRST_NAMES = ['Alice', 'Bob', 'Chen', 'Dana', 'Eve', 'Fang', 'Grace', 'Hao', 'Ivan', 'Jing'];
const LAST_NAMES = ['Li', 'Wang', 'Zhang', 'Liu', 'Smith'];

export const DEMO_USER_IDS = Array.from({ length: 50 }, (_, i) => `user${String(i + 1).padStart(3, '0')}`);

export const DEMO_DIRECTORY: FixtureDocument = {
  orgs: [
    {
      corpId: DEMO.corpId,
      name: 'Demo Corp',
      // The demo app's bot may send interactive cards, as an OpenClaw bot's app is set up to.
      apps: [{ appKey: DEMO.appKey, appSecret: DEMO.appSecret, scopes: ['qyapi_robot_sendmsg', 'Card.Instance.Write', 'Card.Streaming.Write'] }],
      users: DEMO_USER_IDS.map((userId, i) => ({
        userId,
        name: `${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length]}`,
      })),
      robots: [
        { robotCode: DEMO.robotCode, name: 'Demo Bot', status: 'active', templateStatus: 'active' },
        { robotCode: DEMO.appRobotCode, name: 'Demo App', status: 'active', templateStatus: 'active', appKey: DEMO.appKey },
      ],
      conversations: [
        {
          openConversationId: DEMO.groupId,
          type: 'group',
          title: 'All hands',
          members: DEMO_USER_IDS,
          robots: [DEMO.robotCode, DEMO.appRobotCode],
          webhookRobots: [{ name: DEMO.webhookRobotName, accessToken: DEMO.webhookToken }],
        },
        {
          openConversationId: DEMO.pairId,
          type: 'private',
          members: ['user001', 'user002'],
          coolAppCode: DEMO.coolAppCode,
        },
      ],
    },
  ],
};

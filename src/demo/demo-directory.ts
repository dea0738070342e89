/**
 * The demo directory `npm start` (`serve --demo`) loads: one org with an app, a robot, a group of
 * fifty people and a person-to-person chat, so that a first curl has something to answer.
 */
import type { FixtureDocument } from '../core/fixtures.js';

export const DEMO = {
  corpId: 'dingdemocorp',
  appKey: 'dingdemoapp',
  appSecret: 'demo-secret',
  robotCode: 'dingdemobot',
  groupId: 'cidDemoAllHands==',
  pairId: 'cidDemoPair==',
  coolAppCode: 'COOLAPP-1-DEMO',
} as const;

const FIRST_NAMES = ['Alice', 'Bob', 'Chen', 'Dana', 'Eve', 'Fang', 'Grace', 'Hao', 'Ivan', 'Jing'];
const LAST_NAMES = ['Li', 'Wang', 'Zhang', 'Liu', 'Smith'];

export const DEMO_USER_IDS = Array.from({ length: 50 }, (_, i) => `user${String(i + 1).padStart(3, '0')}`);

export const DEMO_DIRECTORY: FixtureDocument = {
  orgs: [
    {
      corpId: DEMO.corpId,
      name: 'Demo Corp',
      apps: [{ appKey: DEMO.appKey, appSecret: DEMO.appSecret, scopes: ['qyapi_robot_sendmsg'] }],
      users: DEMO_USER_IDS.map((userId, i) => ({
        userId,
        name: `${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length]}`,
      })),
      robots: [{ robotCode: DEMO.robotCode, name: 'Demo Bot', status: 'active', templateStatus: 'active' }],
      conversations: [
        {
          openConversationId: DEMO.groupId,
          type: 'group',
          title: 'All hands',
          members: DEMO_USER_IDS,
          robots: [DEMO.robotCode],
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

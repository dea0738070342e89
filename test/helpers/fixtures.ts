/**
 * The directory most tests start from: two orgs (Acme and Globex, for isolation), apps with and
 * without the robot scope, robots in every state, a group large enough to need several pages, a
 * small group and a person-to-person chat.
 */
import type { FixtureDocument } from '../../src/core/fixtures.js';

export const ACME = {
  corpId: 'dingacme',
  appKey: 'dingacmeapp',
  appSecret: 'acme-secret',
  /** An app of Acme without the robot scope. */
  noScopeAppKey: 'dingacmereader',
  noScopeAppSecret: 'reader-secret',
  /** A second app of Acme that owns `ownedRobot`. */
  otherAppKey: 'dingacmeother',
  otherAppSecret: 'other-secret',
  robot: 'dingacmebot',
  stoppedRobot: 'dingacmestopped',
  templateStoppedRobot: 'dingacmetplstopped',
  templateMissingRobot: 'dingacmetplmissing',
  ownedRobot: 'dingacmeowned',
  /** A robot of Acme that is not installed in any group. */
  loneRobot: 'dingacmelone',
  bigGroup: 'cidAcmeAll==',
  smallGroup: 'cidAcmeTeam==',
  pair: 'cidAcmePair==',
  coolAppCode: 'COOLAPP-1-ACME',
} as const;

export const GLOBEX = {
  corpId: 'dingglobex',
  appKey: 'dingglobexapp',
  appSecret: 'globex-secret',
  robot: 'dingglobexbot',
  group: 'cidGlobexAll==',
  pair: 'cidGlobexPair==',
  coolAppCode: 'COOLAPP-1-GLOBEX',
} as const;

/** u0001 … u0450: enough for three pages of 200 in the big group. */
export const ACME_USERS = Array.from({ length: 450 }, (_, i) => `u${String(i + 1).padStart(4, '0')}`);
export const SMALL_GROUP_MEMBERS = ACME_USERS.slice(0, 5);

/** A fresh document each call: changing it changes nothing shared. */
export function testDirectory(): FixtureDocument {
  const robot = (robotCode: string, extra: Record<string, string> = {}) => ({ robotCode, name: robotCode, ...extra });
  return {
    orgs: [
      {
        corpId: ACME.corpId,
        name: 'Acme',
        apps: [
          { appKey: ACME.appKey, appSecret: ACME.appSecret },
          { appKey: ACME.noScopeAppKey, appSecret: ACME.noScopeAppSecret, scopes: ['Contact.User.Read'] },
          { appKey: ACME.otherAppKey, appSecret: ACME.otherAppSecret },
        ],
        users: ACME_USERS.map((userId) => ({ userId, name: `User ${userId}` })),
        robots: [
          robot(ACME.robot),
          robot(ACME.stoppedRobot, { status: 'stopped' }),
          robot(ACME.templateStoppedRobot, { templateStatus: 'stopped' }),
          robot(ACME.templateMissingRobot, { templateStatus: 'missing' }),
          robot(ACME.ownedRobot, { appKey: ACME.otherAppKey }),
          robot(ACME.loneRobot),
        ],
        conversations: [
          {
            openConversationId: ACME.bigGroup,
            type: 'group',
            title: 'All hands',
            members: [...ACME_USERS],
            robots: [ACME.robot, ACME.stoppedRobot, ACME.templateStoppedRobot, ACME.templateMissingRobot, ACME.ownedRobot],
          },
          { openConversationId: ACME.smallGroup, type: 'group', title: 'Team', members: [...SMALL_GROUP_MEMBERS], robots: [ACME.robot] },
          { openConversationId: ACME.pair, type: 'private', members: ['u0001', 'u0002'], coolAppCode: ACME.coolAppCode },
        ],
      },
      {
        corpId: GLOBEX.corpId,
        name: 'Globex',
        apps: [{ appKey: GLOBEX.appKey, appSecret: GLOBEX.appSecret }],
        users: [{ userId: 'g001', name: 'Gina' }, { userId: 'g002', name: 'Gus' }, { userId: 'u0001', name: 'Globex u0001' }],
        robots: [robot(GLOBEX.robot)],
        conversations: [
          { openConversationId: GLOBEX.group, type: 'group', members: ['g001', 'g002', 'u0001'], robots: [GLOBEX.robot] },
          { openConversationId: GLOBEX.pair, type: 'private', members: ['g001', 'g002'], coolAppCode: GLOBEX.coolAppCode },
        ],
      },
    ],
  };
}

/**
 * Third-party enterprise apps through the official SDK: a suite gets a corp token for an org that
 * authorized it (oauth2/corpAccessToken) and its own token (oauth2/suiteAccessToken), and uses
 * the robot API with the corp token like an internal app of that org, within its scopes, on its
 * own robots only. Revoking the authorization ends its tokens at once; orgs that did not
 * authorize the suite look to it exactly like ids that exist nowhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACME, GLOBEX } from '../helpers/fixtures.js';
import { $OAuth } from '../helpers/sdk.js';
import { call, forEachStore } from '../helpers/server.js';
import {
  defined,
  expectError,
  read,
  RobotApi,
  sameAsNonexistent,
  startHarness,
  text,
  type Harness,
} from './sdk-conformance.js';

const SUITE = {
  suiteKey: 'suiteacme',
  suiteSecret: 'suite-secret',
  suiteTicket: 'ticket-one',
  /** Owned by the suite in Acme, installed in Acme's small group. */
  robot: 'dingsuitebot',
  /** Owned by the suite in Globex, which has not authorized it. */
  globexRobot: 'dingsuiteglobexbot',
} as const;
const NO_SCOPE_SUITE = { suiteKey: 'suitereader', suiteSecret: 'reader-secret', suiteTicket: 'ticket-r' } as const;
const NO_ROBOT = 'dingnosuchbot';

function suiteDocument() {
  return {
    suites: [
      { suiteKey: SUITE.suiteKey, suiteSecret: SUITE.suiteSecret, suiteTicket: SUITE.suiteTicket },
      { ...NO_SCOPE_SUITE, scopes: ['Contact.User.Read'] },
    ],
    orgs: [
      {
        corpId: ACME.corpId,
        authorizations: [{ suiteKey: SUITE.suiteKey }, { suiteKey: NO_SCOPE_SUITE.suiteKey }],
        robots: [{ robotCode: SUITE.robot, suiteKey: SUITE.suiteKey }],
        conversations: [{ openConversationId: ACME.smallGroup, type: 'group' as const, robots: [ACME.robot, SUITE.robot] }],
      },
      { corpId: GLOBEX.corpId, robots: [{ robotCode: SUITE.globexRobot, suiteKey: SUITE.suiteKey }] },
    ],
  };
}

type CorpFields = { suiteKey?: string; suiteSecret?: string; authCorpId?: string; suiteTicket?: string };

forEachStore('SDK third-party suites', (store) => {
  let h: Harness;
  const corpToken = async (fields: CorpFields = {}) => {
    const request = new $OAuth.GetCorpAccessTokenRequest({
      suiteKey: SUITE.suiteKey,
      suiteSecret: SUITE.suiteSecret,
      authCorpId: ACME.corpId,
      suiteTicket: SUITE.suiteTicket,
      ...fields,
    });
    return defined((await h.sdk.oauth.getCorpAccessToken(request)).body, 'body');
  };
  const suiteToken = async (fields: Omit<CorpFields, 'authCorpId'> = {}) => {
    const request = new $OAuth.GetSuiteAccessTokenRequest({
      suiteKey: SUITE.suiteKey,
      suiteSecret: SUITE.suiteSecret,
      suiteTicket: SUITE.suiteTicket,
      ...fields,
    });
    return defined((await h.sdk.oauth.getSuiteAccessToken(request)).body, 'body');
  };
  const asSuite = async (): Promise<RobotApi> => h.acme.as(defined((await corpToken()).accessToken));

  before(async () => {
    h = await startHarness(store);
    await h.server.admin('POST', '/fixtures', suiteDocument());
  });
  after(() => h.close());

  describe('oauth2/corpAccessToken', () => {
    it('issues a 7200 s token for an authorized org, the same one while it is valid', async () => {
      const first = await corpToken();
      assert.match(defined(first.accessToken), /^[0-9a-f]{32}$/);
      assert.equal(first.expireIn, 7200);
      const second = await corpToken();
      assert.equal(second.accessToken, first.accessToken);
      h.server.clock.advance(7200 * 1000 + 1);
      const later = await corpToken();
      assert.notEqual(later.accessToken, first.accessToken, 'a new token once the old one expired');
      h.server.clock.useSystem();
    });

    it("answers DingTalk's invalidSuiteKey, and dingread's codes for a bad secret, ticket or org", async () => {
      await expectError(() => corpToken({ suiteKey: 'nosuchsuite' }), 'invalidSuiteKey');
      await expectError(() => corpToken({ suiteSecret: 'wrong' }), 'invalidSuiteSecret');
      await expectError(() => corpToken({ suiteTicket: 'stale-ticket' }), 'invalidSuiteTicket');
      // An org that did not authorize the suite, and one that does not exist, answer alike.
      const globex = await expectError(() => corpToken({ authCorpId: GLOBEX.corpId }), 'invalidAuthCorpId');
      const nowhere = await expectError(() => corpToken({ authCorpId: 'dingnowhere' }), 'invalidAuthCorpId');
      assert.equal(globex.data.message.replace(GLOBEX.corpId, '<id>'), nowhere.data.message.replace('dingnowhere', '<id>'));
      const missing = await expectError(() => corpToken({ authCorpId: '' }), 'invalidParameter.param.invalid');
      assert.match(missing.data.message, /authCorpId is mandatory/);
    });

    it('a new suiteTicket set through the control plane replaces the old one', async () => {
      const set = await h.server.admin<{ suiteKey: string; suiteTicket: string }>('POST', `/suites/${SUITE.suiteKey}/ticket`, {});
      assert.equal(set.suiteKey, SUITE.suiteKey);
      assert.ok(set.suiteTicket.length >= 16, 'a fresh random ticket');
      await expectError(() => corpToken(), 'invalidSuiteTicket');
      assert.equal((await corpToken({ suiteTicket: set.suiteTicket })).expireIn, 7200);
      await h.server.admin('POST', `/suites/${SUITE.suiteKey}/ticket`, { suiteTicket: SUITE.suiteTicket });
      assert.equal((await corpToken()).expireIn, 7200);
      const unknown = await call(h.server.url, 'POST', '/_dingread/v1/suites/nosuchsuite/ticket', { body: {} });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'object.notFound');
    });
  });

  describe('oauth2/suiteAccessToken', () => {
    it('issues the suite its own token, which no robot API accepts: they act in an org', async () => {
      const first = await suiteToken();
      assert.equal(first.expireIn, 7200);
      assert.equal((await suiteToken()).accessToken, first.accessToken);
      const corp = await corpToken();
      assert.notEqual(first.accessToken, corp.accessToken);
      const error = await expectError(
        () => h.acme.as(defined(first.accessToken)).sendOto({ robotCode: SUITE.robot, userIds: ['u0001'], ...text('x') }),
        'InvalidAuthentication',
      );
      assert.match(error.data.message, /corp access token/);
      await expectError(() => suiteToken({ suiteKey: 'nosuchsuite' }), 'invalidSuiteKey');
      await expectError(() => suiteToken({ suiteSecret: 'wrong' }), 'invalidSuiteSecret');
      await expectError(() => suiteToken({ suiteTicket: 'stale' }), 'invalidSuiteTicket');
    });
  });

  describe('the robot API with a corp token', () => {
    it('sends, queries and recalls with the suite’s robot, as an internal app would', async () => {
      const suite = await asSuite();
      const oto = defined((await suite.sendOto({ robotCode: SUITE.robot, userIds: ['u0001', 'u0002'], ...text('hi') })).processQueryKey);
      await read(h.server, oto, ['u0001']);
      const status = await suite.queryOto({ robotCode: SUITE.robot, processQueryKey: oto });
      assert.deepEqual(
        status.messageReadInfoList?.map((entry) => [entry.userId, entry.readStatus]),
        [['u0001', 'READ'], ['u0002', 'UNREAD']],
      );
      const group = defined((await suite.sendGroup({ robotCode: SUITE.robot, openConversationId: ACME.smallGroup, ...text('all') })).processQueryKey);
      await read(h.server, group, ['u0003']);
      const readers = await suite.queryGroup({ robotCode: SUITE.robot, openConversationId: ACME.smallGroup, processQueryKey: group });
      assert.deepEqual(readers.readUserIds, ['u0003']);
      const recalled = await suite.recallOto({ robotCode: SUITE.robot, processQueryKeys: [oto] });
      assert.deepEqual(recalled.successResult, [oto]);
    });

    it("uses only the suite's robots, and the org's apps may not use the suite's", async () => {
      const suite = await asSuite();
      const appKey = await h.acme.otoKey();
      await expectError(() => suite.sendOto({ robotCode: ACME.robot, userIds: ['u0001'], ...text('x') }), 'invalidParameter.robotCode.auth');
      await expectError(() => suite.recallOto({ robotCode: ACME.robot, processQueryKeys: [appKey] }), 'invalidParameter.robotCode.auth');
      await expectError(() => suite.queryOto({ robotCode: ACME.robot, processQueryKey: appKey }), 'invalidParameter.robotCode.notExsit');
      const group = await h.acme.groupKey();
      await expectError(
        () => suite.queryGroup({ robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: group }),
        'auth.error',
      );
      await expectError(() => h.acme.sendOto({ robotCode: SUITE.robot, userIds: ['u0001'], ...text('x') }), 'invalidParameter.robotCode.auth');
    });

    it('checks the suite’s scopes', async () => {
      const token = defined(
        (
          await h.sdk.oauth.getCorpAccessToken(
            new $OAuth.GetCorpAccessTokenRequest({ ...NO_SCOPE_SUITE, authCorpId: ACME.corpId }),
          )
        ).body?.accessToken,
      );
      const error = await expectError(
        () => h.acme.as(token).sendOto({ robotCode: SUITE.robot, userIds: ['u0001'], ...text('x') }),
        'Forbidden.AccessDenied.AccessTokenPermissionDenied',
        403,
      );
      assert.deepEqual(error.data.accessdenieddetail, { requiredScopes: ['qyapi_robot_sendmsg'] });
    });

    it("sees nothing of an org that did not authorize it: Globex's ids answer like ids that exist nowhere", async () => {
      const suite = await asSuite();
      const globexKey = defined(
        (await h.globex.sendGroup({ robotCode: GLOBEX.robot, openConversationId: GLOBEX.group, ...text('g') })).processQueryKey,
      );
      for (const robotCode of [GLOBEX.robot, SUITE.globexRobot]) {
        await sameAsNonexistent(
          'invalidParameter.robotCode.notExsit',
          (id) => suite.sendOto({ robotCode: id, userIds: ['g001'], ...text('x') }),
          robotCode,
          NO_ROBOT,
        );
        await sameAsNonexistent(
          'invalidParameter.robotCode.invalid',
          (id) => suite.queryGroup({ robotCode: id, openConversationId: GLOBEX.group, processQueryKey: globexKey }),
          robotCode,
          NO_ROBOT,
        );
        await sameAsNonexistent(
          'invalidParameter.robotCode.notExsit',
          (id) => suite.recallGroup({ robotCode: id, openConversationId: GLOBEX.group, processQueryKeys: [globexKey] }),
          robotCode,
          NO_ROBOT,
        );
      }
      await sameAsNonexistent(
        'invalid.openConversationId',
        (id) => suite.sendGroup({ robotCode: SUITE.robot, openConversationId: id, ...text('x') }),
        GLOBEX.group,
        'cidNoSuchGroup==',
      );
      await sameAsNonexistent(
        'invalid.processQueryKey',
        (id) => suite.queryOto({ robotCode: SUITE.robot, processQueryKey: id }),
        globexKey,
        'bm90IGEga2V5IHRoaXMgc2VydmVyIGhhcyBtYWRlIQ+=',
      );
    });
  });

  describe('revoking an authorization', () => {
    it('ends its corp tokens at once; a new authorization issues new ones', async () => {
      const before = defined((await corpToken()).accessToken);
      const suite = h.acme.as(before);
      await suite.sendOto({ robotCode: SUITE.robot, userIds: ['u0001'], ...text('before') });
      await h.server.admin('DELETE', `/orgs/${ACME.corpId}/authorizations/${SUITE.suiteKey}`);
      await expectError(() => suite.sendOto({ robotCode: SUITE.robot, userIds: ['u0001'], ...text('after') }), 'InvalidAuthentication');
      await expectError(() => corpToken(), 'invalidAuthCorpId');
      const again = await call(h.server.url, 'DELETE', `/_dingread/v1/orgs/${ACME.corpId}/authorizations/${SUITE.suiteKey}`);
      assert.equal(again.status, 404);
      assert.equal(again.body.code, 'object.notFound');

      await h.server.admin('POST', '/fixtures', suiteDocument());
      const renewed = defined((await corpToken()).accessToken);
      assert.notEqual(renewed, before, 'no token from before the revocation comes back');
      await expectError(() => suite.sendOto({ robotCode: SUITE.robot, userIds: ['u0001'], ...text('old') }), 'InvalidAuthentication');
      await h.acme.as(renewed).sendOto({ robotCode: SUITE.robot, userIds: ['u0001'], ...text('renewed') });
    });
  });

  describe('fixtures', () => {
    it('export the suites without secret or ticket, the authorizations and the suite-owned robots', async () => {
      const exported = await h.server.admin<any>('GET', '/fixtures');
      assert.deepEqual(exported.suites, [
        { suiteKey: SUITE.suiteKey, scopes: ['qyapi_robot_sendmsg'] },
        { suiteKey: NO_SCOPE_SUITE.suiteKey, scopes: ['Contact.User.Read'] },
      ]);
      const acme = exported.orgs.find((org: { corpId: string }) => org.corpId === ACME.corpId);
      assert.deepEqual(acme.authorizations, [{ suiteKey: SUITE.suiteKey }, { suiteKey: NO_SCOPE_SUITE.suiteKey }]);
      assert.deepEqual(
        acme.robots.find((robot: { robotCode: string }) => robot.robotCode === SUITE.robot),
        { robotCode: SUITE.robot, name: SUITE.robot, status: 'active', templateStatus: 'active', suiteKey: SUITE.suiteKey },
      );
      assert.ok(!acme.apps.some((app: { appKey: string }) => app.appKey.startsWith('suite/')), 'authorizations are no apps');
      assert.ok(!JSON.stringify(exported).includes(SUITE.suiteSecret));
      assert.ok(!JSON.stringify(exported).includes(SUITE.suiteTicket));
      // Applying the export again changes nothing.
      const counts = await h.server.admin<Record<string, number>>('POST', '/fixtures', exported);
      assert.equal(counts['suites'], 2);
      assert.deepEqual(await h.server.admin('GET', '/fixtures'), exported);
    });

    it('refuse unknown suites, a new suite without a secret, reserved appKeys and doubly owned robots', async () => {
      const bad = async (document: unknown, path: string) => {
        const answer = await call(h.server.url, 'POST', '/_dingread/v1/fixtures', { body: document });
        assert.equal(answer.status, 400);
        assert.equal(answer.body.code, 'invalidParameter.param.invalid');
        assert.ok(answer.body.message.includes(path), `${answer.body.message} names ${path}`);
      };
      await bad({ suites: [{ suiteKey: 'newsuite' }], orgs: [] }, 'suites[0].suiteSecret');
      await bad({ orgs: [{ corpId: ACME.corpId, authorizations: [{ suiteKey: 'nosuchsuite' }] }] }, 'orgs[0].authorizations[0].suiteKey');
      await bad({ orgs: [{ corpId: ACME.corpId, robots: [{ robotCode: 'dingx', suiteKey: 'nosuchsuite' }] }] }, 'orgs[0].robots[0].suiteKey');
      await bad(
        { orgs: [{ corpId: ACME.corpId, robots: [{ robotCode: 'dingx', suiteKey: SUITE.suiteKey, appKey: ACME.appKey }] }] },
        'orgs[0].robots[0].suiteKey',
      );
      await bad({ orgs: [{ corpId: ACME.corpId, apps: [{ appKey: 'suite/x', appSecret: 's' }] }] }, 'orgs[0].apps[0].appKey');
    });
  });
});

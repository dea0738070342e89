/** `POST/GET /_dingread/v1/fixtures` and `POST /reset`, over real HTTP. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FixtureDocument } from '../../src/core/fixtures.js';
import { ACME, ACME_USERS, GLOBEX, SMALL_GROUP_MEMBERS, testDirectory as sharedDirectory } from '../helpers/fixtures.js';
import { call, forEachStore, startTestServer, tokenFor, type TestServer } from '../helpers/server.js';
import { messagePath, sender } from './messaging.js';

type Doc = FixtureDocument;
type Org = Doc['orgs'][number];

/** testDirectory() shares its member arrays with the module's constants: copy before changing it. */
function testDirectory(): Doc {
  return structuredClone(sharedDirectory());
}

function acme(doc: Doc): Org {
  return doc.orgs[0] as Org;
}

forEachStore('control plane: fixtures', (store) => {
  let server: TestServer;
  const post = (doc: unknown) => call(server.url, 'POST', '/_dingread/v1/fixtures', { body: doc });
  const directory = () => server.admin<Doc>('GET', '/fixtures');

  before(async () => {
    server = await startTestServer({ store, seed: false });
  });
  after(() => server.close());
  beforeEach(async () => {
    await server.admin('POST', '/reset');
  });

  it('answers the counts upserted; the same document twice changes nothing', async () => {
    const first = await post(testDirectory());
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { orgs: 2, apps: 4, users: ACME_USERS.length + 3, robots: 7, conversations: 5 });
    const exported = await directory();
    const second = await post(testDirectory());
    assert.deepEqual(second.body, first.body);
    assert.deepEqual(await directory(), exported);
    // The app secrets still work after the second application.
    assert.equal(typeof (await tokenFor(server.url, ACME.appKey, ACME.appSecret)), 'string');
  });

  it('exports the directory with defaults filled in and no secrets', async () => {
    await post(testDirectory());
    const exported = await directory();
    const text = JSON.stringify(exported);
    assert.ok(!text.includes('appSecret'));
    assert.ok(!text.includes(ACME.appSecret));
    assert.ok(!text.includes('scrypt'));
    const org = acme(exported);
    assert.equal(org.corpId, ACME.corpId);
    assert.equal(org.name, 'Acme');
    assert.deepEqual(org.apps?.[0], { appKey: ACME.appKey, scopes: ['qyapi_robot_sendmsg'] });
    assert.deepEqual(org.apps?.[1], { appKey: ACME.noScopeAppKey, scopes: ['Contact.User.Read'] });
    assert.deepEqual(org.robots?.[0], { robotCode: ACME.robot, name: ACME.robot, status: 'active', templateStatus: 'active' });
    assert.deepEqual(
      org.robots?.find((r) => r.robotCode === ACME.ownedRobot),
      { robotCode: ACME.ownedRobot, name: ACME.ownedRobot, status: 'active', templateStatus: 'active', appKey: ACME.otherAppKey },
    );
    const small = org.conversations?.find((c) => c.openConversationId === ACME.smallGroup);
    assert.deepEqual(small, {
      openConversationId: ACME.smallGroup,
      type: 'group',
      title: 'Team',
      members: SMALL_GROUP_MEMBERS,
      robots: [ACME.robot],
    });
    const pair = org.conversations?.find((c) => c.openConversationId === ACME.pair);
    assert.deepEqual(pair, { openConversationId: ACME.pair, type: 'private', members: ['u0001', 'u0002'], coolAppCode: ACME.coolAppCode });
    // The export imports back unchanged, secrets and all.
    assert.equal((await post(exported)).status, 200);
    assert.deepEqual(await directory(), exported);
    assert.equal(typeof (await tokenFor(server.url, GLOBEX.appKey, GLOBEX.appSecret)), 'string');
  });

  it('upserts: a later document changes what it names and keeps the rest', async () => {
    await post(testDirectory());
    const answer = await post({
      orgs: [
        {
          corpId: ACME.corpId,
          name: 'Acme Renamed',
          users: [{ userId: 'u9999', name: 'Newcomer' }],
          conversations: [{ openConversationId: ACME.smallGroup, type: 'group', members: ['u0001', 'u9999'] }],
        },
      ],
    });
    assert.deepEqual(answer.body, { orgs: 1, apps: 0, users: 1, robots: 0, conversations: 1 });
    const org = acme(await directory());
    assert.equal(org.name, 'Acme Renamed');
    assert.equal(org.apps?.length, 3);
    assert.equal(org.users?.length, ACME_USERS.length + 1);
    const small = org.conversations?.find((c) => c.openConversationId === ACME.smallGroup);
    assert.deepEqual(small?.members, ['u0001', 'u9999']);
    assert.deepEqual(small?.robots, [ACME.robot], 'robots left out are kept');
    assert.equal(small?.title, 'Team', 'a title left out is kept');
  });

  it('changing members keeps the recipients of messages already sent', async () => {
    await post(testDirectory());
    const send = await sender(server);
    const earlier = await send.group(ACME.smallGroup);
    await post({ orgs: [{ corpId: ACME.corpId, conversations: [{ openConversationId: ACME.smallGroup, type: 'group', members: ['u0005', 'u0100'] }] }] });
    const later = await send.group(ACME.smallGroup);
    const recipients = async (key: string) =>
      (await server.admin<{ recipients: Array<{ userId: string }> }>('GET', messagePath(key))).recipients.map((r) => r.userId);
    assert.deepEqual(await recipients(earlier), SMALL_GROUP_MEMBERS);
    assert.deepEqual(await recipients(later), ['u0005', 'u0100']);
  });

  describe('a document with an error changes nothing and names the bad field', () => {
    let baseline: Doc;
    beforeEach(async () => {
      await post(testDirectory());
      baseline = await directory();
    });

    async function refused(doc: unknown, path: string): Promise<string> {
      const answer = await post(doc);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.code, 'invalidParameter.param.invalid');
      assert.ok(
        (answer.body.message as string).includes(`${path}:`),
        `expected the message to name ${path}: ${answer.body.message}`,
      );
      assert.equal(answer.headers.get('x-acs-request-id'), answer.body.requestid);
      assert.deepEqual(await directory(), baseline, 'nothing changed');
      return answer.body.message as string;
    }

    it('a shape error deep in the document, after valid changes', async () => {
      const doc = testDirectory();
      acme(doc).name = 'Changed';
      acme(doc).users?.push({ userId: 'u7777' });
      (doc.orgs[1] as Org).apps = [{ appKey: GLOBEX.appKey, appSecret: '' }];
      await refused(doc, 'orgs[1].apps[0].appSecret');
    });

    it('names the first bad field in document order, whether a shape or a reference is wrong', async () => {
      const doc = testDirectory();
      acme(doc).conversations?.push({ openConversationId: 'cidLater==', type: 'group', members: ['u9999'] });
      (doc.orgs[1] as Org).apps = [{ appKey: GLOBEX.appKey, appSecret: '' }];
      const message = await refused(doc, `orgs[0].conversations[${acme(doc).conversations!.length - 1}].members[0]`);
      assert.doesNotMatch(message, /orgs\[1\]/);
    });

    it('wrong types, unknown fields and bad enums', async () => {
      const wrongType = testDirectory() as any;
      wrongType.orgs[1].users[1].userId = 5;
      await refused(wrongType, 'orgs[1].users[1].userId');
      const unknownField = testDirectory() as any;
      unknownField.orgs[0].robots[2].colour = 'blue';
      await refused(unknownField, 'orgs[0].robots[2].colour');
      const badEnum = testDirectory() as any;
      badEnum.orgs[0].robots[0].status = 'paused';
      await refused(badEnum, 'orgs[0].robots[0].status');
      const notAList = testDirectory() as any;
      notAList.orgs[0].conversations[0].members = 'u0001';
      await refused(notAList, 'orgs[0].conversations[0].members');
      await refused({ orgs: 'none' }, 'orgs');
      await refused({}, 'orgs');
      await refused([], '(document)');
    });

    it('a new app needs a secret', async () => {
      const doc = testDirectory();
      acme(doc).apps?.push({ appKey: 'dingbrandnewapp' });
      await refused(doc, 'orgs[0].apps[3].appSecret');
    });

    it('ids that belong to another org', async () => {
      const robot = testDirectory();
      acme(robot).robots?.push({ robotCode: GLOBEX.robot });
      await refused(robot, 'orgs[0].robots[6].robotCode');
      const app = testDirectory();
      acme(app).apps?.push({ appKey: GLOBEX.appKey, appSecret: GLOBEX.appSecret });
      await refused(app, 'orgs[0].apps[3].appKey');
      const conversation = testDirectory();
      acme(conversation).conversations?.push({ openConversationId: GLOBEX.group, type: 'group', members: [] });
      await refused(conversation, 'orgs[0].conversations[3].openConversationId');
      // A new org cannot take them either.
      await refused({ orgs: [{ corpId: 'dingnewcorp', robots: [{ robotCode: ACME.robot }] }] }, 'orgs[0].robots[0].robotCode');
      // Nor can a group install another org's robot.
      const foreignRobot = testDirectory();
      acme(foreignRobot).conversations?.push({ openConversationId: 'cidNew==', type: 'group', robots: [ACME.robot, GLOBEX.robot] });
      await refused(foreignRobot, 'orgs[0].conversations[3].robots[1]');
      // Or make another org's app own a robot.
      const foreignOwner = testDirectory();
      acme(foreignOwner).robots?.push({ robotCode: 'dingnewbot', appKey: GLOBEX.appKey });
      await refused(foreignOwner, 'orgs[0].robots[6].appKey');
    });

    it('the same id twice in one document', async () => {
      const doc = testDirectory();
      (doc.orgs[1] as Org).robots?.push({ robotCode: ACME.robot });
      await refused(doc, 'orgs[1].robots[1].robotCode');
      const twice = testDirectory();
      twice.orgs.push({ corpId: ACME.corpId });
      await refused(twice, 'orgs[2].corpId');
    });

    it('a private conversation needs exactly two members and a coolAppCode', async () => {
      const three = testDirectory();
      acme(three).conversations?.push({ openConversationId: 'cidTrio==', type: 'private', members: ['u0001', 'u0002', 'u0003'], coolAppCode: 'C' });
      await refused(three, 'orgs[0].conversations[3].members');
      const one = testDirectory();
      acme(one).conversations?.push({ openConversationId: 'cidSolo==', type: 'private', members: ['u0001'], coolAppCode: 'C' });
      await refused(one, 'orgs[0].conversations[3].members');
      const none = testDirectory();
      acme(none).conversations?.push({ openConversationId: 'cidNobody==', type: 'private', coolAppCode: 'C' });
      await refused(none, 'orgs[0].conversations[3].members');
      const noCode = testDirectory();
      acme(noCode).conversations?.push({ openConversationId: 'cidNoCode==', type: 'private', members: ['u0001', 'u0003'] });
      await refused(noCode, 'orgs[0].conversations[3].coolAppCode');
      const existing = testDirectory();
      const pair = acme(existing).conversations?.find((c) => c.openConversationId === ACME.pair);
      assert.ok(pair);
      pair.members = ['u0001', 'u0002', 'u0003'];
      await refused(existing, `orgs[0].conversations[2].members`);
      // A group cannot turn into a private chat.
      const retype = testDirectory();
      const small = acme(retype).conversations?.[1];
      assert.ok(small);
      small.type = 'private';
      const message = await refused(retype, 'orgs[0].conversations[1].type');
      assert.match(message, /is a group conversation and cannot become private/, "told in the document's words");
      // Nor a private chat into a group.
      const back = testDirectory();
      const pairBack = acme(back).conversations?.find((c) => c.openConversationId === ACME.pair);
      assert.ok(pairBack);
      pairBack.type = 'group';
      assert.match(await refused(back, 'orgs[0].conversations[2].type'), /is a private conversation and cannot become group/);
    });

    it('an unknown member, or a member twice', async () => {
      const doc = testDirectory();
      acme(doc).conversations?.[1]?.members?.splice(1, 0, 'ghost');
      const message = await refused(doc, 'orgs[0].conversations[1].members[1]');
      assert.match(message, /ghost/);
      // A user of another org is unknown here too.
      const foreign = testDirectory();
      acme(foreign).conversations?.[1]?.members?.push('g001');
      await refused(foreign, 'orgs[0].conversations[1].members[5]');
      const twice = testDirectory();
      acme(twice).conversations?.[1]?.members?.push('u0001');
      await refused(twice, 'orgs[0].conversations[1].members');
    });
  });

  it('a user of the document can be a member in the same document, and one already stored too', async () => {
    await post(testDirectory());
    const answer = await post({
      orgs: [
        {
          corpId: ACME.corpId,
          users: [{ userId: 'u8888' }],
          conversations: [{ openConversationId: 'cidFresh==', type: 'group', members: ['u8888', 'u0450'] }],
        },
      ],
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const fresh = acme(await directory()).conversations?.find((c) => c.openConversationId === 'cidFresh==');
    assert.deepEqual(fresh, { openConversationId: 'cidFresh==', type: 'group', members: ['u0450', 'u8888'], robots: [] });
  });

  it("takes an internal app's own bot, whose robotCode is the app's appKey, and lets the app send as it", async () => {
    // appKeys and robotCodes are kept apart: the same string may name an app and its bot, as in DingTalk.
    const doc = testDirectory();
    acme(doc).robots?.push({ robotCode: ACME.appKey, name: 'Acme app bot', appKey: ACME.appKey });
    acme(doc).conversations?.[1]?.robots?.push(ACME.appKey);
    const answer = await post(doc);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(await post(doc).then((again) => again.status), 200, 'applying it again changes nothing');
    const exported = acme(await directory()).robots?.find((robot) => robot.robotCode === ACME.appKey);
    assert.deepEqual(exported, { robotCode: ACME.appKey, name: 'Acme app bot', status: 'active', templateStatus: 'active', appKey: ACME.appKey });
    const token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    const send = (path: string, body: unknown) => call(server.url, 'POST', path, { token, body });
    const msg = { msgKey: 'sampleText', msgParam: '{"content":"hi"}' };
    const group = await send('/v1.0/robot/groupMessages/send', { robotCode: ACME.appKey, openConversationId: ACME.smallGroup, ...msg });
    assert.equal(group.status, 200, JSON.stringify(group.body));
    const oto = await send('/v1.0/robot/oToMessages/batchSend', { robotCode: ACME.appKey, userIds: ['u0001'], ...msg });
    assert.equal(oto.status, 200, JSON.stringify(oto.body));
    // Another app of the org does not own it.
    const other = await tokenFor(server.url, ACME.otherAppKey, ACME.otherAppSecret);
    const refused = await call(server.url, 'POST', '/v1.0/robot/oToMessages/batchSend', { token: other, body: { robotCode: ACME.appKey, userIds: ['u0001'], ...msg } });
    assert.equal(refused.body.code, 'invalidParameter.robotCode.auth');
  });

  it('POST /reset forgets everything: directory, messages, reads and tokens', async () => {
    await post(testDirectory());
    const send = await sender(server);
    const key = await send.group(ACME.smallGroup);
    const token = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    await server.admin('POST', '/reads', { reads: [{ processQueryKey: key, userId: 'u0001' }] });
    const answer = await call(server.url, 'POST', '/_dingread/v1/reset');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {});
    assert.deepEqual(await directory(), { orgs: [] });
    assert.equal((await call(server.url, 'GET', `/_dingread/v1${messagePath(key)}`)).status, 404);
    assert.deepEqual(await server.admin('GET', '/messages'), { items: [] });
    const query = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', {
      token,
      body: { robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: key },
    });
    assert.equal(query.status, 400);
    assert.equal(query.body.code, 'InvalidAuthentication');
    // And the server works again from scratch, without bringing the old token back to life.
    await post(testDirectory());
    const again = await sender(server);
    assert.equal(typeof (await again.group(ACME.smallGroup)), 'string');
    const renewed = await tokenFor(server.url, ACME.appKey, ACME.appSecret);
    assert.notEqual(renewed, token, 'the app made again gets a token it never had');
    const stale = await call(server.url, 'POST', '/v1.0/robot/groupMessages/query', {
      token,
      body: { robotCode: ACME.robot, openConversationId: ACME.smallGroup, processQueryKey: key },
    });
    assert.equal(stale.body.code, 'InvalidAuthentication');
  });
});

/**
 * Isolation between orgs, through the official SDK: with Globex's token, Acme's robots,
 * conversations, users and messages answer exactly as ids that do not exist anywhere would, on
 * every query, send and recall. Nothing Globex does changes Acme's messages.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ACME, GLOBEX } from '../helpers/fixtures.js';
import { forEachStore } from '../helpers/server.js';
import { defined, read, sameAsNonexistent, startHarness, text, type Harness } from './sdk-conformance.js';

const NO_ROBOT = 'dingnosuchbot';
const NO_GROUP = 'cidNoSuchGroup==';
const NO_PAIR = 'cidNoSuchPair==';
const NO_KEY = 'bm90IGEga2V5IHRoaXMgc2VydmVyIGhhcyBtYWRlIQ+=';
const ACME_ROBOTS = [ACME.robot, ACME.stoppedRobot, ACME.templateStoppedRobot, ACME.templateMissingRobot, ACME.ownedRobot, ACME.loneRobot];

forEachStore('SDK isolation between orgs', (store) => {
  let h: Harness;
  let acmeKeys: { oto: string; group: string; private: string };
  before(async () => {
    h = await startHarness(store);
    acmeKeys = {
      oto: await h.acme.otoKey(['u0001', 'u0002']),
      group: await h.acme.groupKey(),
      private: await h.acme.privateKey(),
    };
  });
  after(() => h.close());

  it('readStatus: Acme robots and Acme keys look nonexistent', async () => {
    for (const robotCode of ACME_ROBOTS) {
      await sameAsNonexistent(
        'invalidParameter.robotCode.invalid',
        (id) => h.globex.queryOto({ robotCode: id, processQueryKey: acmeKeys.oto }),
        robotCode,
        NO_ROBOT,
      );
    }
    await sameAsNonexistent(
      'invalid.processQueryKey',
      (id) => h.globex.queryOto({ robotCode: GLOBEX.robot, processQueryKey: id }),
      acmeKeys.oto,
      NO_KEY,
    );
  });

  it('groupMessages/query: Acme robots, groups and keys look nonexistent', async () => {
    for (const robotCode of ACME_ROBOTS) {
      await sameAsNonexistent(
        'invalidParameter.robotCode.invalid',
        (id) => h.globex.queryGroup({ robotCode: id, openConversationId: GLOBEX.group, processQueryKey: acmeKeys.group }),
        robotCode,
        NO_ROBOT,
      );
    }
    for (const group of [ACME.smallGroup, ACME.bigGroup]) {
      await sameAsNonexistent(
        'invalid.openConversationId',
        (id) => h.globex.queryGroup({ robotCode: GLOBEX.robot, openConversationId: id, processQueryKey: acmeKeys.group }),
        group,
        NO_GROUP,
      );
    }
    await sameAsNonexistent(
      'invalid.processQueryKey',
      (id) => h.globex.queryGroup({ robotCode: GLOBEX.robot, openConversationId: GLOBEX.group, processQueryKey: id }),
      acmeKeys.group,
      NO_KEY,
    );
  });

  it('privateChatMessages/query: Acme robots, chats and keys look nonexistent', async () => {
    for (const robotCode of ACME_ROBOTS) {
      await sameAsNonexistent(
        'invalidParameter.robotCode.invalid',
        (id) => h.globex.queryPrivate({ robotCode: id, openConversationId: GLOBEX.pair, processQueryKey: acmeKeys.private }),
        robotCode,
        NO_ROBOT,
      );
    }
    await sameAsNonexistent(
      'invalid.openConversationId',
      (id) => h.globex.queryPrivate({ robotCode: GLOBEX.robot, openConversationId: id, processQueryKey: acmeKeys.private }),
      ACME.pair,
      NO_PAIR,
    );
    await sameAsNonexistent(
      'invalid.processQueryKey',
      (id) => h.globex.queryPrivate({ robotCode: GLOBEX.robot, openConversationId: GLOBEX.pair, processQueryKey: id }),
      acmeKeys.private,
      NO_KEY,
    );
  });

  it('sends: Acme robots, groups, chats and cool apps look nonexistent', async () => {
    for (const robotCode of ACME_ROBOTS) {
      await sameAsNonexistent(
        'invalidParameter.robotCode.notExsit',
        (id) => h.globex.sendOto({ robotCode: id, userIds: ['g001'], ...text('x') }),
        robotCode,
        NO_ROBOT,
      );
      await sameAsNonexistent(
        'invalidParameter.robotCode.notExsit',
        (id) => h.globex.sendGroup({ robotCode: id, openConversationId: GLOBEX.group, ...text('x') }),
        robotCode,
        NO_ROBOT,
      );
      await sameAsNonexistent(
        'invalidParameter.robotCode.notExsit',
        (id) =>
          h.globex.sendPrivate({ robotCode: id, openConversationId: GLOBEX.pair, coolAppCode: GLOBEX.coolAppCode, ...text('x') }),
        robotCode,
        NO_ROBOT,
      );
    }
    await sameAsNonexistent(
      'invalid.openConversationId',
      (id) => h.globex.sendGroup({ robotCode: GLOBEX.robot, openConversationId: id, ...text('x') }),
      ACME.smallGroup,
      NO_GROUP,
    );
    await sameAsNonexistent(
      'invalid.openConversationId',
      (id) => h.globex.sendPrivate({ robotCode: GLOBEX.robot, openConversationId: id, coolAppCode: ACME.coolAppCode, ...text('x') }),
      ACME.pair,
      NO_PAIR,
    );
    await sameAsNonexistent(
      'invalidParameter.robotCode.coolApp',
      (id) => h.globex.sendPrivate({ robotCode: GLOBEX.robot, openConversationId: GLOBEX.pair, coolAppCode: id, ...text('x') }),
      ACME.coolAppCode,
      'COOLAPP-1-NOWHERE',
    );
    await sameAsNonexistent(
      'staffId.notExisted',
      (id) => h.globex.sendOto({ robotCode: GLOBEX.robot, userIds: [id], ...text('x') }),
      'u0002',
      'nobody',
    );
  });

  it('oto sends: Acme-only users are invalidStaffIdList like unknown ones; a shared userId means Globex\'s user', async () => {
    const sent = await h.globex.sendOto({ robotCode: GLOBEX.robot, userIds: ['g001', 'u0002', 'nobody', 'u0001'], ...text('x') });
    assert.deepEqual(sent.invalidStaffIdList, ['u0002', 'nobody']);
    const key = defined(sent.processQueryKey);
    const page = await h.globex.queryOto({ robotCode: GLOBEX.robot, processQueryKey: key });
    assert.deepEqual(
      page.messageReadInfoList?.map((i) => [i.userId, i.name]),
      [
        ['g001', 'Gina'],
        ['u0001', 'Globex u0001'],
      ],
    );
    // Acme's u0001 opening their chat with Acme's robot does not read Globex's message.
    await h.server.admin('POST', `/robots/${ACME.robot}/chats/u0001/read`, {});
    const after = await h.globex.queryOto({ robotCode: GLOBEX.robot, processQueryKey: key });
    assert.deepEqual(
      after.messageReadInfoList?.map((i) => i.readStatus),
      ['UNREAD', 'UNREAD'],
    );
    // And Acme cannot see Globex's message.
    await sameAsNonexistent(
      'invalid.processQueryKey',
      (id) => h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: id }),
      key,
      NO_KEY,
    );
  });

  it('recalls: Acme robots and conversations look nonexistent; Acme keys fail like unknown keys and stay intact', async () => {
    for (const robotCode of ACME_ROBOTS) {
      await sameAsNonexistent(
        'invalidParameter.robotCode.notExsit',
        (id) => h.globex.recallOto({ robotCode: id, processQueryKeys: [acmeKeys.oto] }),
        robotCode,
        NO_ROBOT,
      );
      await sameAsNonexistent(
        'invalidParameter.robotCode.notExsit',
        (id) => h.globex.recallGroup({ robotCode: id, openConversationId: GLOBEX.group, processQueryKeys: [acmeKeys.group] }),
        robotCode,
        NO_ROBOT,
      );
      await sameAsNonexistent(
        'invalidParameter.robotCode.notExsit',
        (id) => h.globex.recallPrivate({ robotCode: id, openConversationId: GLOBEX.pair, processQueryKeys: [acmeKeys.private] }),
        robotCode,
        NO_ROBOT,
      );
    }
    await sameAsNonexistent(
      'invalid.openConversationId',
      (id) => h.globex.recallGroup({ robotCode: GLOBEX.robot, openConversationId: id, processQueryKeys: [acmeKeys.group] }),
      ACME.smallGroup,
      NO_GROUP,
    );
    await sameAsNonexistent(
      'invalid.openConversationId',
      (id) => h.globex.recallPrivate({ robotCode: GLOBEX.robot, openConversationId: id, processQueryKeys: [acmeKeys.private] }),
      ACME.pair,
      NO_PAIR,
    );

    const oto = await h.globex.recallOto({ robotCode: GLOBEX.robot, processQueryKeys: [acmeKeys.oto, NO_KEY] });
    assert.deepEqual(oto.successResult, []);
    assert.deepEqual(oto.failedResult, { [acmeKeys.oto]: 'invalid.processQueryKey', [NO_KEY]: 'invalid.processQueryKey' });
    const group = await h.globex.recallGroup({
      robotCode: GLOBEX.robot,
      openConversationId: GLOBEX.group,
      processQueryKeys: [acmeKeys.group, NO_KEY],
    });
    assert.deepEqual(group.successResult, []);
    assert.deepEqual(group.failedResult, { [acmeKeys.group]: 'invalid.processQueryKey', [NO_KEY]: 'invalid.processQueryKey' });
    const pc = await h.globex.recallPrivate({
      robotCode: GLOBEX.robot,
      openConversationId: GLOBEX.pair,
      processQueryKeys: [acmeKeys.private, NO_KEY],
    });
    assert.deepEqual(pc.successResult, []);
    assert.deepEqual(pc.failedResult, { [acmeKeys.private]: 'invalid.processQueryKey', [NO_KEY]: 'invalid.processQueryKey' });

    // Acme's messages are untouched and still readable.
    assert.equal((await h.acme.queryOto({ robotCode: ACME.robot, processQueryKey: acmeKeys.oto })).sendStatus, 'SUCCESS');
    const chat = { robotCode: ACME.robot, openConversationId: ACME.smallGroup };
    assert.equal((await h.acme.queryGroup({ ...chat, processQueryKey: acmeKeys.group })).sendStatus, 'SUCCESS');
    assert.equal(
      (await h.acme.queryPrivate({ robotCode: ACME.robot, openConversationId: ACME.pair, processQueryKey: acmeKeys.private })).sendStatus,
      'SUCCESS',
    );
    assert.deepEqual(await read(h.server, acmeKeys.group, ['u0003']), { accepted: 1, ignored: [] });
  });

  it('Acme cannot use Globex\'s robot, group or chat either', async () => {
    await sameAsNonexistent(
      'invalidParameter.robotCode.notExsit',
      (id) => h.acme.sendGroup({ robotCode: id, openConversationId: ACME.smallGroup, ...text('x') }),
      GLOBEX.robot,
      NO_ROBOT,
    );
    await sameAsNonexistent(
      'invalid.openConversationId',
      (id) => h.acme.sendGroup({ robotCode: ACME.robot, openConversationId: id, ...text('x') }),
      GLOBEX.group,
      NO_GROUP,
    );
    await sameAsNonexistent(
      'invalid.openConversationId',
      (id) => h.acme.queryPrivate({ robotCode: ACME.robot, openConversationId: id, processQueryKey: acmeKeys.private }),
      GLOBEX.pair,
      NO_PAIR,
    );
  });
});

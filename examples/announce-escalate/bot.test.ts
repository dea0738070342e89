/**
 * The example bot, tested the way docs/testing.md walks through: dingread in-process, a directory,
 * users who read or do not, the clock moved by an hour instead of waiting, and a DingTalk fault.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DingTalkClient } from '../../src/client/index.js';
import { startDingread, type FixtureDocument, type RunningDingread } from '../../src/testing/index.js';
import { AnnouncementBot } from './bot.js';

const MEMBERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const GROUP = 'cidOffice==';
const HOUR = 60 * 60 * 1000;

const directory: FixtureDocument = {
  orgs: [
    {
      corpId: 'dingoffice',
      apps: [{ appKey: 'dingofficeapp', appSecret: 'office-secret' }],
      users: MEMBERS.map((userId) => ({ userId })),
      robots: [{ robotCode: 'dingofficebot' }],
      conversations: [{ openConversationId: GROUP, type: 'group', members: MEMBERS, robots: ['dingofficebot'] }],
    },
  ],
};

describe('example: announce, then remind who has not read it', () => {
  let dingread: RunningDingread;
  let now: number;
  let bot: AnnouncementBot;

  /** Moves the bot's time and dingread's clock together. */
  async function advance(ms: number): Promise<void> {
    now += ms;
    await dingread.admin.clock.set(now);
  }

  before(async () => {
    dingread = await startDingread();
  });
  after(() => dingread.close());
  beforeEach(async () => {
    await dingread.admin.reset();
    await dingread.admin.applyFixture(directory);
    now = Date.UTC(2025, 0, 6, 9, 0);
    await dingread.admin.clock.set(now);
    const client = new DingTalkClient({ appKey: 'dingofficeapp', appSecret: 'office-secret', endpoint: dingread.url, retryBaseDelayMs: 10 });
    bot = new AnnouncementBot({ client, robotCode: 'dingofficebot', openConversationId: GROUP, members: MEMBERS, now: () => now });
  });

  it('reminds only those who have not read the announcement, an hour later, once', async () => {
    const announcement = await bot.announce('Office move', 'We move on **Monday**.');
    await dingread.admin.reads([{ processQueryKey: announcement.processQueryKey, userId: 'alice' }]);
    await dingread.admin.openConversation(GROUP, 'bob');

    await advance(30 * 60 * 1000);
    assert.deepEqual(await bot.tick(), [], 'nothing before the hour is up');
    await dingread.admin.reads([{ processQueryKey: announcement.processQueryKey, userId: 'carol' }]);

    await advance(31 * 60 * 1000);
    const [escalated] = await bot.tick();
    assert.deepEqual(escalated?.escalation?.userIds, ['dave', 'erin']);
    const reminder = await dingread.admin.message(escalated?.escalation?.processQueryKey as string);
    assert.equal(reminder.kind, 'oto');
    assert.deepEqual(reminder.recipients.map((r) => r.userId).sort(), ['dave', 'erin']);
    assert.match(reminder.msgParam, /Office move/);

    await advance(HOUR);
    assert.deepEqual(await bot.tick(), [], 'an announcement is escalated once');
  });

  it('sends no reminder when everyone has read it', async () => {
    const announcement = await bot.announce('Lunch', 'Pizza at noon.');
    await dingread.admin.reads(MEMBERS.map((userId) => ({ processQueryKey: announcement.processQueryKey, userId })));
    await advance(HOUR);
    const [escalated] = await bot.tick();
    assert.deepEqual(escalated?.escalation, { userIds: [] });
    assert.equal((await dingread.admin.messages()).items.length, 1, 'only the announcement was sent');
  });

  it('rides out a transient DingTalk error on the read query', async () => {
    await bot.announce('Fire drill', 'At 3 pm.');
    await advance(HOUR);
    await dingread.admin.faults.add({
      match: { path: '/v1.0/robot/groupMessages/query' },
      error: { status: 500, code: 'system.error' },
      count: 1,
    });
    const [escalated] = await bot.tick();
    assert.equal(escalated?.escalation?.userIds.length, 5);
    const queries = await dingread.admin.requests({ path: '/v1.0/robot/groupMessages/query' });
    assert.deepEqual(queries.map((entry) => entry.status), [200, 500], 'the client retried after the 500');
  });
});

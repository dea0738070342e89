/**
 * The echo bot against dingread in-process: users write, the bot answers through session
 * webhooks, and the chats show both, with read state, as a phone would.
 */
// First: it steers the SDK's axios to a version that reaches dingread through HTTPS_PROXY as it
// is today (test/helpers/stream-sdk.ts says why); then the bot is imported, sharing that SDK.
import '../../test/helpers/stream-sdk.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDingread, type FixtureDocument, type RunningDingread, type TimelineItem } from '../../src/testing/index.js';
import { until } from '../../test/helpers/wait.js';

const { EchoBot } = await import('./bot.js');

const GROUP = 'cidOffice==';
const directory: FixtureDocument = {
  orgs: [
    {
      corpId: 'dingoffice',
      apps: [{ appKey: 'dingofficeapp', appSecret: 'office-secret' }],
      users: [{ userId: 'alice', name: 'Alice' }, { userId: 'bob', name: 'Bob' }],
      robots: [{ robotCode: 'dingofficebot', name: 'Echo' }],
      conversations: [{ openConversationId: GROUP, type: 'group', title: 'Office', members: ['alice', 'bob'], robots: ['dingofficebot'] }],
    },
  ],
};

describe('example: an echo bot on dingtalk-stream', () => {
  let dingread: RunningDingread;
  let bot: InstanceType<typeof EchoBot>;
  let proxy: string | undefined;

  before(async () => {
    dingread = await startDingread({ fixture: directory });
    proxy = process.env['HTTPS_PROXY'];
    process.env['HTTPS_PROXY'] = dingread.url;
    bot = new EchoBot({ clientId: 'dingofficeapp', clientSecret: 'office-secret' });
    await bot.start();
    await until('the bot to connect', async () => (await dingread.admin.stream.connections()).length === 1);
  });
  after(async () => {
    bot.stop();
    if (proxy === undefined) delete process.env['HTTPS_PROXY'];
    else process.env['HTTPS_PROXY'] = proxy;
    await dingread.close();
  });

  /** The chat once it holds `count` items. */
  async function chatOf(chat: Parameters<RunningDingread['admin']['chat']>[0], count: number): Promise<TimelineItem[]> {
    let items: TimelineItem[] = [];
    await until(`${count} items in the chat`, async () => (items = await dingread.admin.chat(chat)).length >= count);
    return items;
  }

  it('answers a user one-on-one; the user has read the answer once they write again', async () => {
    const said = await dingread.admin.say({ userId: 'alice', robotCode: 'dingofficebot', text: 'hello' });
    assert.deepEqual(said.deliveries, [{ robotCode: 'dingofficebot', status: 'delivered' }]);
    const [question, answer] = await chatOf({ robotCode: 'dingofficebot', userId: 'alice' }, 2);
    assert.deepEqual([question?.via, question?.text], ['user', 'hello']);
    assert.deepEqual([answer?.via, answer?.text, answer?.from], ['sessionWebhook', 'echo: hello', { robotCode: 'dingofficebot' }]);
    assert.equal(answer?.readAt, null, 'not read yet');

    await dingread.admin.say({ userId: 'alice', robotCode: 'dingofficebot', text: 'thanks' });
    const items = await chatOf({ robotCode: 'dingofficebot', userId: 'alice' }, 4);
    assert.equal(typeof items[1]?.readAt, 'number', 'read when alice wrote again');
  });

  it('answers in the group only when @-mentioned, mentioning who wrote', async () => {
    const quiet = await dingread.admin.say({ userId: 'bob', openConversationId: GROUP, text: 'lunch?' });
    assert.deepEqual(quiet.deliveries, [{ robotCode: 'dingofficebot', status: 'notMentioned' }]);
    await dingread.admin.say({ userId: 'bob', openConversationId: GROUP, text: 'are you there?', atRobots: ['dingofficebot'] });
    const items = await chatOf({ openConversationId: GROUP }, 3);
    assert.deepEqual(
      items.map((item) => [item.via, item.text]),
      [
        ['user', 'lunch?'],
        ['user', 'are you there?'],
        ['sessionWebhook', 'echo: are you there?'],
      ],
    );
    assert.deepEqual(items[2]?.at, { atUserIds: ['bob'] });
    assert.equal(items[2]?.readCount, 0);
  });

  it('acknowledges everything it answered: nothing is left to push again', async () => {
    await until('three answers', () => bot.answered === 3);
    const [connection] = await dingread.admin.stream.connections();
    assert.deepEqual(connection?.unacknowledged, []);
  });
});

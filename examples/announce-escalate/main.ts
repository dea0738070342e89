/**
 * Runs the example bot against a server: `dingread exec --demo -- node dist/examples/announce-escalate/main.js`.
 * It announces into the demo group, then checks every CHECK_EVERY_MS (default a minute) and exits
 * once the reminders went out, an hour later (ESCALATE_AFTER_MS shortens the wait).
 */
import { DingTalkClient } from '../../src/client/index.js';
import { DEMO, DEMO_USER_IDS } from '../../src/demo/demo-directory.js';
import { AnnouncementBot } from './bot.js';

const env = process.env;
const client = new DingTalkClient({
  appKey: env['DINGREAD_APP_KEY'] ?? DEMO.appKey,
  appSecret: env['DINGREAD_APP_SECRET'] ?? DEMO.appSecret,
  endpoint: env['DINGREAD_URL'] ?? 'http://127.0.0.1:3939',
});
const bot = new AnnouncementBot({
  client,
  robotCode: env['DINGREAD_ROBOT_CODE'] ?? DEMO.robotCode,
  openConversationId: DEMO.groupId,
  members: DEMO_USER_IDS,
  escalateAfterMs: Number(env['ESCALATE_AFTER_MS'] ?? 60 * 60 * 1000),
});

const announcement = await bot.announce('Office move', 'We move to the 5th floor on **Monday**.');
console.log(`announced ${announcement.processQueryKey}`);
const checkEvery = Number(env['CHECK_EVERY_MS'] ?? 60_000);
for (;;) {
  const [escalated] = await bot.tick();
  if (escalated?.escalation) {
    console.log(`reminded ${escalated.escalation.userIds.length} people who had not read it`);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, checkEvery));
}

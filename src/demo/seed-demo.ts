/**
 * Loads the demo directory and posts two messages through the same services the API uses (a
 * token, then sends and reads), so the printed curl commands have live data to show.
 */
import type { CoreContext } from '../core/context.js';
import { applyFixture } from '../core/fixtures.js';
import { recordReads } from '../core/reads.js';
import { sendGroup, sendOto } from '../core/sends.js';
import { authenticate, issueAccessToken } from '../core/tokens.js';
import { DEMO, DEMO_DIRECTORY, DEMO_USER_IDS } from './demo-directory.js';

export interface DemoMessages {
  otoKey: string;
  groupKey: string;
}

export async function seedDemo(ctx: CoreContext): Promise<DemoMessages> {
  await applyFixture(ctx, DEMO_DIRECTORY);
  const { accessToken } = await issueAccessToken(ctx, DEMO.appKey, DEMO.appSecret);
  const caller = await authenticate(ctx, accessToken);
  const oto = await sendOto(ctx, caller, {
    robotCode: DEMO.robotCode,
    userIds: DEMO_USER_IDS.slice(0, 5),
    msgKey: 'sampleText',
    msgParam: JSON.stringify({ content: 'Welcome to dingread: this one-on-one message went to five people.' }),
  });
  const group = await sendGroup(ctx, caller, {
    robotCode: DEMO.robotCode,
    openConversationId: DEMO.groupId,
    msgKey: 'sampleMarkdown',
    msgParam: JSON.stringify({ title: 'All hands', text: '**All hands** at 10:00 in the big room.' }),
  });
  const now = ctx.clock.now();
  await recordReads(ctx, [
    ...DEMO_USER_IDS.slice(0, 2).map((userId, i) => ({ processQueryKey: oto.processQueryKey, userId, readAt: now + i * 1000 })),
    ...DEMO_USER_IDS.slice(0, 20).map((userId, i) => ({ processQueryKey: group.processQueryKey, userId, readAt: now + i * 1000 })),
  ]);
  return { otoKey: oto.processQueryKey, groupKey: group.processQueryKey };
}

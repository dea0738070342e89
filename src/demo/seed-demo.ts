/**
 * Loads the demo directory and posts two messages through the same services the API uses (a
 * token, then sends and reads), so the printed curl commands have live data to show.
 *
 * The store remembers which two it posted: a restart on the same store shows those again instead
 * of posting two more, as long as they can still be queried (within the 24-hour window, not
 * recalled, not purged). Past that, fresh ones are posted so that the banner's commands still work.
 */
import type { CoreContext } from '../core/context.js';
import { applyFixture } from '../core/fixtures.js';
import { isExpired } from '../core/messages.js';
import { recordReads } from '../core/reads.js';
import { sendGroup, sendOto } from '../core/sends.js';
import { authenticate, issueAccessToken } from '../core/tokens.js';
import { DEMO, DEMO_DIRECTORY, DEMO_USER_IDS } from './demo-directory.js';

export interface DemoMessages {
  otoKey: string;
  groupKey: string;
  /** False when the messages are the ones an earlier start posted. */
  posted: boolean;
}

const NOTE = 'demo-messages';

export async function seedDemo(ctx: CoreContext): Promise<DemoMessages> {
  await applyFixture(ctx, DEMO_DIRECTORY);
  const earlier = await earlierMessages(ctx);
  if (earlier) return { ...earlier, posted: false };
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
  const keys = { otoKey: oto.processQueryKey, groupKey: group.processQueryKey };
  await ctx.store.writeNote(NOTE, JSON.stringify(keys));
  return { ...keys, posted: true };
}

/** The demo messages an earlier start posted, if they can still be queried. */
async function earlierMessages(ctx: CoreContext): Promise<{ otoKey: string; groupKey: string } | undefined> {
  const note = await ctx.store.readNote(NOTE);
  if (note === undefined) return undefined;
  let keys: { otoKey?: unknown; groupKey?: unknown };
  try {
    keys = JSON.parse(note) as typeof keys;
  } catch {
    return undefined;
  }
  if (typeof keys.otoKey !== 'string' || typeof keys.groupKey !== 'string') return undefined;
  for (const key of [keys.otoKey, keys.groupKey]) {
    const message = await ctx.store.findMessage(key);
    if (!message || message.recalledAt !== null || isExpired(ctx, message, ctx.clock.now())) return undefined;
  }
  return { otoKey: keys.otoKey, groupKey: keys.groupKey };
}

/** Message state derived from the clock: send status and the 24-hour window. */
import type { SendStatus } from './answers.js';
import type { CoreContext } from './context.js';
import type { MessageRecord } from './store.js';

export function sendStatusOf(ctx: CoreContext, message: MessageRecord): SendStatus {
  if (message.recalledAt !== null) return 'RECALLED';
  return ctx.clock.now() < message.deliveredAt ? 'PROCESSING' : 'SUCCESS';
}

/** Past the window DingTalk has no query data for the message any more, and cannot recall it. */
export function isExpired(ctx: CoreContext, message: MessageRecord): boolean {
  return ctx.clock.now() >= message.sentAt + ctx.options.queryWindowMs;
}

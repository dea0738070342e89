/**
 * Message state derived from the clock: send status and the 24-hour window, each judged at the
 * instant `now` its caller read once, so that all of one answer's judgements are of one instant.
 */
import type { SendStatus } from './answers.js';
import type { CoreContext } from './context.js';
import type { MessageRecord } from './store.js';

export function sendStatusOf(message: MessageRecord, now: number): SendStatus {
  if (message.recalledAt !== null) return 'RECALLED';
  return now < message.deliveredAt ? 'PROCESSING' : 'SUCCESS';
}

/** Past the window DingTalk has no query data for the message any more, and cannot recall it. */
export function isExpired(ctx: CoreContext, message: MessageRecord, now: number): boolean {
  return now >= message.sentAt + ctx.options.queryWindowMs;
}

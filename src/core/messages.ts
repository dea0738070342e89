/**
 * Message state derived from the clock: send status and the 24-hour window, each judged at the
 * instant `now` the caller gives. A read-status query, a listing and a timeline each read the
 * clock once for their whole answer, so that its judgements agree; a recall judges each key as it
 * comes to it.
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

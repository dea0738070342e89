/**
 * Third-party suites on the control plane: the suiteTicket DingTalk would push to a suite, and
 * revoking a suite's authorization in an org (fixtures create suites and authorizations).
 */
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import { hashToken } from './ids.js';

/**
 * Makes `suiteTicket` (or a fresh random one) the suite's current ticket. The previous ticket
 * stops working for new tokens; tokens already issued keep working until they expire.
 */
export async function setSuiteTicket(
  ctx: CoreContext,
  suiteKey: string,
  suiteTicket?: string,
): Promise<{ suiteKey: string; suiteTicket: string }> {
  const ticket = suiteTicket ?? ctx.random.bytes('suiteTicket', 24).toString('base64url');
  if (!(await ctx.store.setSuiteTicket(suiteKey, hashToken(ticket)))) fail('object.notFound', `no suite ${suiteKey}`);
  return { suiteKey, suiteTicket: ticket };
}

/** Revokes the suite's authorization in the org: its corp tokens stop working at once. */
export async function revokeAuthorization(ctx: CoreContext, corpId: string, suiteKey: string): Promise<Record<string, never>> {
  if (!(await ctx.store.revokeAuthorization(suiteKey, corpId))) {
    fail('object.notFound', `suite ${suiteKey} is not authorized in ${corpId}`);
  }
  ctx.events.emit({ type: 'changed', what: 'directory' });
  return {};
}

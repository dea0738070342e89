/**
 * Waiting for something asynchronous in a test: poll the condition until it holds. The deadline
 * only guards against a hang (it is far above what any run needs, busy machine included), so a
 * slow run waits longer instead of failing.
 */
const DEFAULT_DEADLINE_MS = 60_000;
const POLL_EVERY_MS = 20;

export async function until(what: string, condition: () => boolean | Promise<boolean>, deadlineMs = DEFAULT_DEADLINE_MS): Promise<void> {
  const giveUpAt = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
  }
}

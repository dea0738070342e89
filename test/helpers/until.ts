/**
 * Waiting for something that happens on its own time (a frame over a socket, a reconnect): poll
 * the condition until it holds. The deadline only keeps a broken test from hanging; nothing is
 * asserted about how long it took.
 */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * DingTalk's per-app, per-API rate limit: at most `limit` calls in any one-second window, after
 * which the gateway answers 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`. It counts real
 * (monotonic) time, `Clock.elapsed`, not the server's settable time (core/clock.ts says why).
 */

export const DINGTALK_QPS_LIMIT = 20;
const WINDOW_MS = 1000;
const MAX_TRACKED = 10_000;

export class QpsLimiter {
  /** The times of the last `limit` admitted calls, per `appKey API`, oldest first. */
  private readonly recent = new Map<string, number[]>();

  /** `limit` 0 admits everything; `now` counts monotonic milliseconds (`Clock.elapsed`). */
  constructor(
    readonly limit: number,
    private readonly now: () => number,
  ) {}

  /** Admits the call and counts it, or answers false when the app is over its limit for this API. */
  admit(appKey: string, api: string): boolean {
    if (this.limit <= 0) return true;
    const key = `${appKey}\u0000${api}`;
    const now = this.now();
    const times = this.recent.get(key) ?? [];
    while (times.length > 0 && now - (times[0] as number) >= WINDOW_MS) times.shift();
    if (times.length >= this.limit) return false;
    times.push(now);
    this.recent.set(key, times);
    // The token endpoint counts by the appKey a caller claims, so keys are not bounded by the
    // directory: forget the ones that have been quiet for a window once there are many.
    if (this.recent.size > MAX_TRACKED) this.sweep(now);
    return true;
  }

  private sweep(now: number): void {
    for (const [key, times] of this.recent) {
      const last = times[times.length - 1];
      if (last === undefined || now - last >= WINDOW_MS) this.recent.delete(key);
    }
  }
}

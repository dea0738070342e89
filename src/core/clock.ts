/**
 * The server's clock. In `system` mode it is the machine's time; in `manual` mode time stands where
 * it was set and moves only when told (tests move it past the 24-hour window or a token's expiry).
 */
export type ClockMode = 'system' | 'manual';

export interface ClockState {
  nowMs: number;
  mode: ClockMode;
}

export class Clock {
  private manualNow: number | null = null;

  constructor(private readonly systemNow: () => number = Date.now) {}

  now(): number {
    return this.manualNow ?? this.systemNow();
  }

  get mode(): ClockMode {
    return this.manualNow === null ? 'system' : 'manual';
  }

  state(): ClockState {
    return { nowMs: this.now(), mode: this.mode };
  }

  /** Stops the clock at `nowMs`. */
  set(nowMs: number): ClockState {
    this.manualNow = nowMs;
    return this.state();
  }

  /** Stops the clock (if it was running) and moves it by `ms`. */
  advance(ms: number): ClockState {
    this.manualNow = this.now() + ms;
    return this.state();
  }

  useSystem(): ClockState {
    this.manualNow = null;
    return this.state();
  }
}

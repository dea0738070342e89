/**
 * The server's clock. In `system` mode it is the machine's time; in `manual` mode time stands where
 * it was set and moves only when told (tests move it past the 24-hour window or a token's expiry).
 * Beside it runs elapsed real time, which the control plane never moves: what rate limits count in.
 */
import { performance } from 'node:perf_hooks';
import { fail } from './errors.js';

export type ClockMode = 'system' | 'manual';

/** The range a JavaScript Date can hold, from the epoch on: the clock never leaves it. */
export const MAX_CLOCK_MS = 8.64e15;

export interface ClockState {
  nowMs: number;
  mode: ClockMode;
}

export type ClockListener = (state: ClockState) => void;

export class Clock {
  private manualNow: number | null = null;
  private readonly listeners = new Set<ClockListener>();

  /**
   * `systemNow` is the machine's wall-clock time; `elapsedNow` a monotonic count of milliseconds
   * (tests give their own, to step rate-limit windows without sleeping).
   */
  constructor(
    private readonly systemNow: () => number = Date.now,
    private readonly elapsedNow: () => number = () => performance.now(),
  ) {}

  now(): number {
    return this.manualNow ?? this.systemNow();
  }

  /**
   * Milliseconds of real time from an arbitrary start, never moved by `set` or `advance`: a test
   * that stops the clock must not be throttled forever, nor one that moves it a day ahead reset
   * anyone's budget.
   */
  elapsed(): number {
    return this.elapsedNow();
  }

  get mode(): ClockMode {
    return this.manualNow === null ? 'system' : 'manual';
  }

  state(): ClockState {
    return { nowMs: this.now(), mode: this.mode };
  }

  /** Stops the clock at `nowMs`. */
  set(nowMs: number): ClockState {
    if (!Number.isInteger(nowMs) || nowMs < 0 || nowMs > MAX_CLOCK_MS) {
      fail('invalidParameter.param.invalid', `the clock must stay between 0 and ${MAX_CLOCK_MS} ms`);
    }
    this.manualNow = nowMs;
    return this.changed();
  }

  /** Stops the clock (if it was running) and moves it by `ms`. */
  advance(ms: number): ClockState {
    return this.set(this.now() + ms);
  }

  useSystem(): ClockState {
    this.manualNow = null;
    return this.changed();
  }

  /**
   * Calls `listener` after every set, move or return to system time, so that work due at a time
   * (Stream redeliveries) happens when the clock is moved, not only when a timer fires.
   * Returns the function that stops it.
   */
  onChange(listener: ClockListener): () => void {
    const entry: ClockListener = (state) => listener(state);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  private changed(): ClockState {
    const state = this.state();
    for (const listener of [...this.listeners]) listener(state);
    return state;
  }
}

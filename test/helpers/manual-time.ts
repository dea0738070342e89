/**
 * Time under a test's hand, for what runs on real time rather than on the server clock: the rate
 * limits' elapsed time (`Clock.elapsed`) and the demo simulator's timers. Tests step them instead
 * of sleeping, so that a busy machine changes nothing but how long the run takes.
 */
import type { Scheduler } from '../../src/demo/simulator.js';

/** Elapsed milliseconds that move only when the test says: `new Clock(Date.now, stopwatch.now)`. */
export class ManualStopwatch {
  private ms = 0;
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

interface Task {
  at: number;
  order: number;
  step: () => void;
}

/** Timers that fire only when `advance` moves past them, in time order. */
export class ManualScheduler implements Scheduler {
  private now = 0;
  private order = 0;
  private tasks: Task[] = [];

  after(ms: number, step: () => void): () => void {
    const task = { at: this.now + ms, order: this.order++, step };
    this.tasks.push(task);
    return () => {
      this.tasks = this.tasks.filter((other) => other !== task);
    };
  }

  /** Moves time on by `ms`, running each step that falls due on the way. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.tasks.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = this.tasks[0];
      if (!next || next.at > end) break;
      this.tasks.shift();
      this.now = next.at;
      next.step();
    }
    this.now = end;
  }

  get pending(): number {
    return this.tasks.length;
  }
}

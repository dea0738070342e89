/**
 * What a command may touch of the world: its output streams, its input, its environment and the
 * signals sent to it. `bin.ts` hands over the process's own; tests hand over their own, so that
 * `main()` runs in the test's process.
 */
export interface Output {
  write(text: string): unknown;
  /** A terminal, where progress may redraw its line in place. */
  readonly isTTY?: boolean;
}

export type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

export interface Io {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly stdin: AsyncIterable<string | Uint8Array>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Calls `listener` whenever one of `signals` arrives, until the returned function is called.
   * While a command listens for a signal, that signal no longer ends the process on its own.
   */
  onSignal(signals: readonly Signal[], listener: (signal: Signal) => void): () => void;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    onSignal(signals, listener) {
      for (const signal of signals) process.on(signal, listener);
      return () => {
        for (const signal of signals) process.off(signal, listener);
      };
    },
  };
}

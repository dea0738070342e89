/**
 * Keeps one of Node's tick objects alive for the life of the process, so that `process.nextTick`
 * stays compiled the way V8 compiles it in a fresh process.
 *
 * Why: Node's `nextTick` makes every tick as an object literal whose first two keys are computed
 * (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }`). For each of those
 * keys V8 remembers the one hidden class it saw the object in, and that memory has no second
 * entry: when a full garbage collection finds no tick object alive, it collects the tick's hidden
 * classes, the next tick meets new ones, and the three later keys give up for good. From then on
 * the optimising compiler makes each of those keys a call into V8's runtime, about 7x what a tick
 * costs otherwise, and Node's streams make about six ticks a request. A small process (the bench's
 * bare Fastify route) never collects fully before `nextTick` is compiled; dingread does at
 * start-up and while a fixture is applied. A tick object kept alive keeps its hidden classes, so
 * what V8 remembers stays valid. BENCHMARKS.md ("The hot path against the framework's floor")
 * has the measurements.
 */
import { createHook } from 'node:async_hooks';

let keptTick: object | undefined;

/**
 * Catches the tick object of one `process.nextTick` call (an async hook's `init`, enabled for that
 * call only) and keeps it. Does nothing once one is kept; must run before the process's first full
 * collection to help, so the command calls it first of all (`cli/keep-tick-shape.ts`).
 */
export function keepTickShape(): void {
  if (keptTick !== undefined) return;
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject' && keptTick === undefined) keptTick = resource;
    },
  });
  hook.enable();
  try {
    process.nextTick(() => undefined);
  } finally {
    hook.disable();
  }
}

/** The tick object kept, if any (for tests). */
export function keptTickObject(): object | undefined {
  return keptTick;
}

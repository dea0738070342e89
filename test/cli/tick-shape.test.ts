/**
 * The tick object kept for the process's life (src/tick-shape.ts): what it keeps is a real tick
 * object, and with it kept, a tick made after full garbage collections still has the hidden class
 * the kept one has, which is what keeps `process.nextTick` compiled as in a fresh process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { keepTickShape, keptTickObject } from '../../src/tick-shape.js';

const TICK_SHAPE = fileURLToPath(new URL('../../src/tick-shape.js', import.meta.url));

describe('keepTickShape', () => {
  it('keeps one tick object, and only one however often it is called', () => {
    keepTickShape();
    const kept = keptTickObject() as { callback?: unknown } | undefined;
    assert.ok(kept, 'a tick object is kept');
    assert.equal(typeof kept.callback, 'function');
    keepTickShape();
    assert.equal(keptTickObject(), kept);
  });

  it('leaves no async hook on: ticks after it run as before', async () => {
    keepTickShape();
    const ran = await new Promise<number[]>((resolve) => {
      const order: number[] = [];
      process.nextTick(() => order.push(1));
      process.nextTick(() => {
        order.push(2);
        resolve(order);
      });
    });
    assert.deepEqual(ran, [1, 2]);
  });

  it('a tick made after full collections has the kept tick hidden class', () => {
    // A process of its own: V8's natives say whether two objects share a hidden class, and the
    // collections must find no other tick object alive.
    const script = `
      const { createHook } = require('node:async_hooks');
      import(${JSON.stringify(TICK_SHAPE)}).then(({ keepTickShape, keptTickObject }) => {
        keepTickShape();
        setImmediate(() => {
          for (let i = 0; i < 3; i++) globalThis.gc();
          let fresh;
          const hook = createHook({ init(id, type, trigger, resource) { if (type === 'TickObject') fresh ??= resource; } }).enable();
          process.nextTick(() => undefined);
          hook.disable();
          process.stdout.write(String(%HaveSameMap(keptTickObject(), fresh)));
        });
      });
    `;
    const run = spawnSync(process.execPath, ['--expose-gc', '--allow-natives-syntax', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'true');
  });
});

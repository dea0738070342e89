/**
 * How the several-nodes bench (bench/nodes.ts) spreads its connections, without running it: the
 * run itself is a benchmark (`npm run bench:nodes`), never a test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spreadConnections } from '../../bench/nodes.js';

describe('several-nodes bench: connections round-robin over the nodes', () => {
  it('gives every node the same share, the first ones one more when it does not divide', () => {
    assert.deepEqual(spreadConnections(24, 1), [24]);
    assert.deepEqual(spreadConnections(24, 3), [8, 8, 8]);
    assert.deepEqual(spreadConnections(25, 3), [9, 8, 8]);
    assert.deepEqual(spreadConnections(3, 3), [1, 1, 1]);
    for (const [connections, nodes] of [[50, 4], [7, 2], [100, 3]] as const) {
      const spread = spreadConnections(connections, nodes);
      assert.equal(spread.reduce((a, b) => a + b, 0), connections);
      assert.ok(Math.max(...spread) - Math.min(...spread) <= 1, JSON.stringify(spread));
    }
  });

  it('refuses a node count or a connection count that cannot make a run', () => {
    assert.throws(() => spreadConnections(24, 0), /positive integer/);
    assert.throws(() => spreadConnections(24, 1.5), /positive integer/);
    assert.throws(() => spreadConnections(2, 3), /cannot reach 3 nodes/);
  });
});

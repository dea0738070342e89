/** Identifiers (src/core/ids.ts): the request id's shape, drawn from the pool or from a seeded source. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newRequestId } from '../../src/core/ids.js';
import { systemRandom } from '../../src/core/random.js';

const UPPER_UUID_V4 = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;

describe('newRequestId', () => {
  it('is an upper-case version 4 UUID, different every time, across refills of its pool', () => {
    assert.equal(systemRandom.seeded, false);
    const ids = new Set<string>();
    // More than one pool's worth (256 ids), so that a refill is crossed.
    for (let i = 0; i < 1000; i++) {
      const id = newRequestId();
      assert.match(id, UPPER_UUID_V4);
      ids.add(id);
    }
    assert.equal(ids.size, 1000);
  });

  it('hands out strings of their own: a later id does not change an earlier one', () => {
    const first = newRequestId();
    const copy = `${first}`;
    newRequestId();
    assert.equal(first, copy);
  });
});

/** Identifiers (src/core/ids.ts): the request id's shape, drawn from the pool or from a seeded source; the processQueryKey and the chat it names. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatOfProcessQueryKey, newProcessQueryKey, newRequestId } from '../../src/core/ids.js';
import { systemRandom } from '../../src/core/random.js';

const UPPER_UUID_V4 = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;

describe('newRequestId', () => {
  it('is an upper-case version 4 UUID, different every time, across refills of its pool', () => {
    assert.equal(systemRandom.seeded, false);
    const ids = new Set<string>();
    // More than two pools' worth (4,096 ids a draw, ids.ts), so that a refill is crossed whatever the pool held before.
    const count = 10_000;
    for (let i = 0; i < count; i++) {
      const id = newRequestId();
      assert.match(id, UPPER_UUID_V4);
      ids.add(id);
    }
    assert.equal(ids.size, count);
  });

  it('draws every digit from its own random bits: each place takes all its values over many ids', () => {
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) [...newRequestId()].forEach((char, place) => seen[place]?.add(char));
    seen.forEach((chars, place) => {
      const values = [...chars].sort().join('');
      if ([8, 13, 18, 23].includes(place)) assert.equal(values, '-', `place ${place}`);
      else if (place === 14) assert.equal(values, '4', 'the version');
      else if (place === 19) assert.equal(values, '89AB', 'the variant');
      // A place missing a digit after 2,000 ids has odds of about 16 × (15/16)^2000, nil.
      else assert.equal(values, '0123456789ABCDEF', `place ${place}`);
    });
  });

  it('uses each random byte once: no two bytes of an id agree more often than chance', () => {
    // The hex place of each byte but the version's and the variant's (6 and 8), whose bits are set.
    const bytePlaces = [0, 2, 4, 6, 9, 11, 16, 21, 24, 26, 28, 30, 32, 34];
    const ids = Array.from({ length: 2000 }, () => newRequestId());
    for (let a = 0; a < bytePlaces.length; a++) {
      for (let b = a + 1; b < bytePlaces.length; b++) {
        const [x, y] = [bytePlaces[a] as number, bytePlaces[b] as number];
        const same = ids.filter((id) => id.slice(x, x + 2) === id.slice(y, y + 2)).length;
        // Two independent bytes agree in about 2,000 / 256 ≈ 8 ids; 60 is far beyond chance, 2,000 a byte used twice.
        assert.ok(same < 60, `the bytes at places ${x} and ${y} agree in ${same} of 2,000 ids`);
      }
    }
  });

  it('hands out strings of their own: a later id does not change an earlier one', () => {
    const first = newRequestId();
    const copy = `${first}`;
    newRequestId();
    assert.equal(first, copy);
  });
});

describe('newProcessQueryKey', () => {
  const KEY = /^[A-Za-z0-9+/]{43}=$/;

  it("is 44 characters of base64 holding a '+', and names the chat it was made for", () => {
    for (const [robotId, conversationId] of [
      [1, 1],
      [7, null],
      [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
      [Number.MAX_SAFE_INTEGER, null],
    ] as const) {
      for (let i = 0; i < 50; i++) {
        const key = newProcessQueryKey(systemRandom, robotId, conversationId);
        assert.match(key, KEY);
        assert.ok(key.includes('+'));
        assert.deepEqual(chatOfProcessQueryKey(key), conversationId === null ? { robotId } : { conversationId });
      }
    }
  });

  it("looks random: keys of one chat share no bytes' position by necessity", () => {
    const firsts = new Set<string>();
    for (let i = 0; i < 200; i++) firsts.add(newProcessQueryKey(systemRandom, 3, 5).slice(0, 10));
    assert.ok(firsts.size > 190, `the first bytes of 200 keys of one chat took ${firsts.size} values`);
  });

  it('names no chat for what it did not make: other lengths, not base64, most random keys', () => {
    for (const key of ['', 'm1', 'bWFkZSB1cA==', '!'.repeat(44), `${'A'.repeat(43)}=`]) assert.equal(chatOfProcessQueryKey(key), undefined, key);
    let named = 0;
    for (let i = 0; i < 2000; i++) if (chatOfProcessQueryKey(systemRandom.bytes('processQueryKey', 32).toString('base64')) !== undefined) named++;
    // A random tag passes the range check about once in 1,024: a store that finds nothing in that chat looks everywhere.
    assert.ok(named < 20, `${named} of 2,000 random keys named a chat`);
  });
});

/** The bench scripts' numeric options (bench/options.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNumberOption } from '../../bench/options.js';

describe('bench/options', () => {
  it('reads a number of the kind the option takes', () => {
    assert.equal(parseNumberOption('8', 'connections', { whole: true, least: 1 }), 8);
    assert.equal(parseNumberOption('0.5', 'seconds', { above: 0 }), 0.5);
    assert.equal(parseNumberOption('0', 'warmup', { least: 0 }), 0);
    assert.equal(parseNumberOption(' 3 ', 'rounds', { whole: true }), 3);
  });

  it('refuses anything else with a message that names the option and the rule', () => {
    assert.throws(() => parseNumberOption('abc', 'duration', { above: 0 }), { name: 'RangeError', message: '--duration must be a number above 0, not "abc"' });
    assert.throws(() => parseNumberOption('', 'rounds', { whole: true, least: 1 }), { message: '--rounds must be a whole number of at least 1, not ""' });
    assert.throws(() => parseNumberOption('2.5', 'connections', { whole: true, least: 1 }), /whole number/);
    assert.throws(() => parseNumberOption('0', 'seconds', { above: 0 }), /above 0/);
    assert.throws(() => parseNumberOption('-1', 'warmup', { least: 0 }), /at least 0/);
    assert.throws(() => parseNumberOption('Infinity', 'top'), /must be a number/);
  });
});

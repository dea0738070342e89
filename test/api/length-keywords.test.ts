/**
 * The request checkers' `maxLength` and `minLength` (src/api/length-keywords.ts) against Ajv's own:
 * the same verdict and the same first error for any string and any limit, surrogate pairs, lone
 * surrogates and strings right at their limits included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { requestCheckers } from '../../src/api/app.js';
import { codePointLength } from '../../src/api/length-keywords.js';
import { fc } from '../helpers/property.js';

const stock = new Ajv({ strict: false });
const checkerFor = (schema: object) => requestCheckers()({ schema, method: 'POST', url: '/test', httpPart: 'body' });

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const unit = fc.oneof(
  fc.constantFrom('a', 'é', '中', '😀', '\u{10ffff}'),
  loneSurrogate,
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const text = fc.string({ unit, maxLength: 24 });

describe('length keywords', () => {
  it('count code points as Ajv does: a surrogate pair once, a lone surrogate once', () => {
    assert.equal(codePointLength(''), 0);
    assert.equal(codePointLength('abc'), 3);
    assert.equal(codePointLength('😀😀'), 2);
    assert.equal(codePointLength('\ud83d'), 1, 'a lone high surrogate at the end');
    assert.equal(codePointLength('\ude00\ud83d'), 2, 'a low then a high surrogate are two');
    assert.equal(codePointLength('a\ud83dz'), 3, 'a high surrogate before a letter');
    fc.assert(fc.property(text, (value) => codePointLength(value) === [...value].length));
  });

  it('give the verdict and the first error Ajv gives, for any string and limit', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), (value, min, max) => {
        // With a pattern too, which Ajv checks after the lengths: the first error must be the same one.
        const schema = { type: 'object', properties: { s: { type: 'string', minLength: min, maxLength: max, pattern: '^a' } } };
        const ours = checkerFor(schema);
        const theirs = stock.compile(schema);
        const data = { s: value };
        assert.equal(ours(data), theirs(data), JSON.stringify({ value, min, max }));
        assert.deepEqual(ours.errors ?? null, theirs.errors ?? null);
      }),
    );
  });

  it('refuse a string over its limit in code points, and keep one over it only in UTF-16 units', () => {
    const check = checkerFor({ type: 'string', maxLength: 3 });
    assert.equal(check('😀😀😀'), true, 'three characters in six UTF-16 units');
    assert.equal(check('😀😀😀a'), false);
    assert.equal(check.errors?.[0]?.message, 'must NOT have more than 3 characters');
    assert.deepEqual(check.errors?.[0]?.params, { limit: 3 });
    const atLeast = checkerFor({ type: 'string', minLength: 2 });
    assert.equal(atLeast('😀'), false, 'one character in two UTF-16 units');
    assert.equal(atLeast.errors?.[0]?.message, 'must NOT have fewer than 2 characters');
    assert.equal(atLeast('😀a'), true);
  });

  it('are checked before a pattern, as Ajv checks them: an empty fault path is too short, not off its pattern', () => {
    const check = checkerFor({ type: 'string', minLength: 1, maxLength: 3, pattern: '^/' });
    assert.equal(check(''), false);
    assert.equal(check.errors?.[0]?.keyword, 'minLength');
    assert.equal(check('abcd'), false);
    assert.equal(check.errors?.[0]?.keyword, 'maxLength');
    assert.equal(check('ab'), false);
    assert.equal(check.errors?.[0]?.keyword, 'pattern');
  });
});

/**
 * The request checkers (src/api/app.ts): each route's schemas are compiled on the route's first
 * request, not at start, so this compiles every request schema the routes use and checks that a
 * checker answers as Ajv does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kind, Type, type TSchema } from '@sinclair/typebox';
import { requestCheckers } from '../../src/api/app.js';
import * as control from '../../src/api/control/schemas.js';
import { EventsQuery } from '../../src/api/control/events.routes.js';
import * as emulator from '../../src/api/emulator/schemas.js';
import * as dingtalk from '../../src/api/schemas.js';

const checkerFor = (schema: unknown) => requestCheckers()({ schema, method: 'POST', url: '/test', httpPart: 'body' });

describe('request checkers', () => {
  it('compile every request schema the routes use', () => {
    const exported: Record<string, unknown> = { ...dingtalk, ...control, ...emulator, EventsQuery };
    const schemas = Object.entries(exported).filter(
      (entry): entry is [string, TSchema] => typeof entry[1] === 'object' && entry[1] !== null && Kind in entry[1],
    );
    assert.ok(schemas.length >= 20, `only ${schemas.length} schemas found`);
    for (const [name, schema] of schemas) {
      const check = checkerFor(schema);
      assert.doesNotThrow(() => check({}), name);
      assert.equal(typeof check({}), 'boolean', name);
    }
  });

  it('compile on first use, and answer with Ajv errors', () => {
    // A schema Ajv cannot compile: making its checker succeeds, the first check throws.
    const broken = checkerFor({ type: 'string', pattern: '(' });
    assert.throws(() => broken('x'));

    const check = checkerFor(Type.Object({ robotCode: Type.String(), maxResults: Type.Integer() }, { additionalProperties: false }));
    assert.equal(check({ robotCode: 'bot' }), false);
    assert.equal(check.errors?.[0]?.keyword, 'required');
    assert.equal(check({ robotCode: 'bot', maxResults: '7' }), false, 'no coercion: "7" is not 7');
    assert.equal(check.errors?.[0]?.keyword, 'type');
    assert.equal(check({ robotCode: 'bot', maxResults: 7, extra: 1 }), false, 'unknown fields are refused, not removed');
    assert.equal(check.errors?.[0]?.keyword, 'additionalProperties');
    assert.equal(check({ robotCode: 'bot', maxResults: 7 }), true);
    assert.equal(check.errors, null);
  });
});

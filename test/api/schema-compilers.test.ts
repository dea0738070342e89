/**
 * The schema compilers the app gives Fastify (src/api/app.ts). Each route's request schemas are
 * compiled on the route's first request, not at start, so this compiles every request schema the
 * routes use and checks that a checker answers as Ajv does; and Fastify's own response serializer
 * is still there, loaded on demand, for a route with a response schema.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kind, Type, type TSchema } from '@sinclair/typebox';
import { buildApp, requestCheckers } from '../../src/api/app.js';
import * as control from '../../src/api/control/schemas.js';
import { EventsQuery } from '../../src/api/control/events.routes.js';
import * as emulator from '../../src/api/emulator/schemas.js';
import * as dingtalk from '../../src/api/schemas.js';
import { createCoreContext } from '../../src/core/context.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const checkerFor = (schema: unknown) => requestCheckers()({ schema, method: 'POST', url: '/test', httpPart: 'body' });

describe('schema compilers', () => {
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

  it('leave response schemas to the serializer Fastify would use', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const app = await buildApp(await createCoreContext(store), { version: 'test' });
    try {
      const response = { 200: Type.Object({ kept: Type.String() }) };
      app.get('/_test/serialized', { schema: { response } }, async () => ({ kept: 'yes', dropped: 'no' }));
      const answer = await app.inject({ method: 'GET', url: '/_test/serialized' });
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.body, '{"kept":"yes"}', 'fast-json-stringify writes only what the schema names');
    } finally {
      await app.close();
      await store.close();
    }
  });
});

/**
 * The schema compilers the app gives Fastify (src/api/app.ts). Each route's request schemas are
 * compiled on the route's first request, not at start, so this compiles every request schema the
 * routes use and checks that a checker answers as Ajv does; and a route's answers are written by
 * its response schema (by the answer writer, or by Fastify's own serializer, loaded on demand),
 * long arrays of scalars whole and every item of an array of objects by its schema.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kind, Type, type TSchema } from '@sinclair/typebox';
import { buildApp, onlyScalarArrays, requestCheckers } from '../../src/api/app.js';
import { RESPONSES } from '../../src/api/responses.js';
import { ChatQueryResult, OtoQueryResult } from '../../src/core/answers.js';
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
      assert.equal(answer.body, '{"kept":"yes"}', 'the serializer (the answer writer here) writes only what the schema names');
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('write a long array of scalars whole, and every item of a long array of objects by its schema', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const app = await buildApp(await createCoreContext(store), { version: 'test' });
    try {
      const ids = Array.from({ length: 200 }, (_, i) => `user${i}`);
      app.get('/_test/scalars', { schema: { response: { 200: Type.Object({ ids: Type.Array(Type.String()) }) } } }, async () => ({ ids }));
      // Whole, an array is written as it is: 1.5 stays 1.5, where item by item an integer's schema would write 1.
      const halves = Array.from({ length: 200 }, () => 1.5);
      app.get('/_test/integers', { schema: { response: { 200: Type.Object({ n: Type.Array(Type.Integer()) }) } } }, async () => ({ n: halves }));
      app.get('/_test/mixed', { schema: { response: { 200: Type.Object({ n: Type.Array(Type.Integer()), o: Type.Array(Type.Object({})) }) } } }, async () => ({ n: halves, o: [] }));
      const objects = Type.Object({ items: Type.Array(Type.Object({ id: Type.String() })) });
      // 200 items, past the 64 at which a scalar array goes to JSON.stringify whole.
      app.get('/_test/objects', { schema: { response: { 200: objects } } }, async () => ({ items: ids.map((id) => ({ id, secret: 'not in the schema' })) }));
      assert.equal((await app.inject({ method: 'GET', url: '/_test/scalars' })).body, JSON.stringify({ ids }));
      assert.equal((await app.inject({ method: 'GET', url: '/_test/integers' })).body, JSON.stringify({ n: halves }), 'written whole');
      assert.equal((await app.inject({ method: 'GET', url: '/_test/mixed' })).body, JSON.stringify({ n: halves.map(() => 1), o: [] }), 'item by item: an array of objects beside it');
      const body = (await app.inject({ method: 'GET', url: '/_test/objects' })).body;
      assert.equal(body, JSON.stringify({ items: ids.map((id) => ({ id })) }), 'no item carries a field beyond its schema');
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('tell the answers whose every array holds scalars from those with an array of objects anywhere', () => {
    assert.equal(onlyScalarArrays(ChatQueryResult), true, 'the group page: readUserIds');
    assert.equal(onlyScalarArrays(Type.Object({ a: Type.Array(Type.Integer()), b: Type.Array(Type.Boolean()), c: Type.Record(Type.String(), Type.String()) })), true);
    assert.equal(onlyScalarArrays(OtoQueryResult), false, 'readStatus: messageReadInfoList');
    assert.equal(onlyScalarArrays(RESPONSES['GET /_dingread/v1/requests']), false, 'nested: the request log');
    assert.equal(onlyScalarArrays(Type.Object({ deep: Type.Object({ list: Type.Array(Type.Array(Type.String())) }) })), false, 'an array of arrays');
    assert.equal(onlyScalarArrays(Type.Array(Type.Unknown())), false, 'items of any shape');
    assert.equal(onlyScalarArrays(Type.Array(Type.String({ format: 'date-time' }))), false, 'a format the serializer applies');
    assert.equal(onlyScalarArrays({ type: 'array' }), false, 'no items schema');
    assert.equal(onlyScalarArrays(Type.Array(Type.Union([Type.String(), Type.Null()]))), false, 'a union');
    assert.equal(onlyScalarArrays({ items: Type.Object({ id: Type.String() }) }), false, "an array's keywords without its type");
    assert.equal(onlyScalarArrays({ type: 'object', properties: { list: { $ref: 'Shared#' } } }), false, 'a $ref, not followed');
    assert.equal(onlyScalarArrays(Type.Object({ list: Type.Unsafe({ type: ['array', 'null'], items: Type.String() }) })), true, 'a nullable array of strings');
  });
});

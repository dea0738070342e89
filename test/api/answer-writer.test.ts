/**
 * The answer writer (src/api/answer-writer.ts) against fast-json-stringify, the serializer it
 * stands in for: over random answers of every route's response schema, the same bytes, or the
 * same refusal. Answers of the schema's types must be written by the writer itself (else this
 * would only test the fallback); answers with any value of another type go to fast-json-stringify
 * and must come out exactly as it writes them.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import type { FastifySerializerCompiler } from 'fastify';
import { answerSerializer, serializerOptionsOf, WHOLE_LARGE_ARRAYS } from '../../src/api/app.js';
import { compileAnswerWriter, NOT_OF_SCHEMA } from '../../src/api/answer-writer.js';
import { ErrorEnvelopeSchema, RESPONSES } from '../../src/api/responses.js';
import { fc } from '../helpers/property.js';

type Serialize = (data: unknown) => string;

/** fast-json-stringify as the app compiles it: loaded from where Fastify loads it, with the app's options. */
function fastJsonStringify(schema: unknown): Serialize {
  const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
  const factory = (fromFastify('@fastify/fast-json-stringify-compiler') as () => (e: unknown, o: unknown) => FastifySerializerCompiler<unknown>)();
  const options = serializerOptionsOf(schema).wholeArrays ? { ...WHOLE_LARGE_ARRAYS } : {};
  return factory({}, options)({ schema, method: 'GET', url: '/', httpStatus: '200' }) as Serialize;
}

/** The writer as the app compiles it, told how fast-json-stringify was compiled beside it. */
function writerOf(schema: unknown): Serialize | undefined {
  return compileAnswerWriter(schema, serializerOptionsOf(schema).writer);
}

/** Strings JSON must escape too: quotes, backslashes, control characters, lone surrogates, and long ones. */
const unit = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '-', '_', '钉', 'é') },
  { weight: 1, arbitrary: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u2028', '\ud83d', '\ude00', '\ud83d\ude00') },
);
const text = fc.oneof(fc.string({ unit, maxLength: 12 }), fc.string({ unit, minLength: 40, maxLength: 90 }), fc.string());

/** Any value at all, for a field: of its type now and then, mostly not. */
const stranger = fc.oneof(fc.anything(), fc.constantFrom(Infinity, -Infinity, Number.NaN, 1.5, -0, 10n, new Date(0), null, undefined));

/**
 * Answers of the schema. With `strange`, a field now and then holds any value instead (a wrong
 * type, a missing required field, an object with a toJSON).
 */
function answers(schema: Record<string, unknown>, strange: boolean): fc.Arbitrary<unknown> {
  const of = (inner: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => (strange ? fc.oneof({ weight: 9, arbitrary: inner }, { weight: 1, arbitrary: stranger }) : inner);
  const types = Array.isArray(schema['type']) ? (schema['type'] as string[]) : [schema['type'] as string];
  const nullable = types.includes('null');
  const type = types.find((t) => t !== 'null');
  let value: fc.Arbitrary<unknown>;
  if (type === 'string') value = Array.isArray(schema['enum']) ? fc.oneof(fc.constantFrom(...(schema['enum'] as string[])), text) : text;
  else if (type === 'integer') value = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, -0, 1e21, 2 ** 53));
  else if (type === 'number') value = fc.double({ noNaN: true, noDefaultInfinity: true });
  else if (type === 'boolean') value = fc.boolean();
  else if (type === 'array') value = fc.array(answers(schema['items'] as Record<string, unknown>, strange), { maxLength: 70 });
  else if (type === 'object') {
    const properties = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
    const required = (schema['required'] ?? []) as string[];
    const fields = Object.fromEntries(Object.entries(properties).map(([key, inner]) => [key, answers(inner, strange)]));
    // A field the schema does not name, which both leave out.
    const record = fc.record({ ...fields, extra: fc.string() }, { requiredKeys: (strange ? [] : required) as never[] });
    value = strange ? fc.oneof({ weight: 9, arbitrary: record }, { weight: 1, arbitrary: fc.constant({ toJSON: () => ({ made: 'by toJSON' }) }) }) : record;
  } else {
    throw new Error(`no answers for a schema of type ${String(type)}`);
  }
  return of(nullable ? fc.option(value, { nil: null }) : value);
}

/** What a serializer makes of the answer: its text, or its refusal's message. */
function outcome(serialize: Serialize, answer: unknown): { text: string } | { refused: string } {
  try {
    return { text: serialize(answer) };
  } catch (error) {
    return { refused: refusal(error) };
  }
}

function refusal(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Answers drawn with odd values that the writer took and wrote itself, over every route. */
let strangeButWritten = 0;

const taken = Object.entries(RESPONSES).filter(([, schema]) => writerOf(schema) !== undefined);

describe('answer writer', () => {
  it('takes the query answers and most routes, and leaves the rest to fast-json-stringify', () => {
    for (const route of ['GET /v1.0/robot/oToMessages/readStatus', 'POST /v1.0/robot/groupMessages/query', 'POST /v1.0/robot/privateChatMessages/query']) {
      assert.ok(
        taken.some(([key]) => key === route),
        `${route} is written by the writer`,
      );
    }
    assert.ok(taken.length >= Object.keys(RESPONSES).length / 2, `only ${taken.length} of ${Object.keys(RESPONSES).length} routes taken`);
    assert.ok(compileAnswerWriter(ErrorEnvelopeSchema) !== undefined);
    // What changes fast-json-stringify's writing, or what it alone resolves.
    const left = [
      Type.Object({ at: Type.String({ format: 'date-time' }) }),
      Type.Object({ n: Type.Integer({ default: 3 }) }),
      Type.Object({}, { additionalProperties: true }),
      Type.Record(Type.String(), Type.String()),
      Type.Object({ either: Type.Union([Type.String(), Type.Integer()]) }),
      Type.Object({ fixed: Type.Literal('x') }),
      Type.Ref('Elsewhere'),
      Type.String(),
    ];
    for (const schema of left) assert.equal(compileAnswerWriter(schema), undefined, JSON.stringify(schema));
  });

  for (const [route, schema] of taken) {
    it(`writes ${route}'s answers as fast-json-stringify does, by itself`, () => {
      const write = writerOf(schema) as Serialize;
      const reference = fastJsonStringify(schema);
      fc.assert(
        fc.property(answers(schema as Record<string, unknown>, false), (answer) => {
          assert.equal(write(answer), reference(answer));
        }),
        { numRuns: 150 },
      );
    });

    it(`gives ${route}'s answers with values of other types to fast-json-stringify`, () => {
      const serialize = answerSerializer(schema, () => fastJsonStringify(schema), serializerOptionsOf(schema).writer);
      const reference = fastJsonStringify(schema);
      let refusedByWriter = 0;
      const write = writerOf(schema) as Serialize;
      fc.assert(
        fc.property(answers(schema as Record<string, unknown>, true), (answer) => {
          let written: ReturnType<typeof outcome> | undefined;
          try {
            written = { text: write(answer) };
          } catch (error) {
            // JSON.stringify's own refusal (a bigint in a large array) is fast-json-stringify's too.
            if (error === NOT_OF_SCHEMA) refusedByWriter++;
            else written = { refused: refusal(error) };
          }
          // What the writer took, odd values and all (an extra field, an optional one left out),
          // it must write as fast-json-stringify does; what it refused, the fallback writes.
          if (written !== undefined) {
            strangeButWritten++;
            assert.deepEqual(written, outcome(reference, answer));
          }
          assert.deepEqual(outcome(serialize, answer), outcome(reference, answer));
        }),
        { numRuns: 150 },
      );
      assert.ok(refusedByWriter > 0, 'some answers were not of the schema');
    });
  }

  it('wrote itself some of the answers drawn with odd values, the same as fast-json-stringify', () => {
    assert.ok(strangeButWritten > 100, `only ${strangeButWritten}`);
  });

  it('writes fields with any name, and objects of any prototype, as fast-json-stringify does', () => {
    const hostile = 'a"]);throw 1;//\u2028\n';
    const schema = Type.Object({ [hostile]: Type.String(), plain: Type.Optional(Type.Boolean()) });
    const write = compileAnswerWriter(schema) as Serialize;
    const reference = fastJsonStringify(schema);
    const bare = Object.assign(Object.create(null) as object, { [hostile]: 'x' });
    class Answer {
      plain = true;
      constructor(readonly value: string) {}
      get [hostile](): string {
        return this.value;
      }
    }
    const samples: unknown[] = [{ [hostile]: 'y', plain: false }, bare, new Answer('from a getter')];
    for (const answer of samples) assert.equal(write(answer), reference(answer));
    // An array where the object belongs: fast-json-stringify reads its fields as an object's.
    const optionalOnly = Type.Object({ a: Type.Optional(Type.String()), b: Type.Optional(Type.String()) });
    assert.equal((compileAnswerWriter(optionalOnly) as Serialize)(['a', 'b']), fastJsonStringify(optionalOnly)(['a', 'b']));
    assert.equal((compileAnswerWriter(optionalOnly) as Serialize)({ b: 'only b' }), '{"b":"only b"}');
  });

  it('gives a scalar array of 64 items and more to JSON.stringify unchecked only when fast-json-stringify does too', () => {
    const schema = Type.Object({ ids: Type.Array(Type.String()) });
    const reference = fastJsonStringify(schema);
    const strings = (n: number): unknown[] => Array.from({ length: n }, (_, i) => `u${i}`);
    const large = [...strings(63), 7];
    const small = [...strings(62), 7];
    const told = writerOf(schema) as Serialize;
    // 64 items: fast-json-stringify, so compiled, writes the number as a number; so does the writer.
    assert.equal(told({ ids: large }), reference({ ids: large }));
    assert.match(told({ ids: large }), /"u62",7\]/);
    // 63: fast-json-stringify writes item by item and makes the number a string; the writer refuses it.
    assert.throws(() => told({ ids: small }), (error) => error === NOT_OF_SCHEMA);
    assert.match(reference({ ids: small }), /"u61","7"\]/);
    // A writer not told the option checks every item, as fast-json-stringify without it does.
    assert.throws(() => (compileAnswerWriter(schema) as Serialize)({ ids: large }), (error) => error === NOT_OF_SCHEMA);
    // An array of objects is never given the option: fast-json-stringify would then write every
    // field of a large one, and the schema's alone of a small one.
    assert.deepEqual(serializerOptionsOf(Type.Object({ list: Type.Array(Type.Object({ a: Type.String() })) })), { wholeArrays: false, writer: {} });
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => compileAnswerWriter(schema, { wholeArraysFrom: bad }), RangeError);
  });

  it('writes what fast-json-stringify writes for escapes, optional fields and empty arrays', () => {
    const schema = Type.Object({
      first: Type.Optional(Type.String()),
      list: Type.Array(Type.Object({ a: Type.Optional(Type.Integer()), b: Type.Optional(Type.Boolean()) })),
      last: Type.Optional(Type.Number()),
    });
    const write = compileAnswerWriter(schema) as Serialize;
    const reference = fastJsonStringify(schema);
    for (const answer of [
      { list: [] },
      { first: 'say "hi"\\\n\ud800', list: [{}, { b: false }, { a: 1, b: true }], last: -0 },
      { list: [{ a: 2 }], last: 1.25 },
    ]) {
      assert.equal(write(answer), reference(answer));
      assert.deepEqual(JSON.parse(write(answer)), JSON.parse(JSON.stringify(answer)));
    }
  });
});

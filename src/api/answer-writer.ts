/**
 * Answers written by their response schema with fewer string additions than fast-json-stringify
 * makes, for the shapes dingread's answers have; any other schema is left to it (app.ts).
 *
 * A writer is JavaScript generated from the schema, as fast-json-stringify's is, with one
 * difference that matters on a query: the text between two values is one constant, quotes
 * included, so that an item of readStatus (`{"name":"…","userId":"…","readStatus":"…"}`) is made
 * of about eight additions instead of sixteen. Each addition makes a new string in V8 (the answer
 * is a rope of them until it is written out), so half as many cost about a twentieth of readStatus's
 * CPU (BENCHMARKS.md, the fourteenth round).
 *
 * The bytes are fast-json-stringify's: a value of its schema's type is written as it writes it (a
 * string as JSON.stringify escapes it, a number as `'' + n`), and any other value (a number where a
 * string belongs, a missing required field, an object with a toJSON, an infinite number) makes the
 * whole answer go to fast-json-stringify instead, which coerces it or throws as it always did. The
 * one exception is fast-json-stringify's own: where it was compiled to give an array of 64 items or
 * more to JSON.stringify whole (AnswerWriterOptions), the writer does too, items unread.
 * test/api/answer-writer.test.ts holds the two to the same bytes over random answers of every
 * route's schema. The answers are plain data, as the core builds them: a getter may be read twice
 * (an object's fields are all read before any is written, a short array of strings is checked
 * and then written, and a refused answer is read again by fast-json-stringify), so one whose value changes
 * from read to read could come out otherwise than fast-json-stringify alone would write it.
 */

/** A writer's answer to a value not of its schema's type: the caller writes the answer the other way. */
export const NOT_OF_SCHEMA: unique symbol = Symbol('dingread.notOfSchema');

/**
 * Keywords a schema may carry for the writer to take it: the shape (`type`, `properties`,
 * `required`, `items`, `additionalProperties: false`) and what only validation reads. Anything
 * else changes what fast-json-stringify writes (`format`, `default`, `const`, `nullable`,
 * combinators, references, open objects), so such a schema is left to it.
 */
const VALIDATION_ONLY = new Set([
  'description',
  'title',
  'examples',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
]);
const SHAPE = new Set(['type', 'properties', 'required', 'items', 'additionalProperties']);
/** The JSON schema types of a scalar value (app.ts's onlyScalarArrays reads them too). */
export const SCALARS: ReadonlySet<string> = new Set(['string', 'integer', 'number', 'boolean']);

type Scalar = 'string' | 'integer' | 'number' | 'boolean';
type Shape =
  | { kind: 'scalar'; type: Scalar; nullable: boolean }
  | { kind: 'array'; items: Shape }
  | { kind: 'object'; fields: { key: string; required: boolean; shape: Shape }[] };

/** The schema as a shape the writer handles, or undefined when fast-json-stringify must write it. */
function shapeOf(schema: unknown): Shape | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const node = schema as Record<string, unknown>;
  for (const key of Object.keys(node)) if (!SHAPE.has(key) && !VALIDATION_ONLY.has(key)) return undefined;
  if (node['additionalProperties'] !== undefined && node['additionalProperties'] !== false) return undefined;
  const type = node['type'];
  if (Array.isArray(type)) {
    // A scalar or null (core/answers.ts's Nullable), nothing wider.
    if (type.length !== 2 || !type.includes('null')) return undefined;
    const other = type.find((t) => t !== 'null');
    return SCALARS.has(other as string) ? { kind: 'scalar', type: other as Scalar, nullable: true } : undefined;
  }
  if (SCALARS.has(type as string)) return { kind: 'scalar', type: type as Scalar, nullable: false };
  if (type === 'array') {
    const items = shapeOf(node['items']);
    return items === undefined ? undefined : { kind: 'array', items };
  }
  if (type !== 'object') return undefined;
  const properties = node['properties'];
  if (typeof properties !== 'object' || properties === null) return undefined;
  const required = node['required'] ?? [];
  if (!Array.isArray(required) || required.some((key) => typeof key !== 'string' || !Object.hasOwn(properties, key))) return undefined;
  const fields: { key: string; required: boolean; shape: Shape }[] = [];
  for (const [key, value] of Object.entries(properties)) {
    const shape = shapeOf(value);
    if (shape === undefined) return undefined;
    fields.push({ key, required: required.includes(key), shape });
  }
  // The required fields first, each group in the schema's order, as fast-json-stringify writes them.
  return { kind: 'object', fields: [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)] };
}

/**
 * A JavaScript expression list made of constant text and values, with adjacent constants joined:
 * what the generated code adds together.
 */
class Pieces {
  private readonly parts: string[] = [];
  private text = '';
  /** Whether the first constant takes a comma before it unless the writer's `first` is true. */
  private lead = false;

  /** A comma unless `first`, joined to the first constant: `(first ? '{"a":"' : ',{"a":"')`, no addition. */
  commaUnlessFirst(): void {
    this.lead = true;
  }

  constant(text: string): void {
    this.text += text;
  }

  value(expression: string): void {
    this.flushText();
    this.parts.push(expression);
  }

  /** The pieces as one expression (the empty string's when there are none), and starts again. */
  take(): string {
    this.flushText();
    const expression = this.parts.length === 0 ? "''" : this.parts.join(' + ');
    this.parts.length = 0;
    return expression;
  }

  private flushText(): void {
    if (this.lead) this.parts.push(`(first ? ${JSON.stringify(this.text)} : ${JSON.stringify(`,${this.text}`)})`);
    else if (this.text !== '') this.parts.push(JSON.stringify(this.text));
    this.lead = false;
    this.text = '';
  }
}

/** Generates the writers' code: one function per object and array of the schema. */
class Generator {
  private readonly functions: string[] = [];
  private count = 0;

  /** See AnswerWriterOptions. */
  constructor(private readonly wholeArraysFrom: number | undefined) {}

  /** The name of the function that writes `shape` (an object or an array) as `(value, first)`. */
  writer(shape: Exclude<Shape, { kind: 'scalar' }>): string {
    const name = `w${this.count++}`;
    this.functions.push(shape.kind === 'array' ? this.arrayWriter(name, shape.items) : this.objectWriter(name, shape));
    return name;
  }

  code(root: string): string {
    return `${this.functions.join('\n')}\nreturn (value) => ${root}(value, true);`;
  }

  /**
   * A check that throws NOT_OF_SCHEMA unless `v` is of the scalar's type as the writer writes it:
   * a finite number, an integer, a boolean, a string (or null where the schema allows it).
   */
  private check(v: string, type: Scalar, nullable: boolean): string {
    const test =
      type === 'string'
        ? `typeof ${v} !== 'string'`
        : type === 'integer'
          ? `!Number.isInteger(${v})`
          : type === 'number'
            ? `typeof ${v} !== 'number' || !Number.isFinite(${v})`
            : `typeof ${v} !== 'boolean'`;
    return nullable ? `if (${v} !== null && (${test})) throw NOT_OF_SCHEMA;` : `if (${test}) throw NOT_OF_SCHEMA;`;
  }

  /** Adds the value `v` (checked) to the pieces: a string's quotes are constants, joined to the text around it. */
  private scalar(pieces: Pieces, v: string, type: Scalar, nullable: boolean): void {
    if (nullable) {
      const inner = type === 'string' ? `'"' + escaped(${v}) + '"'` : type === 'boolean' ? `(${v} ? 'true' : 'false')` : `('' + ${v})`;
      pieces.value(`(${v} === null ? 'null' : ${inner})`);
    } else if (type === 'string') {
      pieces.constant('"');
      pieces.value(`escaped(${v})`);
      pieces.constant('"');
    } else if (type === 'boolean') {
      pieces.value(`(${v} ? 'true' : 'false')`);
    } else {
      pieces.value(v);
    }
  }

  private valueOf(pieces: Pieces, v: string, shape: Shape): void {
    if (shape.kind === 'scalar') this.scalar(pieces, v, shape.type, shape.nullable);
    else pieces.value(`${this.writer(shape)}(${v}, true)`);
  }

  /**
   * `(o, first)`: the object, after a comma unless `first` (an array's items after the first).
   * The required fields (first, shapeOf put them there) are checked, then written as one
   * expression; each optional field is a statement of its own, after a comma when a field came
   * before it, which after optional fields only is known only at run time.
   */
  private objectWriter(name: string, shape: Extract<Shape, { kind: 'object' }>): string {
    const lines = [`function ${name}(o, first) {`, `if (typeof o !== 'object' || o === null || typeof o.toJSON === 'function') throw NOT_OF_SCHEMA;`];
    shape.fields.forEach((field, i) => {
      lines.push(`const v${i} = o[${JSON.stringify(field.key)}];`);
      if (field.required && field.shape.kind === 'scalar') lines.push(this.check(`v${i}`, field.shape.type, field.shape.nullable));
      else if (field.required) lines.push(`if (v${i} === undefined) throw NOT_OF_SCHEMA;`);
    });
    const pieces = new Pieces();
    pieces.commaUnlessFirst();
    pieces.constant('{');
    const required = shape.fields.filter((field) => field.required);
    required.forEach((field, i) => {
      pieces.constant(`${i === 0 ? '' : ','}${JSON.stringify(field.key)}:`);
      this.valueOf(pieces, `v${i}`, field.shape);
    });
    const optional = shape.fields.slice(required.length);
    if (optional.length === 0) {
      pieces.constant('}');
      lines.push(`return ${pieces.take()};`, '}');
      return lines.join('\n');
    }
    lines.push(`let json = ${pieces.take()};`);
    optional.forEach((field, j) => {
      const i = required.length + j;
      const key = `${JSON.stringify(field.key)}:`;
      const piece = new Pieces();
      if (required.length > 0) piece.constant(`,${key}`);
      else if (j === 0) piece.constant(key);
      // After optional fields only: a comma when one of them was written (json holds more than its brace).
      else piece.value(`(json.length > (first ? 1 : 2) ? ${JSON.stringify(`,${key}`)} : ${JSON.stringify(key)})`);
      this.valueOf(piece, `v${i}`, field.shape);
      const check = field.shape.kind === 'scalar' ? this.check(`v${i}`, field.shape.type, field.shape.nullable) : '';
      lines.push(`if (v${i} !== undefined) { ${check} json += ${piece.take()}; }`);
    });
    lines.push(`return json + '}';`, '}');
    return lines.join('\n');
  }

  /**
   * `(a, first)`: the array. Strings only are written by JSON.stringify whole, as
   * fast-json-stringify writes them; other items one by one, each object's comma its own first text.
   * An array of `wholeArraysFrom` items or more goes to JSON.stringify unchecked, as
   * fast-json-stringify's `largeArrayMechanism: 'json-stringify'` gives it (so the bytes are still its).
   */
  private arrayWriter(name: string, items: Shape): string {
    const lines = [`function ${name}(a, first) {`, `if (!Array.isArray(a) || typeof a.toJSON === 'function') throw NOT_OF_SCHEMA;`];
    lines.push(`const n = a.length;`, `if (n === 0) return first ? '[]' : ',[]';`);
    const whole = `return first ? JSON.stringify(a) : ',' + JSON.stringify(a);`;
    if (this.wholeArraysFrom !== undefined) lines.push(`if (n >= ${this.wholeArraysFrom}) ${whole}`);
    if (items.kind === 'scalar' && items.type === 'string' && !items.nullable) {
      lines.push(`for (let i = 0; i < n; i++) if (typeof a[i] !== 'string') throw NOT_OF_SCHEMA;`, whole);
    } else if (items.kind === 'scalar') {
      const item = new Pieces();
      lines.push(`let json = first ? '[' : ',[';`, `for (let i = 0; i < n; i++) {`, `const v = a[i];`, this.check('v', items.type, items.nullable));
      item.value(`(i === 0 ? '' : ',')`);
      this.scalar(item, 'v', items.type, items.nullable);
      lines.push(`json += ${item.take()};`, `}`, `return json + ']';`);
    } else {
      const writeItem = this.writer(items);
      lines.push(`let json = (first ? '[' : ',[') + ${writeItem}(a[0], true);`);
      lines.push(`for (let i = 1; i < n; i++) json += ${writeItem}(a[i], false);`, `return json + ']';`);
    }
    lines.push('}');
    return lines.join('\n');
  }
}

/** JSON's escaping of a string, without its quotes: the string itself when it needs none. */
// eslint-disable-next-line no-control-regex -- the control characters are what JSON must escape
const NEEDS_ESCAPE = /[\u0000-\u001f\u0022\u005c\ud800-\udfff]/;
function escaped(text: string): string {
  if (text.length < 42) {
    // A loop over a short string costs less than a regular expression's call.
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit < 32 || unit === 0x22 || unit === 0x5c || (unit >= 0xd800 && unit <= 0xdfff)) return JSON.stringify(text).slice(1, -1);
    }
    return text;
  }
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/** How fast-json-stringify, the writer's fallback, was compiled for the same schema. */
export interface AnswerWriterOptions {
  /**
   * Its `largeArraySize` when its `largeArrayMechanism` is `'json-stringify'`: an array of this
   * many items or more is then JSON.stringify's, whatever its items hold, by either of the two.
   * A whole number from 1.
   */
  readonly wholeArraysFrom?: number;
}

/**
 * A writer for answers of `schema`, or undefined when the schema has a part only fast-json-stringify
 * writes. The writer throws NOT_OF_SCHEMA for an answer with a value not of its schema's type.
 */
export function compileAnswerWriter(schema: unknown, options: AnswerWriterOptions = {}): ((value: unknown) => string) | undefined {
  const from = options.wholeArraysFrom;
  if (from !== undefined && !(Number.isSafeInteger(from) && from >= 1)) throw new RangeError(`wholeArraysFrom: a whole number from 1, not ${from}`);
  const shape = shapeOf(schema);
  // A bare scalar answer is not one dingread gives; fast-json-stringify writes it.
  if (shape === undefined || shape.kind === 'scalar') return undefined;
  const generator = new Generator(from);
  const root = generator.writer(shape);
  // Generated from the schema's own keys, each written into the code as a JSON string literal.
  return new Function('NOT_OF_SCHEMA', 'escaped', generator.code(root))(NOT_OF_SCHEMA, escaped) as (value: unknown) => string;
}

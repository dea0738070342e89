/**
 * DingTalk's leniency, on every DingTalk route: its gateway ignores body fields it does not know
 * (so a client on a newer SDK keeps working), and clients in other languages send an absent
 * optional field as `null`. By default dingread does the same: before a request is checked
 * against its route's schema, unknown top-level fields and `null` ones are left out. With
 * `strict` (`serve --strict`, `startDingread({ strict: true })`) the request is checked as sent,
 * so those fields are refused (400 `invalidParameter.param.invalid`), for teams who want their
 * bot's requests linted. Either way the request log names the unknown fields (`unknownFields`).
 *
 * The query string of a GET route is treated like a body. Only the top level is concerned:
 * DingTalk's request bodies are flat (msgParam is a JSON string), and a `null` inside an array is
 * still a wrong type.
 */
import type { FastifyRequest } from 'fastify';
import type { ValidationStep } from '../request-steps.js';
import { routeOf, surfaceOf } from '../access.js';
import { notesOf } from '../request-notes.js';

/** A hostile body may carry thousands of unknown keys: the log names this many, each cut short. */
const MAX_NAMED = 50;
const MAX_NAME_LENGTH = 128;

interface ObjectSchema {
  properties?: Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The fields of `value` that `schema` does not know, and (unless `strict`) `value` without them
 * and without its `null` fields; `value` itself when there is nothing to leave out.
 */
function examine(value: unknown, schema: unknown, strict: boolean, unknown: string[]): unknown {
  const properties = (schema as ObjectSchema | undefined)?.properties;
  if (!properties || !isPlainObject(value)) return value;
  let dropping = false;
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(properties, key)) {
      if (unknown.length < MAX_NAMED) unknown.push(key.slice(0, MAX_NAME_LENGTH));
      dropping = true;
    } else if (value[key] === null) {
      dropping = true;
    }
  }
  if (strict || !dropping) return value;
  const kept: Record<string, unknown> = {};
  for (const key of Object.keys(properties)) {
    if (Object.hasOwn(value, key) && value[key] !== null) kept[key] = value[key];
  }
  return kept;
}

export function leniency(strict: boolean): ValidationStep {
  return function lenient(request: FastifyRequest): false {
    const schema = routeOf(request).schema;
    if (!schema || surfaceOf(request) !== 'dingtalk') return false;
    const unknown: string[] = [];
    if (schema.body !== undefined) request.body = examine(request.body, schema.body, strict, unknown);
    if (schema.querystring !== undefined) request.query = examine(request.query, schema.querystring, strict, unknown);
    if (unknown.length > 0) notesOf(request).unknownFields = unknown;
    return false;
  };
}

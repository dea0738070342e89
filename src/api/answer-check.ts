/**
 * Every answer checked against the schema its route declares (responses.ts), turned on by the
 * tests' servers: a success answer's object before it is serialized, with no field beyond the
 * schema's (so nothing the serializer would drop goes unnoticed), and an error answer on
 * DingTalk's API or the control plane against the error envelope. Mismatches are collected, not
 * thrown, so that the answer on the wire stays what it would have been.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { routeOf, surfaceOf } from './access.js';
import { requestTarget } from './proxy/request-target.js';
import { ErrorEnvelopeSchema, LegacyAnswerSchema } from './responses.js';

/** A copy of the schema where no object admits a field it does not name. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = key === 'const' || key === 'enum' ? value : closed(value);
  if (copy['type'] === 'object' && copy['properties'] !== undefined && copy['additionalProperties'] === undefined) {
    copy['additionalProperties'] = false;
  }
  return copy;
}

/** Whether a route's errors come in DingTalk's envelope (the legacy host's come as `{errcode, errmsg}`). */
function answersWithEnvelope(url: string | undefined): boolean {
  return url !== undefined && (url.startsWith('/v1.0/') || url.startsWith('/_dingread/'));
}

export class AnswerCheck {
  /** How many answers were checked, by `METHOD url status`. */
  readonly checked = new Map<string, number>();
  readonly mismatches: string[] = [];
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new WeakMap<TSchema, ValidateFunction>();
  private readonly seen = new WeakSet<FastifyRequest>();

  install(app: FastifyInstance): void {
    app.addHook('preSerialization', (request, reply, payload, done) => {
      this.seen.add(request);
      this.answer(request, reply, payload);
      done(null, payload);
    });
    // Answers written as text (the error envelope is) reach onSend only.
    app.addHook('onSend', (request, reply, payload, done) => {
      if (!this.seen.has(request) && typeof payload === 'string' && /json/.test(String(reply.getHeader('content-type')))) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(payload);
        } catch {
          this.mismatches.push(`${request.method} ${request.url} ${reply.statusCode}: not JSON`);
        }
        if (parsed !== undefined) this.answer(request, reply, parsed);
      }
      done(null, payload);
    });
  }

  private answer(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    const route = routeOf(request);
    const url = route.url;
    const status = reply.statusCode;
    const declared = (route.schema?.response as Record<number, TSchema> | undefined)?.[status];
    let schema: TSchema | undefined = declared;
    // dingread's own routes do not exist on a DingTalk host: there the answer is the legacy 404 (access.ts).
    if (surfaceOf(request) !== 'dingtalk' && requestTarget(request.raw).dingtalk !== undefined) schema = LegacyAnswerSchema;
    else if (schema === undefined && status >= 400 && answersWithEnvelope(url ?? request.url)) schema = ErrorEnvelopeSchema;
    const key = `${request.method} ${url ?? '(no route)'} ${status}`;
    if (schema === undefined) {
      // A success without a schema for its status is a gap; the legacy host's errors have their own shape.
      if (status < 400) this.mismatches.push(`${key}: no response schema for this status`);
      return;
    }
    const problem = this.check(schema, payload);
    this.checked.set(key, (this.checked.get(key) ?? 0) + 1);
    if (problem !== undefined) this.mismatches.push(`${key}: ${problem} in ${JSON.stringify(payload).slice(0, 500)}`);
  }

  /** Why the value does not fit the schema (no field beyond it allowed), or undefined when it fits. */
  check(schema: TSchema, value: unknown): string | undefined {
    let validate = this.compiled.get(schema);
    if (validate === undefined) {
      validate = this.ajv.compile(closed(JSON.parse(JSON.stringify(schema))) as object);
      this.compiled.set(schema, validate);
    }
    if (validate(value)) return undefined;
    return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`).join('; ');
  }

  /** Throws when any answer did not fit its schema. */
  assertClean(): void {
    if (this.mismatches.length > 0) throw new Error(`answers that do not fit their schema:\n${this.mismatches.join('\n')}`);
  }
}

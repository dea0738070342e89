/**
 * Every error leaves the server as DingTalk's envelope, `{code, message, requestid}` (plus
 * `accessdenieddetail` for missing scopes), with the request id also in `x-acs-request-id`.
 * This file turns domain errors, request-shape errors and framework errors into that envelope.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DingReadError } from '../core/errors.js';
import { pointerToPath } from '../core/fixtures.js';
import { newRequestId } from '../core/ids.js';
import { LEGACY, sendLegacy } from './dingtalk/legacy.js';
import { isLoopbackHost, pathOf, requestTarget } from './proxy/request-target.js';

export interface ErrorEnvelope {
  code: string;
  message: string;
  requestid: string;
  accessdenieddetail?: { requiredScopes: string[] };
}

export function sendError(reply: FastifyReply, error: DingReadError): FastifyReply {
  const body: ErrorEnvelope = { code: error.code, message: error.message, requestid: String(reply.request.id) };
  if (error.extras.accessDeniedDetail) body.accessdenieddetail = error.extras.accessDeniedDetail;
  return reply.code(error.status).type('application/json;charset=utf-8').send(body);
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `userIds[3]: must be string`, from the first schema error of a request part. */
function describeValidation(error: FastifyError): string {
  const first = (error.validation as AjvError[] | undefined)?.[0];
  if (!first) return error.message;
  const where = error.validationContext === 'querystring' ? 'query' : error.validationContext ?? 'body';
  if (first.keyword === 'additionalProperties') return `${where}: unknown field ${String(first.params['additionalProperty'])}`;
  if (first.keyword === 'required') return `${where}: missing field ${String(first.params['missingProperty'])}`;
  const path = first.instancePath ? pointerToPath(first.instancePath) : where;
  return `${path}: ${first.message ?? 'is invalid'}`;
}

/** Framework errors (body parsing, limits) as the domain error a client should see. */
function fromFramework(error: FastifyError): DingReadError | undefined {
  if (error.validation) return new DingReadError('invalidParameter.param.invalid', describeValidation(error));
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DingReadError('invalidParameter.body.tooLarge');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DingReadError('invalidParameter.contentType.unsupported');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DingReadError('invalidParameter.param.invalid', 'the body is empty: send a JSON object');
    default:
      break;
  }
  // JSON syntax errors, prototype-poisoning attempts, bad Content-Length and the like.
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new DingReadError('invalidParameter.param.invalid', `malformed request: ${error.message}`);
  }
  return undefined;
}

/**
 * Errors Fastify raises while routing, before any hook runs (a URL that is not valid
 * percent-encoding, a path parameter longer than maxParamLength). Without this, Fastify answers
 * them with its own body, outside the envelope and without a request id.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-acs-request-id', String(request.id));
  let mapped: DingReadError;
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      mapped = new DingReadError('invalidParameter.param.invalid', 'the URL is not valid percent-encoded UTF-8');
      break;
    case 'FST_ERR_MAX_PARAM_LENGTH':
      mapped = new DingReadError('invalidParameter.param.invalid', 'a path parameter is too long');
      break;
    default:
      mapped = fromFramework(error) ?? new DingReadError('system.error');
  }
  sendError(reply, mapped);
}

/**
 * An error in the envelope as a whole HTTP answer, for a socket that no route answers: a refused
 * CONNECT (proxy/proxy.routes.ts) or a refused WebSocket upgrade (stream/stream.routes.ts).
 */
export function rawErrorAnswer(error: DingReadError, requestid: string): string {
  const body = JSON.stringify({ code: error.code, message: error.message, requestid } satisfies ErrorEnvelope);
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\nx-acs-request-id: ${requestid}\r\n` +
    `Content-Type: application/json;charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/**
 * Requests Node's HTTP parser refuses before there is a request (a raw non-ASCII byte in the URL,
 * a malformed header line, a bad Content-Length): answered like Fastify's default handler, but a
 * plain 400 in the envelope, with a request id. Header overflow (431) and timeouts (408) keep
 * Fastify's own body: the error table has no code with those statuses.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let head: string;
  let body: string;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    head = '408 Request Timeout';
    body = '{"error":"Request Timeout","message":"Client Timeout","statusCode":408}';
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    head = '431 Request Header Fields Too Large';
    body = '{"error":"Request Header Fields Too Large","message":"Exceeded maximum allowed HTTP header size","statusCode":431}';
  } else {
    const requestid = newRequestId();
    const mapped = new DingReadError('invalidParameter.param.invalid', 'malformed HTTP request');
    head = `${mapped.status} Bad Request\r\nx-acs-request-id: ${requestid}`;
    body = JSON.stringify({ code: mapped.code, message: mapped.message, requestid } satisfies ErrorEnvelope);
  }
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json;charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof DingReadError) return sendError(reply, error);
    const mapped = fromFramework(error);
    if (mapped) return sendError(reply, mapped);
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, new DingReadError('system.error'));
  });
  app.setNotFoundHandler(sendNotFound);
}

/**
 * An unknown route, answered as the host it was addressed to answers one: api.dingtalk.com gives
 * its legacy body outside `/v1.0` (HTTP 200, `errcode` 404) and oapi.dingtalk.com everywhere;
 * anywhere else it is the envelope's 404, naming the method and path (never a whole URL).
 */
export function sendNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const target = requestTarget(request.raw);
  const path = pathOf(request.url);
  if (target.dingtalk === 'oapi' || (target.dingtalk === 'api' && !path.startsWith('/v1.0/'))) {
    return sendLegacy(reply, LEGACY.notFound);
  }
  // Through dingread as a proxy, to a host it does not stand in for: say so.
  const proxied = target.via === 'absolute' && target.dingtalk === undefined && !isLoopbackHost(target.hostname);
  const hint = proxied ? ` (dingread stands in for api.dingtalk.com and oapi.dingtalk.com only; it is not a proxy to ${target.hostname ?? 'other hosts'})` : '';
  return sendError(reply, new DingReadError('InvalidAction.NotFound', `${request.method} ${path}${hint}`));
}

/**
 * Injected faults on the HTTP side: the hit (an error in DingTalk's envelope, latency, a dropped
 * connection) and the control routes `/_dingread/v1/faults` (the registry is core/faults.ts).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_TABLE, isErrorCode } from '../../core/errors.js';
import type { FaultError, FaultRegistry, FaultSpec } from '../../core/faults.js';
import type { ErrorEnvelope } from '../envelope.js';
import { appKeyOf, robotCodeOf } from './calls.js';
import type { RequestRecorder } from './request-log.js';
import { FaultBody, FaultParams } from './schemas.js';

/**
 * Applies the faults that match the call: waits out their latency, then drops the connection or
 * answers their error. Resolves to whether the call was answered (or dropped): a boolean, not the
 * reply, which is a thenable a promise would wait on instead of handing back.
 */
export async function injectFaults(
  faults: FaultRegistry,
  recorder: RequestRecorder,
  request: FastifyRequest,
  reply: FastifyReply,
  route: string,
): Promise<boolean> {
  // The route's own path: the router decodes escapes, so `/v1.0/robot/groupMessages/%71uery` is still that route.
  const outcome = faults.hit({ path: route, appKey: appKeyOf(request), robotCode: robotCodeOf(request) });
  if (outcome.fired.length > 0) recorder.noteFaults(request, outcome.fired);
  if (outcome.latencyMs > 0) await delay(outcome.latencyMs);
  if (outcome.drop) {
    recorder.record(request, 0, undefined);
    reply.hijack();
    request.raw.socket.destroy();
    return true;
  }
  if (outcome.error) {
    sendInjected(reply, outcome.error);
    return true;
  }
  return false;
}

/** An injected error, in DingTalk's envelope like every other. */
function sendInjected(reply: FastifyReply, error: FaultError): FastifyReply {
  const fallback = isErrorCode(error.code) ? ERROR_TABLE[error.code].message : 'Injected fault';
  const body: ErrorEnvelope = { code: error.code, message: error.message ?? fallback, requestid: String(reply.request.id) };
  return reply.code(error.status).type('application/json;charset=utf-8').send(body);
}

/** `/_dingread/v1/faults`: add, list, clear, remove one. */
export function faultRoutes(v1: FastifyInstance, faults: FaultRegistry): void {
  v1.post('/faults', { schema: { body: FaultBody } }, async (request) => faults.add(request.body as FaultSpec));
  v1.get('/faults', async () => ({ items: faults.list() }));
  v1.delete('/faults', async () => ({ removed: faults.clear() }));
  v1.delete('/faults/:id', { schema: { params: FaultParams } }, async (request) => {
    faults.remove((request.params as { id: string }).id);
    return {};
  });
}

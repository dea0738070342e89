/**
 * For routes DingTalk serves on oapi.dingtalk.com only (the custom robot's `/robot/send`, the session
 * webhook's `/robot/sendBySession`): addressed to api.dingtalk.com, through proxy mode, the path is
 * unknown there, and the answer is that host's.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendNotFound } from '../envelope.js';
import { requestTarget } from '../proxy/request-target.js';

export async function oapiOnly(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (requestTarget(request.raw).dingtalk === 'api') return sendNotFound(request, reply);
  return undefined;
}

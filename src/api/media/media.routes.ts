/**
 * Media on DingTalk's hosts: the legacy upload `POST /media/upload?access_token=…&type=…`
 * (oapi.dingtalk.com; answered in the legacy shape, HTTP 200 whatever happened),
 * `POST /v1.0/robot/messageFiles/download` (a temporary URL for a file a user sent to the robot)
 * and that URL itself. Like the rest of DingTalk's API they answer on any host, so a bot reaches
 * them directly or through proxy mode alike.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { DingReadError } from '../../core/errors.js';
import { DOWNLOAD_PATH, downloadByUrl, keepMedia, MEDIA_ANSWERS, MediaRefusal, messageFileDownload } from '../../core/media.js';
import { authenticate, ROBOT_SCOPE } from '../../core/tokens.js';
import { sendLegacy } from '../dingtalk/legacy.js';
import { requestTarget } from '../proxy/request-target.js';
import { admitCaller, authenticatedCaller, presentedToken } from '../request-notes.js';
import { acceptUploads, receiveUpload } from './multipart-upload.js';

/** Both fields are required; a missing one gets its own code (core/media.ts), so neither is `required` here. */
export const MessageFileDownloadBody = Type.Object({
  downloadCode: Type.Optional(Type.String({ maxLength: 1024 })),
  robotCode: Type.Optional(Type.String({ maxLength: 256 })),
});

/** The scheme and authority the request came to, for URLs the client will follow. */
export function originOf(request: FastifyRequest): string {
  const target = requestTarget(request.raw);
  const secure = target.via === 'tunnel' || (target.via === 'absolute' && (request.raw.url ?? '').startsWith('https:'));
  return `${secure ? 'https' : 'http'}://${target.authority || request.headers.host || 'localhost'}`;
}

function tokenOf(request: FastifyRequest): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A refused upload is answered at once, and what is left of its body is read and thrown away (not
 * parsed, never kept), as Node does with any body a route leaves unread, so the connection stays
 * usable. Closing it instead would make the kernel reset it while the client is still sending,
 * and the client could lose the answer.
 */
export function skipRest(request: FastifyRequest): void {
  request.raw.unpipe();
  request.raw.resume();
}

/** `media/upload`: the token first (before any of the body is read), then the file. */
async function upload(ctx: CoreContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const token = tokenOf(request);
  if (token === undefined) return sendLegacy(reply, MEDIA_ANSWERS.tokenMissing);
  let caller;
  try {
    caller = await authenticate(ctx, token);
  } catch (error) {
    if (error instanceof DingReadError) return sendLegacy(reply, MEDIA_ANSWERS.tokenInvalid);
    throw error;
  }
  try {
    const received = await receiveUpload(ctx, request);
    const media = await keepMedia(ctx, { orgId: caller.orgId, appId: caller.appId }, received.type, received.file);
    return sendLegacy(reply, { errcode: 0, errmsg: 'ok', type: media.type, media_id: media.mediaId, created_at: media.createdAt });
  } catch (error) {
    if (!(error instanceof MediaRefusal)) throw error;
    request.log.info({ refusal: error.code }, error.message);
    skipRest(request);
    return sendLegacy(reply, MEDIA_ANSWERS[error.code]);
  }
}

export function mediaRoutes(ctx: CoreContext) {
  return async function register(app: FastifyInstance): Promise<void> {
    await app.register(async (uploads) => {
      await acceptUploads(uploads);
      uploads.post('/media/upload', (request, reply) => upload(ctx, request, reply));
    });

    app.post(
      '/v1.0/robot/messageFiles/download',
      {
        bodyLimit: 64 * 1024,
        schema: { body: MessageFileDownloadBody },
        onRequest: async (request) => {
          admitCaller(request, await authenticate(ctx, presentedToken(request)), ROBOT_SCOPE);
        },
      },
      (request) => {
        return messageFileDownload(ctx, authenticatedCaller(request, 'messageFiles/download'), request.body as { downloadCode?: string; robotCode?: string }, originOf(request));
      },
    );

    app.get(`${DOWNLOAD_PATH}:downloadCode`, async (request, reply) => {
      const { downloadCode } = request.params as { downloadCode: string };
      const query = request.query as Record<string, unknown>;
      const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
      const { media, bytes } = await downloadByUrl(ctx, downloadCode, str(query.expires), str(query.signature));
      return reply
        .type(media.contentType || 'application/octet-stream')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(media.fileName)}`)
        .send(bytes);
    });
  };
}

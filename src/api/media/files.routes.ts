/**
 * The control plane's files (docs/media.md): a file a simulated user will send to a robot is
 * uploaded here first (`POST /orgs/{corpId}/files`, multipart like DingTalk's `media/upload`), then
 * said by its id (`POST …/messages` with `fileId`); any file, uploaded by an app or for a user, is
 * read back by its id (the dashboard shows them). Guarded like every route under /_dingread/v1.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { fail } from '../../core/errors.js';
import type { FileView } from '../../core/answers.js';
import { fileView, keepMedia, MediaRefusal } from '../../core/media.js';
import { skipRest } from './media.routes.js';
import { acceptUploads, receiveUpload } from './multipart-upload.js';

export const FileParams = Type.Object({ fileId: Type.String({ minLength: 1, maxLength: 256 }) });
export const OrgParams = Type.Object({ corpId: Type.String({ minLength: 1, maxLength: 256 }) });

export function fileRoutes(ctx: CoreContext) {
  return async function register(v1: FastifyInstance): Promise<void> {
    await v1.register(async (uploads) => {
      await acceptUploads(uploads);
      uploads.post('/orgs/:corpId/files', { schema: { params: OrgParams } }, async (request, reply): Promise<FileView & { downloadCode: string }> => {
        const { corpId } = request.params as { corpId: string };
        const org = await ctx.store.findOrg(corpId);
        if (!org) fail('object.notFound', `no organization ${corpId}`);
        try {
          const received = await receiveUpload(ctx, request);
          const media = await keepMedia(ctx, { orgId: org.id, appId: null }, received.type, received.file);
          reply.code(201);
          return { ...fileView(media), downloadCode: media.downloadCode as string };
        } catch (error) {
          if (!(error instanceof MediaRefusal)) throw error;
          skipRest(request);
          if (error.code === 'invalidSize') fail('invalidParameter.body.tooLarge', error.message);
          if (error.code === 'notMultipart') fail('invalidParameter.contentType.unsupported', error.message);
          fail('invalidParameter.param.invalid', `${error.code === 'missingMedia' ? 'media' : 'type'}: ${error.message}`);
        }
      });
    });

    v1.get('/files/:fileId', { schema: { params: FileParams } }, async (request) => {
      const { fileId } = request.params as { fileId: string };
      const media = await ctx.store.findMedia(fileId);
      if (!media) fail('object.notFound', `no file ${fileId}`);
      return fileView(media);
    });
    v1.get('/files/:fileId/content', { schema: { params: FileParams } }, async (request, reply) => {
      const { fileId } = request.params as { fileId: string };
      const media = await ctx.store.findMedia(fileId);
      const bytes = media && (await ctx.store.readMediaContent(media));
      if (!media || !bytes) fail('object.notFound', `no file ${fileId}`);
      // Served as an attachment unless an image, so that no uploaded HTML or SVG runs as a page of the dashboard.
      const inline = media.type === 'image' && /^image\/(png|jpeg|gif|bmp)$/.test(media.contentType);
      return reply
        .type(inline ? media.contentType : 'application/octet-stream')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(media.fileName)}`)
        .send(bytes);
    });
  };
}

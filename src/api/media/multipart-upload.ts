/**
 * Receiving one uploaded file as DingTalk's `media/upload` takes it: multipart/form-data with the
 * file in the part named `media` and the type in a `type` field or the query string. Parsing is
 * @fastify/multipart's (busboy underneath), with limits: the file streams to a staged file on the
 * store's disk and stops at the type's limit, so nothing is ever held whole in memory and an
 * oversized upload is refused as it arrives (a body declared larger than any file may be is
 * refused before any of it is parsed).
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { isMediaType, MAX_MEDIA_BYTES, MEDIA_TYPES, MediaRefusal, type ReceivedFile } from '../../core/media.js';

/** Room for the multipart framing and the small fields around the file. */
const FRAMING_BYTES = 64 * 1024;

export interface ReceivedUpload {
  /** The `type` field, else the `type` query parameter, as sent (checked by core/media.ts). */
  type: unknown;
  file: ReceivedFile;
}

/**
 * Sets up a plugin scope for upload routes: the multipart parser, and a parser that reads nothing
 * for any other content type, so that the route answers a JSON or form body with its own refusal
 * instead of a parse error.
 */
export async function acceptUploads(app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers();
  await app.register(multipart, { throwFileSizeLimit: false });
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}

/** The query's `type`, when it is one string. */
function queryType(request: FastifyRequest): unknown {
  const query = request.query as Record<string, unknown> | undefined;
  return query?.type;
}

/** Reads the upload, or throws MediaRefusal; a file staged before the refusal is discarded. */
export async function receiveUpload(ctx: CoreContext, request: FastifyRequest): Promise<ReceivedUpload> {
  if (!request.isMultipart()) throw new MediaRefusal('notMultipart', 'send the file as multipart/form-data');
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_MEDIA_BYTES + FRAMING_BYTES) {
    throw new MediaRefusal('invalidSize', `the body (${declared} bytes) is larger than any file may be`);
  }
  let type: unknown = queryType(request);
  const limit = isMediaType(type) ? MEDIA_TYPES[type].maxBytes : MAX_MEDIA_BYTES;
  // Staged before parsing starts: the file part must be piped the moment it arrives (an await in
  // between lets the parser run ahead, and a body that ends early is then never noticed).
  const staged = await ctx.store.stageMedia();
  let file: ReceivedFile | undefined;
  try {
    const parts = request.parts({ limits: { fileSize: limit, files: 4, fields: 20, fieldSize: 4096, parts: 30, headerPairs: 100 } });
    const iterator = parts[Symbol.asyncIterator]();
    for (let next = iterator.next(); ; ) {
      const { value: part, done } = await next;
      if (done) break;
      // What comes after this part is asked for now: when the body ends early, the parser says so
      // there (and only there: the part itself may have reported it before anyone listened).
      next = iterator.next();
      if (part.type === 'field') {
        if (part.fieldname === 'type' && type === undefined) type = part.value;
        continue;
      }
      if (part.fieldname !== 'media' || file !== undefined) {
        part.file.resume();
        continue;
      }
      file = { staged, fileName: part.filename, contentType: part.mimetype, size: 0, truncated: false };
      const received = file;
      part.file.on('data', (chunk: Buffer) => {
        received.size += chunk.length;
      });
      // At the limit the file is refused at once, not after the rest of the body has arrived.
      const stop = new AbortController();
      part.file.once('limit', () => {
        received.truncated = true;
        stop.abort();
      });
      // A body that ends inside the file leaves its stream destroyed by the parser, possibly
      // before this loop saw the part (the parser runs ahead when the body arrived whole), and a
      // pipeline from it would wait forever: the parser's next answer is where that shows.
      const cutShort = new Error('the body ended inside the file');
      if (part.file.destroyed) throw cutShort;
      next.then(
        () => {
          if (part.file.destroyed && !part.file.readableEnded) stop.abort(cutShort);
        },
        (error: unknown) => stop.abort(error),
      );
      try {
        await pipeline(part.file, createWriteStream(staged.path), { signal: stop.signal });
      } catch (error) {
        if (received.truncated) break;
        throw stop.signal.aborted ? stop.signal.reason : error;
      }
    }
  } catch (error) {
    await staged.discard();
    if (error instanceof MediaRefusal) throw error;
    throw new MediaRefusal('notMultipart', `the multipart body cannot be read: ${(error as Error).message}`);
  }
  if (!file) {
    await staged.discard();
    throw new MediaRefusal('missingMedia', 'no file part named media');
  }
  return { type, file };
}

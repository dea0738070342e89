/**
 * Media: files apps upload (`POST oapi.dingtalk.com/media/upload`, answered in the legacy shape),
 * the robot sends that refer to them, and files simulated users send to robots, which robots fetch
 * through `POST /v1.0/robot/messageFiles/download` and the temporary URL it answers. docs/media.md
 * has the sources of every limit and answer here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FileView } from './answers.js';
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import type { LegacyAnswer } from './legacy-errors.js';
import { resolveRobot } from './robot-access.js';
import type { MediaRecord, MediaType, StagedMedia } from './store.js';
import type { Caller } from './tokens.js';

const MB = 1024 * 1024;

/**
 * DingTalk's limits per type and the formats it takes, by file extension ("Upload media files",
 * https://open.dingtalk.com/document/orgapp/upload-media-files).
 */
export const MEDIA_TYPES: Readonly<Record<MediaType, { maxBytes: number; formats: readonly string[] }>> = {
  image: { maxBytes: 20 * MB, formats: ['jpg', 'jpeg', 'gif', 'png', 'bmp'] },
  voice: { maxBytes: 2 * MB, formats: ['amr', 'mp3', 'wav'] },
  video: { maxBytes: 20 * MB, formats: ['mp4'] },
  file: { maxBytes: 20 * MB, formats: ['doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'zip', 'pdf', 'rar'] },
};

/** The largest file of any type: what an upload may stream before its type is known. */
export const MAX_MEDIA_BYTES = Math.max(...Object.values(MEDIA_TYPES).map((rule) => rule.maxBytes));

export function isMediaType(value: unknown): value is MediaType {
  return typeof value === 'string' && Object.hasOwn(MEDIA_TYPES, value);
}

/**
 * The upload's legacy answers (HTTP 200, `{errcode, errmsg}`). The token's two are DingTalk's
 * observed answers on the legacy host; the media ones are DingTalk's global error table's.
 */
export const MEDIA_ANSWERS = {
  /** No access_token (observed: P9 of the probes in docs/errors.md). */
  tokenMissing: { errcode: 88, sub_code: '40000', sub_msg: 'access_token is blank', errmsg: 'ding talk error[subcode=40000,submsg=access_token is blank]' },
  /** An unknown or expired access_token (observed: P8). */
  tokenInvalid: { errcode: 88, sub_code: '40014', sub_msg: '不合法的access_token', errmsg: 'ding talk error[subcode=40014,submsg=不合法的access_token]' },
  /** Not multipart/form-data, or a multipart body that cannot be parsed. */
  notMultipart: { errcode: 43008, errmsg: '参数需要multipart类型' },
  /** `type` absent or not one of image, voice, video, file. */
  invalidType: { errcode: 40004, errmsg: '不合法的媒体文件类型' },
  /** A file whose format the type does not take. */
  invalidFormat: { errcode: 40005, errmsg: '不合法的文件类型' },
  /** A file over its type's limit, or empty. */
  invalidSize: { errcode: 40006, errmsg: '不合法的文件大小' },
  /** No `media` file part (dingread's choice, worded as DingTalk's other missing-parameter answers). */
  missingMedia: { errcode: 40035, errmsg: '缺少参数 media' },
} as const satisfies Record<string, LegacyAnswer>;

export type MediaRefusalCode = keyof typeof MEDIA_ANSWERS;

/** An upload refused; the route answers it in the legacy shape (or the control plane's envelope). */
export class MediaRefusal extends Error {
  constructor(
    readonly code: MediaRefusalCode,
    detail: string,
  ) {
    super(detail);
    this.name = 'MediaRefusal';
  }
}

/** `@lA…`, the shape of DingTalk's media ids. */
export function newMediaId(ctx: CoreContext): string {
  return `@lA${ctx.random.bytes('media', 18).toString('base64url')}`;
}

/** A download code, the shape of DingTalk's (`mIofN…`): long, opaque. */
function newDownloadCode(ctx: CoreContext): string {
  return `mIofN${ctx.random.bytes('media', 36).toString('base64url')}`;
}

/** The extension, lower case, that says a file's format. */
export function formatOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot < 0 ? '' : fileName.slice(dot + 1).toLowerCase();
}

/** A file received in full and staged: what the upload's parser hands to `keepMedia`. */
export interface ReceivedFile {
  staged: StagedMedia;
  fileName: string;
  contentType: string;
  size: number;
  /** True when the parser stopped at the limit it was given. */
  truncated: boolean;
}

/**
 * Checks a received file against its type and keeps it. Whatever fails, the staged file is
 * discarded: a refused upload leaves nothing behind.
 */
export async function keepMedia(
  ctx: CoreContext,
  owner: { orgId: number; appId: number | null },
  type: unknown,
  file: ReceivedFile,
): Promise<MediaRecord> {
  try {
    if (!isMediaType(type)) throw new MediaRefusal('invalidType', `type must be one of ${Object.keys(MEDIA_TYPES).join(', ')}`);
    const rule = MEDIA_TYPES[type];
    if (file.truncated || file.size > rule.maxBytes) throw new MediaRefusal('invalidSize', `a ${type} holds at most ${rule.maxBytes} bytes`);
    if (file.size === 0) throw new MediaRefusal('invalidSize', 'the file is empty');
    if (!rule.formats.includes(formatOf(file.fileName))) {
      throw new MediaRefusal('invalidFormat', `a ${type} is one of ${rule.formats.join(', ')} (by its file name's extension)`);
    }
    return await ctx.store.insertMedia(
      {
        mediaId: newMediaId(ctx),
        orgId: owner.orgId,
        appId: owner.appId,
        downloadCode: owner.appId === null ? newDownloadCode(ctx) : null,
        type,
        fileName: file.fileName,
        contentType: file.contentType,
        size: file.size,
        createdAt: ctx.clock.now(),
      },
      file.staged,
    );
  } finally {
    await file.staged.discard();
  }
}

// ------------------------------------------------------------------ sends that refer to media

/** Where each msgKey names media in its msgParam. `photoURL` may also be a URL, which names none. */
const MEDIA_KEYS: Readonly<Record<string, readonly string[]>> = {
  sampleImageMsg: ['photoURL'],
  sampleAudio: ['mediaId'],
  sampleFile: ['mediaId'],
  sampleVideo: ['videoMediaId', 'picMediaId'],
};

/** A media id as bots write it: some (the official connector for files) drop the leading `@`. */
async function findUploaded(ctx: CoreContext, mediaId: string): Promise<MediaRecord | undefined> {
  return (await ctx.store.findMedia(mediaId)) ?? (mediaId.startsWith('@') ? undefined : await ctx.store.findMedia(`@${mediaId}`));
}

/**
 * The media a send refers to (store ids, for the message to keep), checked: each must be one the
 * caller's app uploaded. Answers DingTalk's code for a bad msgParam otherwise.
 */
export async function mediaOfSend(ctx: CoreContext, caller: Caller, message: { msgKey: string; msgParam: string }): Promise<number[]> {
  const keys = MEDIA_KEYS[message.msgKey];
  if (!keys) return [];
  const params = JSON.parse(message.msgParam) as Record<string, string>;
  const ids: number[] = [];
  for (const key of keys) {
    const value = params[key] as string;
    if (key === 'photoURL' && /^https?:\/\//i.test(value)) continue;
    const media = await findUploaded(ctx, value);
    if (!media || media.appId !== caller.appId) {
      fail('invalidParameter.msgParam.invalid', `${key}: no media ${value} uploaded by this app`);
    }
    ids.push(media.id);
  }
  return ids;
}

// ------------------------------------------------------------------ files users send

/** How long a download URL answers (DingTalk calls it temporary and gives no figure). */
export const DOWNLOAD_URL_TTL_MS = 60 * 60 * 1000;
/** The path of the URL `messageFiles/download` answers; served on any host, like DingTalk's API. */
export const DOWNLOAD_PATH = '/media/download/';

function signature(ctx: CoreContext, downloadCode: string, expires: number): Buffer {
  return createHmac('sha256', ctx.tokenKey).update(`media-download\n${downloadCode}\n${expires}`).digest();
}

/** `POST /v1.0/robot/messageFiles/download`: a temporary URL of a file a user sent to the robot. */
export async function messageFileDownload(
  ctx: CoreContext,
  caller: Caller,
  input: { downloadCode?: string; robotCode?: string },
  origin: string,
): Promise<{ downloadUrl: string }> {
  if (!input.downloadCode) fail('invalidParameter.downloadCode.empty');
  if (!input.robotCode) fail('invalidParameter.robotCode.empty');
  await resolveRobot(ctx, caller, input.robotCode, 'send');
  const media = await ctx.store.findMediaByDownloadCode(input.downloadCode);
  // Another org's code answers as an unknown one: no org learns of another's files.
  if (!media || media.orgId !== caller.orgId) fail('invalidParameter.downloadCode.invalid');
  const expires = ctx.clock.now() + DOWNLOAD_URL_TTL_MS;
  const sig = signature(ctx, input.downloadCode, expires).toString('base64url');
  return { downloadUrl: `${origin}${DOWNLOAD_PATH}${encodeURIComponent(input.downloadCode)}?expires=${expires}&signature=${sig}` };
}

/** The file a download URL names, if the URL is genuine and not expired. */
export async function downloadByUrl(
  ctx: CoreContext,
  downloadCode: string,
  expires: string | undefined,
  sig: string | undefined,
): Promise<{ media: MediaRecord; bytes: Buffer }> {
  const at = Number(expires);
  const given = Buffer.from(sig ?? '', 'base64url');
  const wanted = Number.isSafeInteger(at) ? signature(ctx, downloadCode, at) : undefined;
  if (!wanted || given.length !== wanted.length || !timingSafeEqual(given, wanted)) fail('downloadUrl.invalid', 'the URL is not one dingread gave');
  if (at <= ctx.clock.now()) fail('downloadUrl.invalid', 'the URL has expired');
  const media = await ctx.store.findMediaByDownloadCode(downloadCode);
  const bytes = media && (await ctx.store.readMediaContent(media));
  if (!media || !bytes) fail('downloadUrl.invalid', 'the file is gone');
  return { media, bytes };
}

/** The `content` of a robot callback for a file a user sent (docs/media.md: the fields by msgtype). */
export function callbackContent(media: MediaRecord): { msgtype: string; content: Record<string, unknown> } {
  const downloadCode = media.downloadCode as string;
  switch (media.type) {
    case 'image':
      return { msgtype: 'picture', content: { downloadCode, pictureDownloadCode: downloadCode } };
    case 'voice':
      return { msgtype: 'audio', content: { downloadCode, recognition: '' } };
    case 'video':
      return { msgtype: 'video', content: { downloadCode, duration: 0, videoType: formatOf(media.fileName) } };
    case 'file':
      return { msgtype: 'file', content: { downloadCode, fileName: media.fileName, spaceId: '', fileId: media.mediaId } };
  }
}

// ------------------------------------------------------------------ the control plane's view


export function fileView(media: MediaRecord): FileView {
  return {
    fileId: media.mediaId,
    type: media.type,
    fileName: media.fileName,
    contentType: media.contentType,
    size: media.size,
    contentUrl: `/_dingread/v1/files/${encodeURIComponent(media.mediaId)}/content`,
  };
}

/** The store contract for media: files apps upload (`media/upload`) and files users send to robots. */
/*
 * A file's bytes are kept by the store, never only in memory: in a folder beside a SQLite file
 * (`<file>-media/`), in a table for PostgreSQL and for the in-memory store (which keeps
 * everything in memory anyway). Uploads are streamed to a staged file first (`stageMedia`), so
 * that a refused or broken upload never reaches the store; `insertMedia` then takes the staged file
 * over in one unit: the file and its row are both kept, or neither.
 */

import type { MessageRecord } from './messages.js';

/** DingTalk's four upload types (`media/upload`'s `type`). */
export type MediaType = 'image' | 'voice' | 'video' | 'file';

export interface NewMedia {
  /** The public id: `media_id` for an upload, the file's id in the control plane for a user's file. */
  mediaId: string;
  orgId: number;
  /** The app that uploaded it; null for a file a simulated user sent. */
  appId: number | null;
  /** A file a user sent: the code a robot callback carries (`messageFiles/download`). */
  downloadCode: string | null;
  type: MediaType;
  fileName: string;
  contentType: string;
  size: number;
  createdAt: number;
}

export interface MediaRecord extends NewMedia {
  /** The store's own id (messages refer to it). */
  id: number;
  corpId: string;
}

/** A file being received: where to write it, and what to call when the upload is abandoned. */
export interface StagedMedia {
  path: string;
  /** Deletes the staged file (a refused upload); harmless after insertMedia took it. */
  discard(): Promise<void>;
}

export interface MediaStore {
  /** A fresh file to stream an upload into, on the same disk as where the store keeps files. */
  stageMedia(): Promise<StagedMedia>;
  /**
   * Keeps the staged file as this media, in one unit: afterwards the row and the bytes both exist,
   * or (on failure) neither does and the staged file is gone.
   */
  insertMedia(media: NewMedia, staged: StagedMedia): Promise<MediaRecord>;
  findMedia(mediaId: string): Promise<MediaRecord | undefined>;
  findMediaByDownloadCode(downloadCode: string): Promise<MediaRecord | undefined>;
  /** The file's bytes; undefined when the media is gone. */
  readMediaContent(media: MediaRecord): Promise<Buffer | undefined>;
  /** The media a message refers to (its mediaIds, photoURL…), oldest reference first. */
  messageMedia(message: MessageRecord): Promise<MediaRecord[]>;
  /**
   * Retention: deletes at most `batchSize` media created before `cutoff` that no message refers to
   * any more, bytes included; answers how many.
   */
  purgeMediaBefore(cutoff: number, batchSize: number): Promise<number>;
}

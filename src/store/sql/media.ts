/** The SQL rules of media: the rows of uploaded and user-sent files, their bytes when kept in a table, and their retention. */
import type { MediaRecord, MediaType, MessageRecord, NewMedia } from '../../core/store.js';
import { chatKeyOfMessage } from './rows.js';
import { all, get, run, type Work } from './unit.js';

interface MediaRow {
  id: number | string;
  media_id: string;
  org_id: number | string;
  corp_id: string;
  app_id: number | string | null;
  download_code: string | null;
  type: string;
  file_name: string;
  content_type: string;
  size: number | string;
  created_at: number | string;
}

const MEDIA_SELECT = `SELECT m.*, o.corp_id FROM media m JOIN orgs o ON o.id = m.org_id`;

function toMedia(row: MediaRow): MediaRecord {
  return {
    id: Number(row.id),
    mediaId: row.media_id,
    orgId: Number(row.org_id),
    corpId: row.corp_id,
    appId: row.app_id === null ? null : Number(row.app_id),
    downloadCode: row.download_code,
    type: row.type as MediaType,
    fileName: row.file_name,
    contentType: row.content_type,
    size: Number(row.size),
    createdAt: Number(row.created_at),
  };
}

/** The row, and the bytes too when the backend keeps them in the `media_content` table. */
export function* insertMedia(media: NewMedia, bytes: Buffer | null): Work<MediaRecord> {
  yield* run(
    `INSERT INTO media (media_id, org_id, app_id, download_code, type, file_name, content_type, size, created_at)
     VALUES (:mediaId, :orgId, :appId, :downloadCode, :type, :fileName, :contentType, :size, :createdAt)`,
    { ...media },
  );
  const row = (yield* get<MediaRow>(`${MEDIA_SELECT} WHERE m.media_id = :mediaId`, { mediaId: media.mediaId })) as MediaRow;
  if (bytes !== null) yield* run(`INSERT INTO media_content (media_id, bytes) VALUES (:id, :bytes)`, { id: row.id, bytes });
  return toMedia(row);
}

export function* findMedia(mediaId: string): Work<MediaRecord | undefined> {
  const row = yield* get<MediaRow>(`${MEDIA_SELECT} WHERE m.media_id = :mediaId`, { mediaId });
  return row && toMedia(row);
}

export function* findMediaByDownloadCode(downloadCode: string): Work<MediaRecord | undefined> {
  const row = yield* get<MediaRow>(`${MEDIA_SELECT} WHERE m.download_code = :downloadCode`, { downloadCode });
  return row && toMedia(row);
}

export function* readMediaContent(id: number): Work<Buffer | undefined> {
  const row = yield* get<{ bytes: Buffer | Uint8Array }>(`SELECT bytes FROM media_content WHERE media_id = :id`, { id });
  return row && Buffer.from(row.bytes);
}

export function* messageMedia(message: Pick<MessageRecord, 'id' | 'conversationId' | 'robotId'>): Work<MediaRecord[]> {
  const rows = yield* all<MediaRow>(
    `${MEDIA_SELECT} JOIN message_media mm ON mm.media_id = m.id
     WHERE mm.chat_key = :chatKey AND mm.message_id = :messageId ORDER BY mm.position`,
    { chatKey: chatKeyOfMessage(message), messageId: message.id },
  );
  return rows.map(toMedia);
}

/** A message's references, written in the message's own unit (messages.ts insertMessage). */
export function* linkMessageMedia(chatKey: string, messageId: number, mediaIds: readonly number[]): Work<void> {
  for (const [position, mediaId] of [...new Set(mediaIds)].entries()) {
    yield* run(`INSERT INTO message_media (chat_key, message_id, media_id, position) VALUES (:chatKey, :messageId, :mediaId, :position)`, {
      chatKey,
      messageId,
      mediaId,
      position,
    });
  }
}

/**
 * Media past the cutoff that no message refers to any more (messages go with their own retention,
 * and their references with them); answers their ids so that a backend keeping bytes in files
 * deletes those once the unit has committed.
 */
export function* purgeMediaBefore(cutoff: number, batchSize: number): Work<number[]> {
  const doomed = yield* all<{ id: number | string }>(
    `SELECT m.id FROM media m WHERE m.created_at < :cutoff
       AND NOT EXISTS (SELECT 1 FROM message_media mm WHERE mm.media_id = m.id)
     ORDER BY m.created_at, m.id LIMIT :batchSize`,
    { cutoff, batchSize },
  );
  for (const { id } of doomed) {
    yield* run(`DELETE FROM media_content WHERE media_id = :id`, { id });
    yield* run(`DELETE FROM media WHERE id = :id`, { id });
  }
  return doomed.map(({ id }) => Number(id));
}

/** Every media id, for a reset of a backend that keeps bytes in files. */
export function* allMediaIds(): Work<number[]> {
  return (yield* all<{ id: number | string }>(`SELECT id FROM media`)).map(({ id }) => Number(id));
}

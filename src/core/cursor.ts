/**
 * Pagination cursors (`nextToken`): authenticated encryption (AES-256-GCM) of the position, bound
 * to the message it pages through. A changed byte, or a token of another server, fails to open;
 * a token of another message opens to a position whose `messageId` the query finds is not its
 * message. Either answers `invalidParameter.cursor.invalid`.
 *
 * The message id travels inside the token, so a token opens before its message is read: a chat
 * query hands the position to the store together with the key, and reads message and page in one
 * call (core/queries.ts). Tokens of the first format, which needed the message id to open, are
 * not opened any more: a walk begun on a build before this one starts again.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { systemRandom, type RandomSource } from './random.js';

const VERSION = 2;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

export interface CursorPosition {
  /** The message's internal id: a cursor opens only for the message it was made for. */
  messageId: number;
  /** The last userId returned; the next page starts after it. */
  afterUserId: string;
}

/** How many sealed cursors to remember (see `seal`). */
const SEALED_MEMO_SIZE = 10_000;

export class CursorCodec {
  /** Cursors already sealed, by message and position: bots walk the same pages again and again. */
  private readonly sealed = new Map<string, string>();

  constructor(
    private readonly key: Buffer,
    private readonly random: RandomSource = systemRandom,
  ) {
    if (key.length !== 32) throw new Error('cursor key must be 32 bytes');
  }

  /**
   * The token for a position. The same position gets the same token back while it is remembered:
   * a token only ever names its position, so handing it out twice reveals nothing new, and it
   * saves an encryption (and a random IV) on every repeated page.
   */
  seal(position: CursorPosition): string {
    const memoKey = `${position.messageId}\n${position.afterUserId}`;
    const known = this.sealed.get(memoKey);
    if (known !== undefined) return known;
    const token = this.encrypt(position);
    if (this.sealed.size >= SEALED_MEMO_SIZE) this.sealed.clear();
    this.sealed.set(memoKey, token);
    return token;
  }

  private encrypt(position: CursorPosition): string {
    const iv = this.random.bytes('cursor', IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    // The message id is sealed with the position (digits, then a newline), so a token cannot move between messages.
    const body = Buffer.concat([cipher.update(`${position.messageId}\n${position.afterUserId}`, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The position, or undefined when the token is not one this server made. */
  open(token: string): CursorPosition | undefined {
    const raw = Buffer.from(token, 'base64');
    if (raw.toString('base64') !== token) return undefined;
    if (raw.length < 1 + IV_LENGTH + TAG_LENGTH || raw[0] !== VERSION) return undefined;
    const iv = raw.subarray(1, 1 + IV_LENGTH);
    const tag = raw.subarray(1 + IV_LENGTH, 1 + IV_LENGTH + TAG_LENGTH);
    const body = raw.subarray(1 + IV_LENGTH + TAG_LENGTH);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAuthTag(tag);
      const text = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      const match = /^(\d{1,16})\n/.exec(text);
      if (!match) return undefined;
      return { messageId: Number(match[1]), afterUserId: text.slice(match[0].length) };
    } catch {
      return undefined;
    }
  }
}

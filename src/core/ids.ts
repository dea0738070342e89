/** Identifiers dingread makes: message keys, request ids and access tokens. */
import { createHash, createHmac, randomFillSync } from 'node:crypto';
import { systemRandom, type RandomSource } from './random.js';

/**
 * A processQueryKey: 32 random-looking bytes in standard base64 (44 characters ending in `=`),
 * like DingTalk's. Each key is drawn until it holds a `+`, so a client that forgets to URL-encode
 * it in the readStatus query string fails here on every message, as it would in production, and
 * not only on the half of the keys that happen to hold one.
 *
 * The key names its message's chat (chatOfProcessQueryKey), so that a store finds the message by
 * its key in its chat's part of the tables: on a distributed PostgreSQL, the chat's shard, and not
 * an index probe on every shard (docs/SCALING.md). Its first 8 bytes are the chat's tag (a bit for
 * a robot's one-on-one chats, then the conversation's or robot's store id) mixed with the 8 random
 * bytes after them, so keys look as random as before: nothing is secret in it, a key made up to
 * name another chat is simply not found there.
 */
export function newProcessQueryKey(random: RandomSource, robotId: number, conversationId: number | null): string {
  const tag = chatTag(robotId, conversationId);
  for (;;) {
    const bytes = random.bytes('processQueryKey', 32);
    bytes.writeBigUInt64BE(tag ^ bytes.readBigUInt64BE(8), 0);
    const key = bytes.toString('base64');
    if (key.includes('+')) return key;
  }
}

/** The top bit of a tag: the chat is a robot's one-on-one chats, not a conversation. */
const ROBOT_CHAT = 1n << 63n;
/** Store ids are safe integers: a tag whose bits between them and ROBOT_CHAT are set was not made here. */
const ID_BITS = (1n << 53n) - 1n;

function chatTag(robotId: number, conversationId: number | null): bigint {
  return conversationId === null ? ROBOT_CHAT | BigInt(robotId) : BigInt(conversationId);
}

/**
 * The chat a processQueryKey names: a conversation's store id, or a robot's (its one-on-one chats);
 * undefined for a key that names none (not 44 characters of base64, or its tag out of range, as a
 * key of an earlier version or a made-up one may be). A key may still name a chat its message is
 * not in: a store that finds nothing there looks for the key in every chat (sql-store.ts).
 */
export function chatOfProcessQueryKey(key: string): { conversationId: number } | { robotId: number } | undefined {
  if (key.length !== 44) return undefined;
  const bytes = Buffer.from(key, 'base64');
  if (bytes.length !== 32) return undefined;
  const tag = bytes.readBigUInt64BE(0) ^ bytes.readBigUInt64BE(8);
  const id = tag & ID_BITS;
  if ((tag & ~ID_BITS & ~ROBOT_CHAT) !== 0n || id === 0n) return undefined;
  return (tag & ROBOT_CHAT) !== 0n ? { robotId: Number(id) } : { conversationId: Number(id) };
}

/**
 * Random bytes drawn for many request ids at once: no system call per request. A draw costs about
 * 40 µs in a busy server, most of it the same for any size (OpenSSL's locks and lookups, cold by
 * the time of the next draw, and a job object per call): 256 ids a draw made it 0.16 µs a request
 * on the group page, 4,096 make it about 0.01 (BENCHMARKS.md, the sixteenth round).
 */
const ID_POOL = Buffer.alloc(16 * 4096);
let poolAt = ID_POOL.length;
/** The character codes of a byte's two upper-case hex digits. */
const HIGH_DIGIT = new Uint8Array(256);
const LOW_DIGIT = new Uint8Array(256);
for (let byte = 0; byte < 256; byte++) {
  HIGH_DIGIT[byte] = '0123456789ABCDEF'.charCodeAt(byte >> 4);
  LOW_DIGIT[byte] = '0123456789ABCDEF'.charCodeAt(byte & 0x0f);
}
const DASH = 0x2d;

/**
 * Request ids made ahead, a batch at a time: a request takes the next one. Made one by one, the
 * id's code (its unrolled `fromCharCode` compiles to several kilobytes) ran once between every
 * request's other work and was fetched again each time; made 64 in a row, it is fetched once for
 * 64 requests (BENCHMARKS.md, the thirteenth round). The ids are as random as before: the bytes
 * were already drawn ahead, for 4,096 ids at a time.
 */
const READY_IDS: string[] = new Array<string>(64).fill('');
let readyAt = READY_IDS.length;

function pooledRequestId(): string {
  if (readyAt === READY_IDS.length) {
    for (let i = 0; i < READY_IDS.length; i++) READY_IDS[i] = idFromPool();
    readyAt = 0;
  }
  return READY_IDS[readyAt++] as string;
}

/**
 * An upper-case version 4 UUID from the pool, made by one `String.fromCharCode` of its 36
 * characters: this takes about half of what writing the digits into a buffer and reading it out
 * as a string took.
 */
function idFromPool(): string {
  if (poolAt === ID_POOL.length) {
    randomFillSync(ID_POOL);
    poolAt = 0;
  }
  // This id's 16 bytes are the pool's from `first` on.
  const first = poolAt;
  poolAt += 16;
  const byteAt = (i: number): number => ID_POOL[first + i] as number;
  const highDigit = (byte: number): number => HIGH_DIGIT[byte] as number;
  const lowDigit = (byte: number): number => LOW_DIGIT[byte] as number;
  // Byte 6 carries the version (4), byte 8 the variant (binary 10).
  const version = (byteAt(6) & 0x0f) | 0x40;
  const variant = (byteAt(8) & 0x3f) | 0x80;
  return String.fromCharCode(
    highDigit(byteAt(0)), lowDigit(byteAt(0)), highDigit(byteAt(1)), lowDigit(byteAt(1)),
    highDigit(byteAt(2)), lowDigit(byteAt(2)), highDigit(byteAt(3)), lowDigit(byteAt(3)), DASH,
    highDigit(byteAt(4)), lowDigit(byteAt(4)), highDigit(byteAt(5)), lowDigit(byteAt(5)), DASH,
    highDigit(version), lowDigit(version), highDigit(byteAt(7)), lowDigit(byteAt(7)), DASH,
    highDigit(variant), lowDigit(variant), highDigit(byteAt(9)), lowDigit(byteAt(9)), DASH,
    highDigit(byteAt(10)), lowDigit(byteAt(10)), highDigit(byteAt(11)), lowDigit(byteAt(11)),
    highDigit(byteAt(12)), lowDigit(byteAt(12)), highDigit(byteAt(13)), lowDigit(byteAt(13)),
    highDigit(byteAt(14)), lowDigit(byteAt(14)), highDigit(byteAt(15)), lowDigit(byteAt(15)),
  );
}

/** A request id in the shape DingTalk's gateway uses: an upper-case (version 4) UUID. */
export function newRequestId(random: RandomSource = systemRandom): string {
  if (!random.seeded) return pooledRequestId();
  const bytes = random.bytes('requestId', 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The access token of an app's token generation: 32 hex characters, like DingTalk's. It is
 * derived rather than stored so that asking again while a token is valid returns the same
 * token, while the store keeps only its hash. `appSalt` (the app's salted secret hash) differs
 * for every app ever created, so an app made again after a reset, whose generations start over,
 * never gets back a token issued before.
 */
export function deriveAccessToken(tokenKey: Buffer, appKey: string, appSalt: string, generation: number): string {
  return createHmac('sha256', tokenKey).update(`${appKey}\u0000${appSalt}\u0000${generation}`).digest('hex').slice(0, 32);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

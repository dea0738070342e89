/** Identifiers dingread makes: message keys, request ids and access tokens. */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { systemRandom, type RandomSource } from './random.js';

/**
 * A processQueryKey: 32 random bytes in standard base64 (44 characters ending in `=`), like
 * DingTalk's. Each key is drawn until it holds a `+`, so a client that forgets to URL-encode it
 * in the readStatus query string fails here on every message, as it would in production, and
 * not only on the half of the keys that happen to hold one.
 */
export function newProcessQueryKey(random: RandomSource = systemRandom): string {
  for (;;) {
    const key = random.bytes('processQueryKey', 32).toString('base64');
    if (key.includes('+')) return key;
  }
}

/** A request id in the shape DingTalk's gateway uses: an upper-case (version 4) UUID. */
export function newRequestId(random: RandomSource = systemRandom): string {
  // Unseeded, randomUUID draws from a cached pool of entropy: no system call per request.
  if (!random.seeded) return randomUUID().toUpperCase();
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

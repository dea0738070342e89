/** Identifiers dingread makes: message keys, request ids and access tokens. */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';

/**
 * A processQueryKey: 32 random bytes in standard base64 (44 characters ending in `=`), like
 * DingTalk's. Each key is drawn until it holds a `+`, so a client that forgets to URL-encode it
 * in the readStatus query string fails here on every message, as it would in production, and
 * not only on the half of the keys that happen to hold one.
 */
export function newProcessQueryKey(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const key = random(32).toString('base64');
    if (key.includes('+')) return key;
  }
}

/** A request id in the shape DingTalk's gateway uses: an upper-case UUID. */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
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

/** App secrets are kept only as salted scrypt hashes: `scrypt$<salt b64>$<hash b64>`. */
import { scryptSync, timingSafeEqual } from 'node:crypto';
import { systemRandom, type RandomSource } from './random.js';

// Cost 2^12 (about 13 ms on this project's 2-core machines): a stolen store does not give up
// weak secrets cheaply, while a test suite that loads fixtures with many apps, and verifies a
// secret on each token request, does not slow down noticeably.
const COST = 1 << 12;
const KEY_LENGTH = 32;

export function hashSecret(secret: string, random: RandomSource = systemRandom): string {
  const salt = random.bytes('secretSalt', 16);
  const hash = scryptSync(secret, salt, KEY_LENGTH, { N: COST });
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifySecret(secret: string, stored: string): boolean {
  const [scheme, saltB64, hashB64] = stored.split('$');
  if (scheme !== 'scrypt' || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = scryptSync(secret, Buffer.from(saltB64, 'base64'), expected.length, { N: COST });
  return timingSafeEqual(actual, expected);
}

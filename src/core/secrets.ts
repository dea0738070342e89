/** App secrets are kept only as salted scrypt hashes: `scrypt$<salt b64>$<hash b64>`. */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

// Cost 2^14 (about 15 ms here): a stolen store does not give up weak secrets cheaply, and a
// token request, which happens once per app per two hours, does not notice it.
const COST = 1 << 14;
const KEY_LENGTH = 32;

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
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

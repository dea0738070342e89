/**
 * Where dingread's random bytes come from. Without a seed, the system's CSPRNG. With `--seed N`,
 * a deterministic generator (SHA-256 in counter mode over the seed), so that processQueryKeys,
 * access tokens, request ids and cursors come out the same run to run, for snapshot tests and
 * reproducible bug reports. Each purpose draws from its own stream, so an extra health check or
 * admin call (one more request id) does not shift the message keys that follow.
 */
import { createHash, randomBytes } from 'node:crypto';

export type RandomPurpose =
  | 'processQueryKey'
  | 'requestId'
  | 'secretSalt'
  | 'cursor'
  | 'fault'
  | 'suiteTicket'
  /** Stream mode's tickets, connection and message ids, user msgIds, session webhooks. */
  | 'stream'
  /** Media ids and download codes (core/media.ts). */
  | 'media';

export interface RandomSource {
  /** True when seeded: the bytes are reproducible and must not protect anything real. */
  readonly seeded: boolean;
  bytes(purpose: RandomPurpose, size: number): Buffer;
}

export const systemRandom: RandomSource = {
  seeded: false,
  bytes: (_purpose, size) => randomBytes(size),
};

/** A seed as the CLI takes it: a whole number or any string. */
export type Seed = number | string;

export function seededRandom(seed: Seed): RandomSource {
  const counters = new Map<RandomPurpose, number>();
  const root = createHash('sha256').update(`dingread/seed/v1\u0000${String(seed)}`).digest();
  return {
    seeded: true,
    bytes(purpose, size) {
      const chunks: Buffer[] = [];
      let length = 0;
      while (length < size) {
        const counter = counters.get(purpose) ?? 0;
        counters.set(purpose, counter + 1);
        const block = createHash('sha256').update(root).update(`\u0000${purpose}\u0000${counter}`).digest();
        chunks.push(block);
        length += block.length;
      }
      return Buffer.concat(chunks).subarray(0, size);
    },
  };
}

/** The server secret a seeded server uses instead of the store's, so tokens and cursors repeat too. */
export function seededServerSecret(seed: Seed): Buffer {
  return createHash('sha256').update(`dingread/seed/server-secret/v1\u0000${String(seed)}`).digest();
}

/** What every core service works with: the store, the clock, the keys and the server options. */
import { hkdfSync } from 'node:crypto';
import { Clock } from './clock.js';
import { CursorCodec } from './cursor.js';
import { seededRandom, seededServerSecret, systemRandom, type RandomSource, type Seed } from './random.js';
import { EventBus, relayEvents } from './events.js';
import type { Store } from './store.js';

export interface CoreOptions {
  /** Access-token lifetime, in seconds (DingTalk: 7200). */
  tokenTtlSeconds: number;
  /** How long a message can be queried and recalled after it was sent (DingTalk: 24 hours). */
  queryWindowMs: number;
  /** Whether READ entries of oto readStatus carry `readTimestamp` (DingTalk documents it as unsupported). */
  readTimestamp: boolean;
  /** How long a new message stays PROCESSING before it is delivered (0: at once). */
  deliveryDelayMs: number;
}

export const DEFAULT_CORE_OPTIONS: CoreOptions = {
  tokenTtlSeconds: 7200,
  queryWindowMs: 24 * 60 * 60 * 1000,
  readTimestamp: true,
  deliveryDelayMs: 0,
};

export interface CoreContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly options: CoreOptions;
  readonly cursors: CursorCodec;
  /** Key from which access tokens are derived (core/ids.ts). */
  readonly tokenKey: Buffer;
  /** Random bytes for keys, ids and salts: the system's, or reproducible under a seed (core/random.ts). */
  readonly random: RandomSource;
  /** Successful writes, for the event stream and the dashboard (core/events.ts). */
  readonly events: EventBus;
}

export async function createCoreContext(
  store: Store,
  options: Partial<CoreOptions> = {},
  clock: Clock = new Clock(),
  seed?: Seed,
): Promise<CoreContext> {
  // A seeded server derives its secret from the seed, so that its tokens and cursors repeat run to
  // run; the store's own secret is left as it is for the next unseeded start.
  const secret = seed === undefined ? await store.serverSecret() : seededServerSecret(seed);
  const random = seed === undefined ? systemRandom : seededRandom(seed);
  const derive = (purpose: string): Buffer => Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), purpose, 32));
  const events = new EventBus();
  // Nodes sharing the store show each other's writes in their event streams.
  if (store.capabilities.sharedAcrossProcesses) relayEvents(events, store.bus);
  return {
    store,
    clock,
    options: { ...DEFAULT_CORE_OPTIONS, ...options },
    cursors: new CursorCodec(derive('dingread/cursor/v1'), random),
    tokenKey: derive('dingread/token/v1'),
    random,
    events,
  };
}

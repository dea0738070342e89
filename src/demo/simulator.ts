/**
 * Makes the demo look alive: now and then the demo robot posts (through the same services as the
 * DingTalk API), and its recipients read it over the following minutes (as the control plane
 * records reads). It touches only the messages it sends itself, so the two seeded demo messages
 * keep the reads the banner's curl commands promise.
 */
import type { CoreContext } from '../core/context.js';
import { recordReads } from '../core/reads.js';
import { sendGroup, sendOto } from '../core/sends.js';
import { authenticate, issueAccessToken } from '../core/tokens.js';
import { DEMO, DEMO_USER_IDS } from './demo-directory.js';

/** When the simulator's next steps run: real timers, or a test's hand. */
export interface Scheduler {
  /** Runs `step` once `ms` have passed; answers how to cancel it. */
  after(ms: number, step: () => void): () => void;
}

/** Real timers that never keep the process alive on their own. */
export const realTimers: Scheduler = {
  after(ms, step) {
    const timer = setTimeout(step, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface SimulatorOptions {
  /** Default: real timers. Tests pass one they step through, instead of waiting. */
  scheduler?: Scheduler;
  /** Default Math.random; tests may pass a seeded one. */
  random?: () => number;
  /** Called when a step fails (the demo directory was reset away, the store closed). */
  onError?: (error: unknown) => void;
}

export interface Simulator {
  stop(): void;
}

/** The first post comes this long after start, so that a fresh server answers as its banner says. */
const FIRST_POST_MS = 20_000;
const POST_EVERY_MS = { min: 30_000, max: 75_000 };
/** Most recipients read within a few minutes; a few never do. */
const READ_WITHIN_MS = 4 * 60_000;
const READ_SHARE = 0.85;

const LINES = [
  'Standup in 5 minutes, room 3.',
  'The build is green again.',
  'Lunch order closes at 11:30.',
  'Reminder: submit your expense reports by Friday.',
  'Release 2.4 is rolling out to production.',
  'The coffee machine on floor 2 is fixed.',
];

export function startDemoSimulator(ctx: CoreContext, options: SimulatorOptions = {}): Simulator {
  const scheduler = options.scheduler ?? realTimers;
  const random = options.random ?? Math.random;
  const pending = new Set<() => void>();
  let stopped = false;
  let posts = 0;

  const later = (ms: number, step: () => Promise<void>): void => {
    if (stopped) return;
    const cancel = scheduler.after(ms, () => {
      pending.delete(cancel);
      if (stopped) return;
      step().catch((error: unknown) => options.onError?.(error));
    });
    pending.add(cancel);
  };
  const between = (min: number, max: number): number => min + random() * (max - min);

  async function post(): Promise<void> {
    later(between(POST_EVERY_MS.min, POST_EVERY_MS.max), post);
    const { accessToken } = await issueAccessToken(ctx, DEMO.appKey, DEMO.appSecret);
    const caller = await authenticate(ctx, accessToken);
    const content = LINES[posts % LINES.length] as string;
    posts += 1;
    let processQueryKey: string;
    let recipients: string[];
    if (posts % 3 === 0) {
      recipients = DEMO_USER_IDS.filter(() => random() < 0.1).slice(0, 20);
      if (recipients.length === 0) recipients = [DEMO_USER_IDS[0] as string];
      ({ processQueryKey } = await sendOto(ctx, caller, {
        robotCode: DEMO.robotCode,
        userIds: recipients,
        msgKey: 'sampleText',
        msgParam: JSON.stringify({ content }),
      }));
    } else {
      recipients = DEMO_USER_IDS;
      ({ processQueryKey } = await sendGroup(ctx, caller, {
        robotCode: DEMO.robotCode,
        openConversationId: DEMO.groupId,
        msgKey: 'sampleText',
        msgParam: JSON.stringify({ content }),
      }));
    }
    for (const userId of recipients) {
      if (random() > READ_SHARE) continue;
      // Squaring bunches the reads early, as people glance at a new message soon or much later.
      const delay = 2_000 + random() ** 2 * READ_WITHIN_MS;
      later(delay, async () => {
        await recordReads(ctx, [{ processQueryKey, userId }]);
      });
    }
  }

  later(FIRST_POST_MS, post);
  return {
    stop() {
      stopped = true;
      for (const cancel of pending) cancel();
      pending.clear();
    },
  };
}

/**
 * The traffic the reliability scripts drive over real HTTP, and the ledger of what the server
 * acknowledged, so that a restarted server can be checked against it (docs/RELIABILITY.md).
 *
 * Every send goes to a fixed set of recipients (a group of GROUP_SIZE members, or OTO_SIZE users),
 * and every message gets at most one batch of reads, covering all its recipients. That makes a
 * half-applied write visible: a message with fewer recipients than its kind has, or with a read
 * count other than 0 or all of them, was half-applied.
 */
import http from 'node:http';

export const CORP = 'dingrel';
export const APP = { appKey: 'dingrelapp', appSecret: 'rel-secret' };
export const ROBOT = 'dingrelbot';
export const GROUP = 'cidRelGroup==';
export const GROUP_SIZE = 5;
export const OTO_SIZE = 3;
const USERS = Array.from({ length: 20 }, (_, i) => `r${String(i + 1).padStart(3, '0')}`);

export function directory(): unknown {
  return {
    orgs: [
      {
        corpId: CORP,
        apps: [APP],
        users: USERS.map((userId) => ({ userId })),
        robots: [{ robotCode: ROBOT }],
        conversations: [
          { openConversationId: GROUP, type: 'group', members: USERS.slice(0, GROUP_SIZE), robots: [ROBOT] },
        ],
      },
    ],
  };
}

export interface SentMessage {
  processQueryKey: string;
  kind: 'group' | 'oto';
  recipients: string[];
}

export type Outcome =
  /** A complete 2xx answer: the server acknowledged the write. */
  | { kind: 'ack'; status: number; body: unknown }
  /** A complete error answer in the envelope (its code). */
  | { kind: 'error'; status: number; code: string; body: unknown }
  /** The connection failed or closed before a complete answer. */
  | { kind: 'no-answer'; reason: string };

/** What the server acknowledged, and what was in flight without an answer. */
/**
 * When a round strikes (SIGKILL, SIGTERM): after a random stretch of time, or once a random number
 * of further writes has been acknowledged. The second is what the test suite uses: it exercises the
 * same amount of work on a busy machine as on an idle one, where a stretch of time would not.
 */
export type StrikePoint = { afterMs: { min: number; max: number } } | { afterWrites: { min: number; max: number } };

/** How long a round may go without reaching its strike point before the run gives up (a hang). */
const STRIKE_GUARD_MS = 120_000;

export async function awaitStrike(point: StrikePoint, ledger: Ledger, random: () => number): Promise<void> {
  if ('afterMs' in point) {
    const { min, max } = point.afterMs;
    await new Promise((resolve) => setTimeout(resolve, min + random() * (max - min)));
    return;
  }
  const { min, max } = point.afterWrites;
  const target = ledger.sends.length + ledger.readBatches.length + min + Math.floor(random() * (max - min + 1));
  const giveUpAt = Date.now() + STRIKE_GUARD_MS;
  while (ledger.sends.length + ledger.readBatches.length < target) {
    if (Date.now() > giveUpAt) throw new Error(`no ${target}th acknowledged write within ${STRIKE_GUARD_MS} ms: the load is stuck`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export class Ledger {
  readonly sends: SentMessage[] = [];
  readonly readBatches: SentMessage[] = [];
  /**
   * With a bound, only the latest `keep` sends and read batches are remembered: a long run that
   * verifies nothing afterwards (the soak) then queries recent messages, as bots do (DingTalk
   * answers queries for a day), and its own memory stays flat instead of slowing it down.
   */
  constructor(readonly keep = Infinity) {}

  remember(list: SentMessage[], message: SentMessage): void {
    list.push(message);
    // Trimmed in chunks: shifting one off a long array at every push would cost more than the call.
    if (list.length > this.keep * 1.5) list.splice(0, list.length - this.keep);
  }

  /** Reads batches that got no answer: each must be wholly applied or not at all. */
  readonly unansweredReads: SentMessage[] = [];
  /** Messages acknowledged and not yet given their batch of reads (the latest `keep`, with a bound). */
  readonly unread: SentMessage[] = [];
  failures: string[] = [];
}

/** HTTP to one server, keep-alive, no retries. */
export class Client {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly host: string;
  private readonly port: number;
  token = '';

  constructor(readonly url: string) {
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port);
  }

  /** One request; any failure before the whole answer arrived is a `no-answer` with its reason. */
  private request(method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.host, port: this.port, method, path, headers, agent: this.agent, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (!res.complete) reject(new Error('answer cut off'));
          else resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        // Once the head has arrived, any failure means a half-written answer.
        res.on('error', () => reject(new Error('answer cut off')));
        res.on('aborted', () => reject(new Error('answer cut off')));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Outcome> {
    const all: Record<string, string> = { ...headers };
    if (body !== undefined) all['content-type'] = 'application/json';
    if (path.startsWith('/v1.0/robot')) all['x-acs-dingtalk-access-token'] = this.token;
    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.request(method, path, all, body === undefined ? undefined : JSON.stringify(body)));
    } catch (error) {
      return { kind: 'no-answer', reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { kind: 'error', status, code: `not JSON: ${text.slice(0, 120)}`, body: text };
    }
    if (status >= 200 && status < 300) return { kind: 'ack', status, body: parsed };
    const code = (parsed as { code?: unknown }).code;
    return { kind: 'error', status, code: typeof code === 'string' ? code : `no code: ${text.slice(0, 120)}`, body: parsed };
  }

  async must(method: string, path: string, body?: unknown): Promise<any> {
    const outcome = await this.call(method, path, body);
    if (outcome.kind !== 'ack') throw new Error(`${method} ${path}: ${JSON.stringify(outcome)}`);
    return outcome.body;
  }

  async login(): Promise<void> {
    this.token = (await this.must('POST', '/v1.0/oauth2/accessToken', APP)).accessToken as string;
  }

  close(): void {
    this.agent.destroy();
  }
}

let counter = 0;
const text = (): { msgKey: string; msgParam: string } => ({ msgKey: 'sampleText', msgParam: JSON.stringify({ content: `m${counter++}` }) });

/** One send: a group message or an oto message to OTO_SIZE users. */
export async function send(client: Client, ledger: Ledger, random: () => number): Promise<Outcome> {
  if (random() < 0.5) {
    const outcome = await client.call('POST', '/v1.0/robot/groupMessages/send', { robotCode: ROBOT, openConversationId: GROUP, ...text() });
    if (outcome.kind === 'ack') {
      const message: SentMessage = { processQueryKey: (outcome.body as { processQueryKey: string }).processQueryKey, kind: 'group', recipients: USERS.slice(0, GROUP_SIZE) };
      ledger.remember(ledger.sends, message);
      ledger.remember(ledger.unread, message);
    }
    return outcome;
  }
  const start = Math.floor(random() * (USERS.length - OTO_SIZE));
  const userIds = USERS.slice(start, start + OTO_SIZE);
  const outcome = await client.call('POST', '/v1.0/robot/oToMessages/batchSend', { robotCode: ROBOT, userIds, ...text() });
  if (outcome.kind === 'ack') {
    const message: SentMessage = { processQueryKey: (outcome.body as { processQueryKey: string }).processQueryKey, kind: 'oto', recipients: userIds };
    ledger.remember(ledger.sends, message);
    ledger.remember(ledger.unread, message);
  }
  return outcome;
}

/** One batch of reads: every recipient of one acknowledged message that has had none. */
export async function readBatch(client: Client, ledger: Ledger): Promise<Outcome | undefined> {
  const message = ledger.unread.shift();
  if (!message) return undefined;
  const reads = message.recipients.map((userId) => ({ processQueryKey: message.processQueryKey, userId }));
  const outcome = await client.call('POST', '/_dingread/v1/reads', { reads });
  if (outcome.kind === 'ack') {
    const accepted = (outcome.body as { accepted: number }).accepted;
    if (accepted !== reads.length) ledger.failures.push(`reads of ${message.processQueryKey}: accepted ${accepted} of ${reads.length}`);
    ledger.remember(ledger.readBatches, message);
  } else {
    ledger.unansweredReads.push(message);
  }
  return outcome;
}

/** One query of a message whose reads were acknowledged. */
export async function query(client: Client, ledger: Ledger, random: () => number): Promise<Outcome | undefined> {
  const message = ledger.readBatches[Math.floor(random() * ledger.readBatches.length)];
  if (!message) return undefined;
  if (message.kind === 'group') {
    return client.call('POST', '/v1.0/robot/groupMessages/query', {
      robotCode: ROBOT,
      openConversationId: GROUP,
      processQueryKey: message.processQueryKey,
      maxResults: 20,
    });
  }
  const params = new URLSearchParams({ robotCode: ROBOT, processQueryKey: message.processQueryKey });
  return client.call('GET', `/v1.0/robot/oToMessages/readStatus?${params.toString()}`);
}

/** A small deterministic generator, so a failing run can be repeated with its seed. */
export function randomFrom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/**
 * Checks a (restarted) server against the ledger: every acknowledged send is there with all its
 * recipients, every acknowledged batch of reads is wholly there, every message in the store is
 * whole (all its recipients; none or all of them read). Answers the problems found.
 */
export async function verify(client: Client, ledger: Ledger): Promise<{ problems: string[]; messages: number; reads: number }> {
  const problems: string[] = [...ledger.failures];
  const byKey = new Map<string, { recipientCount: number; readCount: number; kind: string }>();
  let cursor: string | undefined;
  do {
    const page = await client.must('GET', `/_dingread/v1/messages?limit=500&corpId=${CORP}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const item of page.items as Array<{ processQueryKey: string; recipientCount: number; readCount: number; kind: string }>) {
      byKey.set(item.processQueryKey, item);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  let reads = 0;
  for (const [key, message] of byKey) {
    const expected = message.kind === 'group' ? GROUP_SIZE : OTO_SIZE;
    if (message.recipientCount !== expected) problems.push(`${key}: ${message.recipientCount} recipients, a ${message.kind} send has ${expected}`);
    if (message.readCount !== 0 && message.readCount !== message.recipientCount) {
      problems.push(`${key}: ${message.readCount} of ${message.recipientCount} read: a batch was half-applied`);
    }
    reads += message.readCount;
  }
  for (const sent of ledger.sends) {
    if (!byKey.has(sent.processQueryKey)) problems.push(`acknowledged send ${sent.processQueryKey} is lost`);
  }
  for (const batch of ledger.readBatches) {
    const found = byKey.get(batch.processQueryKey);
    if (found && found.readCount !== batch.recipients.length) {
      problems.push(`acknowledged reads of ${batch.processQueryKey}: ${found.readCount} of ${batch.recipients.length} there`);
    }
  }
  // A batch that got no answer may be applied or not, but never in part (checked above); the
  // message may come back for another try.
  for (const batch of ledger.unansweredReads.splice(0)) {
    const found = byKey.get(batch.processQueryKey);
    if (found && found.readCount === 0) ledger.unread.push(batch);
    else if (found) ledger.readBatches.push(batch);
  }
  return { problems, messages: byKey.size, reads };
}

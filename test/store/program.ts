/**
 * Random programs of store operations, for the property tests: an arbitrary (fast-check) that
 * draws a sequence of sends, reads, opens, recalls, membership changes and reader-page walks; an
 * executor that runs one against a Store and records everything observable; and a reference model,
 * a few lines of plain code over maps, that says what the model-comparable part should be.
 *
 * The user ids deliberately hold characters whose UTF-16 order differs from their code-point
 * order ('😀' sorts before '～' in UTF-16, after it in code points), and ids that differ only in
 * case, so that the order of reader pages is really checked.
 */
import { fc } from '../helpers/property.js';
import type { ChatRef, MessageRecord, NewMessage, OrgPlan, ReadsOutcome, Store } from '../../src/core/store.js';
import { readerIdsOf, recipientsOf as storedRecipients } from '../helpers/store-records.js';

export const PROGRAM_USERS = ['a', 'b', 'B', 'u1', 'u10', 'u2', 'é', '\uff5e', '😀', 'z'] as const;
const ROBOTS = ['progbot1', 'progbot2'] as const;
/** Two groups whose membership the program changes, and one private chat (fixed members). */
const CONVERSATIONS = [
  { id: 'cidProgA==', type: 'group', initial: [0, 2, 4, 6, 7, 8] },
  { id: 'cidProgB==', type: 'group', initial: [1, 3, 5, 7, 8, 9] },
  { id: 'cidProgPair==', type: 'privateChat', initial: [0, 7] },
] as const;
const CORP = 'dingprogcorp';
const APP = 'dingprogapp';

export function programName(userId: string): string {
  return `Name of ${userId}`;
}

/** Ascending in UTF-8 byte order, which is code-point order: the order the Store contract sorts userIds in. */
export function byCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function plan(members?: { conv: number; userIds: string[] }): OrgPlan[] {
  return [
    {
      corpId: CORP,
      name: 'Program corp',
      apps: [{ appKey: APP, secretHash: 'not-a-real-hash', scopes: ['qyapi_robot_sendmsg'] }],
      users: PROGRAM_USERS.map((userId) => ({ userId, name: programName(userId) })),
      robots: ROBOTS.map((robotCode) => ({
        robotCode,
        name: robotCode,
        status: 'active' as const,
        templateStatus: 'active' as const,
        ownerAppKey: null,
      })),
      conversations: CONVERSATIONS.map((conversation, index) => ({
        openConversationId: conversation.id,
        type: conversation.type,
        title: null,
        coolAppCode: conversation.type === 'privateChat' ? 'COOL-PROG' : null,
        members:
          members === undefined
            ? conversation.initial.map((u) => PROGRAM_USERS[u] as string)
            : members.conv === index
              ? members.userIds
              : undefined,
        robots: members === undefined ? (conversation.type === 'group' ? [...ROBOTS] : []) : undefined,
      })),
    },
  ];
}

export type Op =
  | { op: 'sendChat'; conv: number; robot: number }
  | { op: 'sendOto'; robot: number; users: number[] }
  | { op: 'reads'; items: Array<{ msg: number; user: number; at: number; unknown: boolean }> }
  | { op: 'openConv'; conv: number; user: number; at: number }
  | { op: 'openRobot'; robot: number; user: number; at: number }
  | { op: 'recall'; msg: number; at: number }
  | { op: 'members'; conv: number; users: number[] }
  | { op: 'walk'; msg: number; pageSize: number };

const user = fc.nat(PROGRAM_USERS.length - 1);
const at = fc.integer({ min: 1, max: 1_000_000 });
const msg = fc.nat(1000);

export const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('sendChat' as const), conv: fc.nat(CONVERSATIONS.length - 1), robot: fc.nat(1) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('sendOto' as const), robot: fc.nat(1), users: fc.uniqueArray(user, { minLength: 1, maxLength: 5 }) }), weight: 3 },
  {
    arbitrary: fc.record({
      op: fc.constant('reads' as const),
      items: fc.array(fc.record({ msg, user, at, unknown: fc.nat(9).map((n) => n === 0) }), { minLength: 1, maxLength: 6 }),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ op: fc.constant('openConv' as const), conv: fc.nat(CONVERSATIONS.length - 1), user, at }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('openRobot' as const), robot: fc.nat(1), user, at }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('recall' as const), msg, at }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('members' as const), conv: fc.nat(1), users: fc.uniqueArray(user, { maxLength: PROGRAM_USERS.length }) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('walk' as const), msg, pageSize: fc.integer({ min: 1, max: 4 }) }), weight: 2 },
);

export const programArbitrary: fc.Arbitrary<Op[]> = fc.array(opArbitrary, { minLength: 1, maxLength: 40 });

/** What the reference model can predict, op by op, then a final look at every message. */
export interface Observed {
  steps: unknown[];
  final: Array<{ key: string; recipientCount: number; pages: string[][]; count: number; recipients: Array<[string, string, number | null]> }>;
}

/** Everything else a store lets one see, for comparing two stores with each other. */
export interface Trace {
  observed: Observed;
  messages: MessageRecord[];
  listing: MessageRecord[];
  directory: unknown;
}

function keyOf(index: number): string {
  // Shaped like a real processQueryKey: base64 with + / and =.
  return `k+${index}/prog=`;
}

/** Walks every page of readers of `message`, `pageSize` at a time. */
export async function walkReaders(store: Store, message: MessageRecord, pageSize: number): Promise<string[][]> {
  const pages: string[][] = [];
  let after = '';
  for (;;) {
    const page = await readerIdsOf(store, message, after, pageSize);
    pages.push(page);
    if (page.length < pageSize) return pages;
    after = page[page.length - 1] as string;
    if (pages.length > 100) throw new Error('reader walk does not end');
  }
}

export async function runProgram(store: Store, ops: Op[]): Promise<Trace> {
  await store.applyFixture(plan());
  const org = await store.findOrg(CORP);
  const app = await store.findApp(APP);
  if (!org || !app) throw new Error('program directory missing');
  const robotIds: number[] = [];
  for (const code of ROBOTS) robotIds.push(((await store.findRobot(code)) as { id: number }).id);
  const convIds: number[] = [];
  for (const c of CONVERSATIONS) convIds.push(((await store.findConversation(c.id)) as { id: number }).id);
  const keys: string[] = [];
  const steps: unknown[] = [];
  const fresh = async (key: string): Promise<MessageRecord> => {
    const found = await store.findMessage(key);
    if (!found) throw new Error(`message ${key} not found`);
    return found;
  };

  for (const op of ops) {
    switch (op.op) {
      case 'sendChat':
      case 'sendOto': {
        const key = keyOf(keys.length);
        const chat = op.op === 'sendChat';
        const message: NewMessage = {
          processQueryKey: key,
          kind: chat ? (CONVERSATIONS[op.conv]?.type ?? 'group') : 'oto',
          orgId: org.id,
          appId: app.id,
          robotId: robotIds[op.robot] as number,
          conversationId: chat ? (convIds[op.conv] as number) : null,
          msgKey: 'sampleText',
          msgParam: JSON.stringify({ content: key }),
          sentAt: keys.length,
          deliveredAt: keys.length,
        };
        if (!chat) message.recipients = op.users.map((u) => PROGRAM_USERS[u] as string);
        const record = await store.insertMessage(message);
        keys.push(key);
        steps.push({ sent: record.kind, recipientCount: record.recipientCount });
        break;
      }
      case 'reads': {
        const reads = op.items.map((item) => ({
          processQueryKey: item.unknown || keys.length === 0 ? 'no-such-key' : (keys[item.msg % keys.length] as string),
          userId: PROGRAM_USERS[item.user] as string,
          readAt: item.at,
        }));
        const outcome: ReadsOutcome = await store.recordReads(reads);
        steps.push(outcome);
        break;
      }
      case 'openConv':
      case 'openRobot': {
        const chat: ChatRef =
          op.op === 'openConv'
            ? { kind: 'conversation', conversationId: convIds[op.conv] as number }
            : { kind: 'robot', robotId: robotIds[op.robot] as number };
        steps.push({ marked: await store.openChat(org.id, chat, PROGRAM_USERS[op.user] as string, op.at) });
        break;
      }
      case 'recall': {
        if (keys.length === 0) break;
        const message = await fresh(keys[op.msg % keys.length] as string);
        await store.recallMessage(message, op.at);
        break;
      }
      case 'members': {
        const userIds = op.users.map((u) => PROGRAM_USERS[u] as string);
        await store.applyFixture(plan({ conv: op.conv, userIds }));
        break;
      }
      case 'walk': {
        if (keys.length === 0) break;
        const message = await fresh(keys[op.msg % keys.length] as string);
        // Every kind of answer mid-program, so that one remembered from before a write shows.
        steps.push({
          recalled: message.recalledAt !== null,
          pages: await walkReaders(store, message, op.pageSize),
          count: await store.countReaders(message),
          recipients: (await storedRecipients(store, message)).map((r) => [r.userId, r.name, r.readAt]),
        });
        break;
      }
    }
  }

  const final: Observed['final'] = [];
  const messages: MessageRecord[] = [];
  for (const key of keys) {
    const message = await fresh(key);
    messages.push(message);
    final.push({
      key,
      recipientCount: message.recipientCount,
      pages: await walkReaders(store, message, 3),
      count: await store.countReaders(message),
      recipients: (await storedRecipients(store, message)).map((r) => [r.userId, r.name, r.readAt]),
    });
  }
  const listing = await store.listMessages({}, 1000);
  return { observed: { steps, final }, messages, listing, directory: await store.dumpDirectory() };
}

// ------------------------------------------------------------------ the reference model

interface ModelMessage {
  key: string;
  conv: number | null;
  robot: number;
  /** In the order recipientReads gives them: send order for oto, userId order otherwise. */
  recipients: string[];
  recalled: boolean;
  readAt: Map<string, number>;
}

function pagesOf(readers: string[], pageSize: number): string[][] {
  const pages: string[][] = [];
  for (let i = 0; i < readers.length; i += pageSize) pages.push(readers.slice(i, i + pageSize));
  // The walk stops at the first page shorter than pageSize, which may be an empty one.
  if (readers.length % pageSize === 0) pages.push([]);
  return pages;
}

/** Who has read, and when, by nothing more than "the first read or covering open counts". */
function recipientsOf(m: ModelMessage): Array<[string, string, number | null]> {
  return m.recipients.map((userId) => [userId, programName(userId), m.readAt.get(userId) ?? null]);
}

export function runModel(ops: Op[]): Observed {
  const members = CONVERSATIONS.map((c) => new Set<string>(c.initial.map((u) => PROGRAM_USERS[u] as string)));
  const messages: ModelMessage[] = [];
  const steps: unknown[] = [];
  const readers = (m: ModelMessage): string[] => [...m.readAt.keys()].sort(byCodePoints);

  const open = (user: string, at: number, covers: (m: ModelMessage) => boolean): number => {
    let marked = 0;
    for (const m of messages) {
      if (!covers(m) || m.recalled || !m.recipients.includes(user) || m.readAt.has(user)) continue;
      m.readAt.set(user, at);
      marked++;
    }
    return marked;
  };

  for (const op of ops) {
    switch (op.op) {
      case 'sendChat': {
        const recipients = [...(members[op.conv] as Set<string>)].sort(byCodePoints);
        messages.push({ key: keyOf(messages.length), conv: op.conv, robot: op.robot, recipients, recalled: false, readAt: new Map() });
        steps.push({ sent: CONVERSATIONS[op.conv]?.type, recipientCount: recipients.length });
        break;
      }
      case 'sendOto': {
        const recipients = op.users.map((u) => PROGRAM_USERS[u] as string);
        messages.push({ key: keyOf(messages.length), conv: null, robot: op.robot, recipients, recalled: false, readAt: new Map() });
        steps.push({ sent: 'oto', recipientCount: recipients.length });
        break;
      }
      case 'reads': {
        const outcome: ReadsOutcome = { accepted: 0, ignored: [] };
        op.items.forEach((item, index) => {
          const m = item.unknown || messages.length === 0 ? undefined : messages[item.msg % messages.length];
          const userId = PROGRAM_USERS[item.user] as string;
          if (!m) return void outcome.ignored.push({ index, reason: 'message.notFound' });
          if (m.recalled) return void outcome.ignored.push({ index, reason: 'message.recalled' });
          if (!m.recipients.includes(userId)) return void outcome.ignored.push({ index, reason: 'user.notRecipient' });
          outcome.accepted++;
          if (!m.readAt.has(userId)) m.readAt.set(userId, item.at);
        });
        steps.push(outcome);
        break;
      }
      case 'openConv':
        steps.push({ marked: open(PROGRAM_USERS[op.user] as string, op.at, (m) => m.conv === op.conv) });
        break;
      case 'openRobot':
        steps.push({ marked: open(PROGRAM_USERS[op.user] as string, op.at, (m) => m.conv === null && m.robot === op.robot) });
        break;
      case 'recall': {
        const m = messages[op.msg % Math.max(messages.length, 1)];
        if (m) m.recalled = true;
        break;
      }
      case 'members':
        members[op.conv] = new Set(op.users.map((u) => PROGRAM_USERS[u] as string));
        break;
      case 'walk': {
        const m = messages[op.msg % Math.max(messages.length, 1)];
        if (m) {
          steps.push({
            recalled: m.recalled,
            pages: pagesOf(readers(m), op.pageSize),
            count: m.readAt.size,
            recipients: recipientsOf(m),
          });
        }
        break;
      }
    }
  }

  return {
    steps,
    final: messages.map((m) => ({
      key: m.key,
      recipientCount: m.recipients.length,
      pages: pagesOf(readers(m), 3),
      count: m.readAt.size,
      recipients: recipientsOf(m),
    })),
  };
}

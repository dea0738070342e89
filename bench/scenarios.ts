/**
 * The benchmark scenarios. Each seeds a fresh server through its public APIs (control plane and
 * DingTalk API, as a user would) and returns the request to load it with.
 */
import { DingTalkClient } from '../src/client/index.js';
import type { FixtureDocument } from '../src/core/fixtures.js';
import { AdminClient } from '../src/testing/admin-client.js';
import type { LoadSpec } from './load.js';

export const BENCH = {
  corpId: 'dingbench',
  appKey: 'dingbenchapp',
  appSecret: 'bench-secret',
  robot: 'dingbenchbot',
  coolApp: 'COOLAPPBENCH',
} as const;

export const userId = (i: number): string => `u${String(i).padStart(6, '0')}`;
const users = (count: number): string[] => Array.from({ length: count }, (_, i) => userId(i + 1));

export interface Prepared {
  request: Omit<LoadSpec, 'url' | 'connections' | 'durationSec' | 'warmupSec'>;
  /** What one request stands for, when it is not one operation (1,000 reads a request). */
  perRequest?: { unit: string; count: number };
  /**
   * How many requests differ in what the scenario measures, the sample (request 0) included;
   * vary(n) gives request n + 1. Past that the load repeats them (an open of a chat already
   * opened), and the row no longer measures what its title says: run.ts marks it
   * (repeatedRequests).
   */
  distinct?: number;
}

export interface Scenario {
  id: string;
  title: string;
  /** The group or history size it varies, for the flatness comparisons. */
  size?: number;
  /** A request to DingTalk's API rather than dingread's control plane: a Prism mock can stand in for it. */
  dingtalk?: boolean;
  /** Also measured against the framework's floor (framework-floor-server.ts): the query targets. */
  floor?: boolean;
  prepare(url: string): Promise<Prepared>;
}

/** One org with `userCount` users, the bench app and robot, and groups of the given sizes. */
function directory(userCount: number, groups: Array<{ id: string; size: number }>): FixtureDocument {
  const all = users(userCount);
  return {
    orgs: [
      {
        corpId: BENCH.corpId,
        apps: [{ appKey: BENCH.appKey, appSecret: BENCH.appSecret }],
        users: all.map((id) => ({ userId: id })),
        robots: [{ robotCode: BENCH.robot }],
        conversations: groups.map((group) => ({
          openConversationId: group.id,
          type: 'group' as const,
          members: all.slice(0, group.size),
          robots: [BENCH.robot],
        })),
      },
    ],
  };
}

async function connect(url: string, fixture: FixtureDocument): Promise<{ admin: AdminClient; client: DingTalkClient; token: string }> {
  const admin = new AdminClient(url);
  await admin.applyFixture(fixture);
  const client = new DingTalkClient({ appKey: BENCH.appKey, appSecret: BENCH.appSecret, endpoint: url });
  const { accessToken } = await client.getAccessToken();
  return { admin, client, token: accessToken };
}

async function sendGroup(client: DingTalkClient, group: string, count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const sent = await client.orgGroupSend({
      robotCode: BENCH.robot,
      openConversationId: group,
      msgKey: 'sampleText',
      msgParam: { content: `message ${i}` },
    });
    keys.push(sent.processQueryKey);
  }
  return keys;
}

/** Reads of `key` by the given users, in batches of 10,000 (the control plane's limit). */
async function readAll(admin: AdminClient, key: string, readers: string[]): Promise<void> {
  for (let i = 0; i < readers.length; i += 10_000) {
    await admin.reads(readers.slice(i, i + 10_000).map((id) => ({ processQueryKey: key, userId: id })));
  }
}

/** Scenarios 1 and 6: a page of 200 readers of a message in a 5,000-member group, half of whom read it. */
function groupQuery(historyFactor: number): Scenario {
  return {
    id: historyFactor === 1 ? 'group-query' : `group-query-history-${historyFactor}x`,
    title:
      historyFactor === 1
        ? 'groupMessages/query, page of 200, 5,000 members, half read'
        : `the same query with ${historyFactor}x the history in the store`,
    size: historyFactor,
    dingtalk: true,
    floor: historyFactor === 1,
    async prepare(url) {
      const group = 'cidBenchQuery==';
      const { admin, client, token } = await connect(url, directory(5000, [{ id: group, size: 5000 }]));
      const [key] = await sendGroup(client, group, 1);
      const readers = users(5000).filter((_, i) => i % 2 === 0);
      await readAll(admin, key as string, readers);
      // History: more messages in the same group, each read by the same half, plus chat opens.
      for (let h = 1; h < historyFactor; h++) {
        const [old] = await sendGroup(client, group, 1);
        await readAll(admin, old as string, readers);
      }
      return {
        request: {
          method: 'POST',
          path: '/v1.0/robot/groupMessages/query',
          headers: { 'x-acs-dingtalk-access-token': token },
          body: JSON.stringify({ openConversationId: group, robotCode: BENCH.robot, processQueryKey: key, maxResults: 200 }),
        },
      };
    },
  };
}

/** Scenario 2: readStatus of a one-on-one message to 20 people, 10 of whom read it. */
const otoQuery: Scenario = {
  id: 'oto-read-status',
  title: 'oToMessages/readStatus, 20 recipients, 10 read',
  dingtalk: true,
  floor: true,
  async prepare(url) {
    const { admin, client, token } = await connect(url, directory(20, []));
    const { processQueryKey } = await client.batchSendOTO({
      robotCode: BENCH.robot,
      userIds: users(20),
      msgKey: 'sampleText',
      msgParam: { content: 'hello' },
    });
    await readAll(admin, processQueryKey, users(10));
    const query = new URLSearchParams({ robotCode: BENCH.robot, processQueryKey });
    return {
      request: {
        method: 'GET',
        path: `/v1.0/robot/oToMessages/readStatus?${query}`,
        headers: { 'x-acs-dingtalk-access-token': token },
      },
    };
  },
};

/** A page of a person-to-person chat's readers: the chat of two, one of whom read the message. */
const privateChatQuery: Scenario = {
  id: 'private-chat-query',
  title: 'privateChatMessages/query, a chat of two, one read',
  dingtalk: true,
  async prepare(url) {
    const chat = 'cidBenchPair==';
    const fixture = directory(2, []);
    fixture.orgs[0]?.conversations?.push({ openConversationId: chat, type: 'private', members: users(2), coolAppCode: BENCH.coolApp });
    const { admin, client, token } = await connect(url, fixture);
    const { processQueryKey } = await client.privateChatSend({
      robotCode: BENCH.robot,
      openConversationId: chat,
      coolAppCode: BENCH.coolApp,
      msgKey: 'sampleText',
      msgParam: { content: 'hello' },
    });
    await readAll(admin, processQueryKey, users(1));
    return {
      request: {
        method: 'POST',
        path: '/v1.0/robot/privateChatMessages/query',
        headers: { 'x-acs-dingtalk-access-token': token },
        body: JSON.stringify({ openConversationId: chat, robotCode: BENCH.robot, processQueryKey, maxResults: 50 }),
      },
    };
  },
};

/** Chats the spread queries go round: each connection's calls go to every one of them in turn. */
const SPREAD_CHATS = 50;

/**
 * The group page again, each call about a message of another of 50 groups (400 members, half
 * read): what a node serving many chats meets, where no call shares another's work (on
 * PostgreSQL, its answer's stamp check).
 */
const groupQuerySpread: Scenario = {
  id: 'group-query-spread',
  title: `groupMessages/query, page of 200, each call another of ${SPREAD_CHATS} groups`,
  dingtalk: true,
  async prepare(url) {
    const groups = Array.from({ length: SPREAD_CHATS }, (_, i) => ({ id: `cidBenchSpread${i}==`, size: 400 }));
    const { admin, client, token } = await connect(url, directory(400, groups));
    const readers = users(400).filter((_, i) => i % 2 === 0);
    const bodies: string[] = [];
    for (const group of groups) {
      const [key] = await sendGroup(client, group.id, 1);
      await readAll(admin, key as string, readers);
      bodies.push(JSON.stringify({ openConversationId: group.id, robotCode: BENCH.robot, processQueryKey: key, maxResults: 200 }));
    }
    return {
      request: {
        method: 'POST',
        path: '/v1.0/robot/groupMessages/query',
        headers: { 'x-acs-dingtalk-access-token': token },
        body: bodies[0] as string,
        vary: (n) => ({ body: bodies[(n + 1) % bodies.length] as string }),
      },
    };
  },
};

/** readStatus again, each call about another of 50 one-on-one messages (20 recipients, 10 read). */
const otoQuerySpread: Scenario = {
  id: 'oto-read-status-spread',
  title: `oToMessages/readStatus, 20 recipients, each call another of ${SPREAD_CHATS} messages`,
  dingtalk: true,
  async prepare(url) {
    const { admin, client, token } = await connect(url, directory(20, []));
    const paths: string[] = [];
    for (let i = 0; i < SPREAD_CHATS; i++) {
      const { processQueryKey } = await client.batchSendOTO({
        robotCode: BENCH.robot,
        userIds: users(20),
        msgKey: 'sampleText',
        msgParam: { content: `hello ${i}` },
      });
      await readAll(admin, processQueryKey, users(10));
      paths.push(`/v1.0/robot/oToMessages/readStatus?${new URLSearchParams({ robotCode: BENCH.robot, processQueryKey })}`);
    }
    return {
      request: {
        method: 'GET',
        path: paths[0] as string,
        headers: { 'x-acs-dingtalk-access-token': token },
        vary: (n) => ({ path: paths[(n + 1) % paths.length] as string }),
      },
    };
  },
};

/** Scenario 3: read ingestion, 1,000 new reads a request (every request reads a message never read). */
const readIngestion: Scenario = {
  id: 'read-ingestion',
  title: 'read ingestion through /_dingread/v1/reads, batches of 1,000',
  async prepare(url) {
    const group = 'cidBenchReads==';
    const { client } = await connect(url, directory(1000, [{ id: group, size: 1000 }]));
    const keys = await sendGroup(client, group, 3000);
    const members = users(1000);
    const body = (n: number): string =>
      JSON.stringify({ reads: members.map((id) => ({ processQueryKey: keys[n % keys.length], userId: id })) });
    return {
      request: { method: 'POST', path: '/_dingread/v1/reads', body: body(0), vary: (n) => ({ body: body(n + 1) }) },
      perRequest: { unit: 'reads', count: 1000 },
      distinct: keys.length,
    };
  },
};

/** Scenario 4: a group send, whose cost must not grow with the group. */
function groupSend(size: number): Scenario {
  return {
    id: `group-send-${size}`,
    title: `groupMessages/send into a group of ${size.toLocaleString('en-US')}`,
    size,
    dingtalk: true,
    async prepare(url) {
      const group = `cidBenchSend${size}==`;
      const { token } = await connect(url, directory(size, [{ id: group, size }]));
      return {
        request: {
          method: 'POST',
          path: '/v1.0/robot/groupMessages/send',
          headers: { 'x-acs-dingtalk-access-token': token },
          body: JSON.stringify({
            openConversationId: group,
            robotCode: BENCH.robot,
            msgKey: 'sampleText',
            msgParam: JSON.stringify({ content: 'announcement' }),
          }),
        },
      };
    },
  };
}

/**
 * Chats of the open scenarios, and members in each: OPEN_CHATS × OPEN_MEMBERS first opens. The
 * scenario measures first opens (an open marks the chat read, so the same member opening it again
 * finds nothing unread and costs a half to a third as much). A server gets load for about 16 s
 * (the warm-up and five rounds); 400,000 first opens last that long at 24,000 a second, above the
 * fastest a first open ran at here (17,500 a second, ten unread). A faster server repeats requests,
 * and run.ts says so (`distinct`) instead of reporting re-opens as opens.
 */
const OPEN_CHATS = 8;
const OPEN_MEMBERS = 50_000;

/** The chats of the open scenario with `unread` unread messages. */
export function openChatIds(unread: number): string[] {
  return Array.from({ length: OPEN_CHATS }, (_, i) => `cidBenchOpen${unread}x${i}==`);
}

/** Open request `n` (from 0, the sample): the chats one after another, every member of one before the next's. */
export function openChatRequest(groups: string[], n: number): { path: string; body: string } {
  const chat = groups[Math.floor(n / OPEN_MEMBERS) % groups.length] as string;
  return { path: `/_dingread/v1/conversations/${encodeURIComponent(chat)}/read`, body: JSON.stringify({ userId: userId((n % OPEN_MEMBERS) + 1) }) };
}

/**
 * Whether a load repeated a scenario's requests: `highestVaried` is the highest n it called
 * `vary(n)` with, which sends request n + 1 (request 0 is the sample sent by hand).
 */
export function repeatedRequests(distinct: number, highestVaried: number): boolean {
  return highestVaried + 1 >= distinct;
}

/** Scenario 5: opening a chat with `unread` unread messages, each request a member who has not opened it. */
function openChat(unread: number): Scenario {
  return {
    id: `open-chat-${unread}`,
    title: `opening a chat with ${unread.toLocaleString('en-US')} unread messages`,
    size: unread,
    async prepare(url) {
      const groups = openChatIds(unread);
      const { client } = await connect(url, directory(OPEN_MEMBERS, groups.map((id) => ({ id, size: OPEN_MEMBERS }))));
      for (const group of groups) await sendGroup(client, group, unread);
      const first = openChatRequest(groups, 0);
      return {
        request: { method: 'POST', ...first, vary: (n) => openChatRequest(groups, n + 1) },
        distinct: OPEN_CHATS * OPEN_MEMBERS,
      };
    },
  };
}

export const SCENARIOS: Scenario[] = [
  groupQuery(1),
  otoQuery,
  privateChatQuery,
  readIngestion,
  groupSend(10),
  groupSend(1000),
  groupSend(10_000),
  openChat(10),
  openChat(1000),
  groupQuery(10),
  groupQuery(100),
  groupQuerySpread,
  otoQuerySpread,
];

/** The scenario of this id, for the scripts that measure one (`--scenario`). */
export function scenarioById(id: string | undefined): Scenario {
  const scenario = SCENARIOS.find((s) => s.id === id);
  if (!scenario) throw new Error(`no scenario ${id}; one of ${SCENARIOS.map((s) => s.id).join(', ')}`);
  return scenario;
}

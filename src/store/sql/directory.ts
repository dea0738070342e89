/** The directory's SQL rules: fixtures in and out, and the lookups of orgs, apps, users, robots and conversations. */
import type {
  AppRecord,
  ConversationRecord,
  DirectoryDump,
  OrgPlan,
  OrgRecord,
  RobotRecord,
  SuitePlan,
  UserRecord,
  WebhookRobotPlan,
  WebhookRobotRecord,
  WebhookRobotSummary,
} from '../../core/store.js';
import { authorizationAppKey } from '../../core/store.js';
import {
  OPEN_END,
  storedConversationType,
  toApp,
  toChatKind,
  toRobot,
  toSuite,
  type AppRow,
  type ConversationRow,
  type RobotRow,
  type SuiteRow,
} from './rows.js';
import { all, answersChanged, column, get, run, STORE_WIDE, type Work } from './unit.js';

export function* applyFixture(plans: OrgPlan[], suites: SuitePlan[]): Work<void> {
  // Names and members show in the answers.
  yield* answersChanged([{ chatKey: STORE_WIDE, stripe: 0 }]);
  for (const suite of suites) {
    yield* run(
      `INSERT INTO suites (suite_key, secret_hash, scopes, ticket_hash) VALUES (:suiteKey, :secretHash, :scopes, :ticketHash)
       ON CONFLICT (suite_key) DO UPDATE SET scopes = excluded.scopes,
         secret_hash = COALESCE(:newHash, suites.secret_hash), ticket_hash = COALESCE(:ticketHash, suites.ticket_hash)`,
      {
        suiteKey: suite.suiteKey,
        secretHash: suite.secretHash ?? '',
        newHash: suite.secretHash ?? null,
        scopes: JSON.stringify(suite.scopes),
        ticketHash: suite.ticketHash ?? null,
      },
    );
  }
  for (const plan of plans) {
    const org = (yield* get<{ id: number }>(
      `INSERT INTO orgs (corp_id, name) VALUES (:corpId, :name)
       ON CONFLICT (corp_id) DO UPDATE SET name = excluded.name RETURNING id`,
      { corpId: plan.corpId, name: plan.name },
    )) as { id: number };
    for (const app of plan.apps) {
      yield* run(
        `INSERT INTO apps (org_id, app_key, secret_hash, scopes) VALUES (:orgId, :appKey, :secretHash, :scopes)
         ON CONFLICT (app_key) DO UPDATE SET scopes = excluded.scopes,
           secret_hash = COALESCE(:newHash, apps.secret_hash)`,
        {
          orgId: org.id,
          appKey: app.appKey,
          secretHash: app.secretHash ?? '',
          newHash: app.secretHash ?? null,
          scopes: JSON.stringify(app.scopes),
        },
      );
    }
    for (const user of plan.users) {
      yield* run(
        `INSERT INTO users (org_id, user_id, name) VALUES (:orgId, :userId, :name)
         ON CONFLICT (org_id, user_id) DO UPDATE SET name = excluded.name`,
        { orgId: org.id, userId: user.userId, name: user.name },
      );
    }
    for (const robot of plan.robots) {
      yield* run(
        `INSERT INTO robots (org_id, robot_code, name, status, template_status, owner_app_key, owner_suite_key)
         VALUES (:orgId, :robotCode, :name, :status, :templateStatus, :ownerAppKey, :ownerSuiteKey)
         ON CONFLICT (robot_code) DO UPDATE SET name = excluded.name, status = excluded.status,
           template_status = excluded.template_status, owner_app_key = excluded.owner_app_key,
           owner_suite_key = excluded.owner_suite_key`,
        {
          orgId: org.id,
          robotCode: robot.robotCode,
          name: robot.name,
          status: robot.status,
          templateStatus: robot.templateStatus,
          ownerAppKey: robot.ownerAppKey,
          ownerSuiteKey: robot.ownerSuiteKey ?? null,
        },
      );
    }
    for (const suiteKey of plan.authorizations ?? []) yield* authorize(suiteKey, org.id, plan.corpId);
    for (const conversation of plan.conversations) {
      const row = (yield* get<{ id: number; member_version: number }>(
        `INSERT INTO conversations (org_id, open_conversation_id, type, title, cool_app_code)
         VALUES (:orgId, :openConversationId, :type, :title, :coolAppCode)
         ON CONFLICT (open_conversation_id) DO UPDATE SET title = excluded.title,
           cool_app_code = excluded.cool_app_code
         RETURNING id, member_version`,
        {
          orgId: org.id,
          openConversationId: conversation.openConversationId,
          type: storedConversationType(conversation.type),
          title: conversation.title,
          coolAppCode: conversation.coolAppCode,
        },
      )) as { id: number; member_version: number };
      if (conversation.members) yield* replaceMembers(row.id, row.member_version, conversation.members);
      if (conversation.webhookRobots) yield* replaceWebhookRobots(org.id, row.id, conversation.webhookRobots);
      if (conversation.robots) {
        yield* run(`DELETE FROM conversation_robots WHERE conversation_id = :id`, { id: row.id });
        for (const robotCode of conversation.robots) {
          yield* run(
            `INSERT INTO conversation_robots (conversation_id, robot_id)
             SELECT CAST(:id AS BIGINT), id FROM robots WHERE robot_code = :robotCode
             ON CONFLICT DO NOTHING`,
            { id: row.id, robotCode },
          );
        }
      }
    }
  }
}

/** The group's webhook robots become the plan's: matched by name, the others removed. */
function* replaceWebhookRobots(orgId: number, conversationId: number, robots: WebhookRobotPlan[]): Work<void> {
  const wanted = new Set(robots.map((robot) => robot.name));
  for (const { name } of yield* all<{ name: string }>(`SELECT name FROM webhook_robots WHERE conversation_id = :conversationId`, {
    conversationId,
  })) {
    if (!wanted.has(name)) yield* run(`DELETE FROM webhook_robots WHERE conversation_id = :conversationId AND name = :name`, { conversationId, name });
  }
  for (const robot of robots) {
    const settings = { keywords: JSON.stringify(robot.keywords), ipRanges: JSON.stringify(robot.ipRanges) };
    if (robot.tokenHash === undefined) {
      // Known by name (fixtures checked it): token and secret stay.
      yield* run(
        `UPDATE webhook_robots SET keywords = :keywords, ip_ranges = :ipRanges WHERE conversation_id = :conversationId AND name = :name`,
        { conversationId, name: robot.name, ...settings },
      );
      continue;
    }
    yield* run(
      `INSERT INTO webhook_robots (org_id, conversation_id, name, token_hash, secret, keywords, ip_ranges)
       VALUES (:orgId, :conversationId, :name, :tokenHash, :secret, :keywords, :ipRanges)
       ON CONFLICT (conversation_id, name) DO UPDATE SET token_hash = excluded.token_hash, secret = excluded.secret,
         keywords = excluded.keywords, ip_ranges = excluded.ip_ranges`,
      { orgId, conversationId, name: robot.name, tokenHash: robot.tokenHash, secret: robot.secret, ...settings },
    );
  }
}

/** Installs the suite in the org, or brings back a revoked installation (with fresh tokens). */
function* authorize(suiteKey: string, orgId: number, corpId: string): Work<void> {
  const suite = yield* get<{ id: number }>(`SELECT id FROM suites WHERE suite_key = :suiteKey`, { suiteKey });
  if (!suite) throw new Error(`suite ${suiteKey} vanished during the fixture`);
  // The row keeps an empty secret hash: no appSecret ever verifies against it.
  yield* run(
    `INSERT INTO apps (org_id, app_key, secret_hash, scopes, suite_id) VALUES (:orgId, :appKey, '', '[]', :suiteId)
     ON CONFLICT (app_key) DO UPDATE SET revoked = 0`,
    { orgId, appKey: authorizationAppKey(suiteKey, corpId), suiteId: suite.id },
  );
}

/** A new membership version only when the set of members really changes. */
function* replaceMembers(conversationId: number, version: number, members: string[]): Work<void> {
  const current = new Set(
    (yield* all<{ user_id: string }>(
      `SELECT user_id FROM memberships WHERE conversation_id = :conversationId AND to_version = :open`,
      { conversationId, open: OPEN_END },
    )).map((row) => row.user_id),
  );
  const wanted = new Set(members);
  const leaving = [...current].filter((userId) => !wanted.has(userId));
  const joining = [...wanted].filter((userId) => !current.has(userId));
  if (leaving.length === 0 && joining.length === 0) return;
  const next = version + 1;
  for (const userId of leaving) {
    yield* run(
      `UPDATE memberships SET to_version = :next
       WHERE conversation_id = :conversationId AND user_id = :userId AND to_version = :open`,
      { next, conversationId, userId, open: OPEN_END },
    );
  }
  for (const userId of joining) {
    yield* run(
      `INSERT INTO memberships (conversation_id, user_id, from_version, to_version)
       VALUES (:conversationId, :userId, :next, :open)`,
      { conversationId, userId, next, open: OPEN_END },
    );
  }
  yield* run(`UPDATE conversations SET member_version = :next, member_count = :count WHERE id = :conversationId`, {
    next,
    count: wanted.size,
    conversationId,
  });
}

function* toConversation(row: ConversationRow): Work<ConversationRecord> {
  const robots = yield* all<{ robot_code: string }>(
    `SELECT r.robot_code FROM conversation_robots cr JOIN robots r ON r.id = cr.robot_id
     WHERE cr.conversation_id = :id ORDER BY r.robot_code`,
    { id: row.id },
  );
  return {
    id: row.id,
    orgId: row.org_id,
    openConversationId: row.open_conversation_id,
    type: toChatKind(row.type),
    title: row.title,
    coolAppCode: row.cool_app_code,
    memberVersion: row.member_version,
    memberCount: row.member_count,
    robotCodes: robots.map((robot) => robot.robot_code),
  };
}

export function* dumpDirectory(): Work<DirectoryDump> {
  const suites = (yield* all<SuiteRow>(`SELECT * FROM suites ORDER BY id`)).map(toSuite);
  const dump: DirectoryDump = { suites, orgs: [] };
  for (const org of yield* all<OrgRecord>(`SELECT id, corp_id AS "corpId", name FROM orgs ORDER BY id`)) {
    const apps = yield* all<AppRow>(
      `SELECT a.*, o.corp_id FROM apps a JOIN orgs o ON o.id = a.org_id
       WHERE a.org_id = :id AND a.suite_id IS NULL ORDER BY a.id`,
      { id: org.id },
    );
    const authorizations = yield* column<string>(
      `SELECT s.suite_key FROM apps a JOIN suites s ON s.id = a.suite_id
       WHERE a.org_id = :id AND a.revoked = 0 ORDER BY a.id`,
      { id: org.id },
    );
    const users = yield* all<UserRecord>(
      `SELECT user_id AS "userId", name FROM users WHERE org_id = :id ORDER BY user_id`,
      { id: org.id },
    );
    const robots = yield* all<RobotRow>(`SELECT * FROM robots WHERE org_id = :id ORDER BY id`, { id: org.id });
    const conversations: DirectoryDump['orgs'][number]['conversations'] = [];
    for (const row of yield* all<ConversationRow>(`SELECT * FROM conversations WHERE org_id = :id ORDER BY id`, {
      id: org.id,
    })) {
      const members = yield* all<{ user_id: string }>(
        `SELECT user_id FROM memberships WHERE conversation_id = :id AND to_version = :open ORDER BY user_id`,
        { id: row.id, open: OPEN_END },
      );
      const webhookRobots = (yield* all<WebhookRobotRow>(`SELECT * FROM webhook_robots WHERE conversation_id = :id ORDER BY id`, {
        id: row.id,
      })).map((robot): WebhookRobotSummary => ({ name: robot.name, keywords: JSON.parse(robot.keywords), ipRanges: JSON.parse(robot.ip_ranges) }));
      conversations.push({ ...(yield* toConversation(row)), members: members.map((member) => member.user_id), webhookRobots });
    }
    dump.orgs.push({ org, apps: apps.map(toApp), users, robots: robots.map(toRobot), conversations, authorizations });
  }
  return dump;
}

export function* findOrg(corpId: string): Work<OrgRecord | undefined> {
  return yield* get<OrgRecord>(`SELECT id, corp_id AS "corpId", name FROM orgs WHERE corp_id = :corpId`, { corpId });
}

export function* findApp(appKey: string): Work<AppRecord | undefined> {
  const row = yield* get<AppRow>(
    `SELECT a.*, o.corp_id FROM apps a JOIN orgs o ON o.id = a.org_id WHERE a.app_key = :appKey AND a.suite_id IS NULL`,
    { appKey },
  );
  return row && toApp(row);
}

export function* findRobot(robotCode: string): Work<RobotRecord | undefined> {
  const row = yield* get<RobotRow>(`SELECT * FROM robots WHERE robot_code = :robotCode`, { robotCode });
  return row && toRobot(row);
}

export function* findConversation(openConversationId: string): Work<ConversationRecord | undefined> {
  const row = yield* get<ConversationRow>(`SELECT * FROM conversations WHERE open_conversation_id = :openConversationId`, {
    openConversationId,
  });
  return row && (yield* toConversation(row));
}

export function* findUsers(orgId: number, userIds: string[]): Work<UserRecord[]> {
  const found: UserRecord[] = [];
  for (const userId of new Set(userIds)) {
    const row = yield* get<UserRecord>(
      `SELECT user_id AS "userId", name FROM users WHERE org_id = :orgId AND user_id = :userId`,
      { orgId, userId },
    );
    if (row) found.push(row);
  }
  return found;
}

interface WebhookRobotRow {
  id: number;
  org_id: number;
  conversation_id: number;
  name: string;
  token_hash: string;
  secret: string | null;
  keywords: string;
  ip_ranges: string;
  throttled_until: number;
}

export function* findWebhookRobot(tokenHash: string): Work<WebhookRobotRecord | undefined> {
  const row = yield* get<WebhookRobotRow & { corp_id: string; open_conversation_id: string }>(
    `SELECT w.*, o.corp_id, c.open_conversation_id FROM webhook_robots w
     JOIN orgs o ON o.id = w.org_id JOIN conversations c ON c.id = w.conversation_id
     WHERE w.token_hash = :tokenHash`,
    { tokenHash },
  );
  return (
    row && {
      id: Number(row.id),
      orgId: Number(row.org_id),
      corpId: row.corp_id,
      conversationId: Number(row.conversation_id),
      openConversationId: row.open_conversation_id,
      name: row.name,
      secret: row.secret,
      keywords: JSON.parse(row.keywords) as string[],
      ipRanges: JSON.parse(row.ip_ranges) as string[],
      throttledUntil: Number(row.throttled_until),
    }
  );
}

export function* webhookRobotNames(conversationId: number): Work<string[]> {
  return yield* column<string>(`SELECT name FROM webhook_robots WHERE conversation_id = :conversationId ORDER BY id`, { conversationId });
}

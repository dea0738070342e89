/**
 * Fixture documents (control-plane.md): the directory of orgs, apps, users, robots and
 * conversations (groups' custom webhook robots included), and of third-party suites and the orgs that authorized them, applied as an
 * upsert and exported back without secrets.
 *
 * A document is checked whole before anything is written (shape first, then every reference
 * against the document and the store), so a document with any error changes nothing.
 */
import type { FixtureCounts } from './answers.js';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { CoreContext } from './context.js';
import { fail } from './errors.js';
import { hashSecret, verifySecret } from './secrets.js';
import { hashToken } from './ids.js';
import {
  AUTHORIZATION_APP_PREFIX,
  type ChatKind,
  type ConversationPlan,
  type ConversationRecord,
  type DirectoryDump,
  type OrgPlan,
  type RobotPlan,
  type SuitePlan,
  type WebhookRobotPlan,
} from './store.js';
import { ROBOT_SCOPE } from './tokens.js';
import { MAX_IP_RANGES, MAX_KEYWORDS, parseIpRange } from './webhook-robots.js';

const Id = Type.String({ minLength: 1, maxLength: 128 });
const Name = Type.String({ maxLength: 256 });
const strict = { additionalProperties: false } as const;

export const FixtureApp = Type.Object(
  {
    appKey: Id,
    appSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 })),
  },
  strict,
);
export const FixtureUser = Type.Object({ userId: Id, name: Type.Optional(Name) }, strict);
export const FixtureRobot = Type.Object(
  {
    robotCode: Id,
    name: Type.Optional(Name),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('stopped')])),
    templateStatus: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('stopped'), Type.Literal('missing')]),
    ),
    /** Addition to the contract: the app that owns the robot. Without it every app of the org may use it. */
    appKey: Type.Optional(Id),
    /** Addition: the third-party suite that owns the robot (and no app of the org may use it). */
    suiteKey: Type.Optional(Id),
  },
  strict,
);
/** Addition: a group's custom (webhook) robot (docs/webhook-robot.md). */
export const FixtureWebhookRobot = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    accessToken: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    secret: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: MAX_KEYWORDS })),
    ipRanges: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 18 }), { maxItems: MAX_IP_RANGES })),
  },
  strict,
);
export const FixtureConversation = Type.Object(
  {
    openConversationId: Id,
    type: Type.Union([Type.Literal('group'), Type.Literal('private')]),
    title: Type.Optional(Name),
    members: Type.Optional(Type.Array(Id, { maxItems: 100_000 })),
    robots: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
    coolAppCode: Type.Optional(Id),
    webhookRobots: Type.Optional(Type.Array(FixtureWebhookRobot, { maxItems: 100 })),
  },
  strict,
);
/**
 * A fixture document's conversation type, the control plane's contract: `private` is what the
 * rest of dingread calls a `privateChat` (ChatKind). These two maps are the only translation.
 */
type DocumentConversationType = Static<typeof FixtureConversation>['type'];
const CHAT_KIND_OF: Record<DocumentConversationType, ChatKind> = { group: 'group', private: 'privateChat' };
const DOCUMENT_TYPE_OF: Record<ChatKind, DocumentConversationType> = { group: 'group', privateChat: 'private' };

export const FixtureOrg = Type.Object(
  {
    corpId: Id,
    name: Type.Optional(Name),
    apps: Type.Optional(Type.Array(FixtureApp, { maxItems: 1000 })),
    users: Type.Optional(Type.Array(FixtureUser, { maxItems: 100_000 })),
    robots: Type.Optional(Type.Array(FixtureRobot, { maxItems: 1000 })),
    conversations: Type.Optional(Type.Array(FixtureConversation, { maxItems: 10_000 })),
    /** Addition: the third-party suites installed in the org. */
    authorizations: Type.Optional(Type.Array(Type.Object({ suiteKey: Id }, strict), { maxItems: 1000 })),
  },
  strict,
);
/** Addition to the contract: a third-party (ISV) suite, owned by no org. */
export const FixtureSuite = Type.Object(
  {
    suiteKey: Id,
    suiteSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 })),
    /** The ticket DingTalk would push to the suite; `POST /suites/{suiteKey}/ticket` rotates it. */
    suiteTicket: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  strict,
);
export const FixtureDocument = Type.Object(
  {
    suites: Type.Optional(Type.Array(FixtureSuite, { maxItems: 1000 })),
    orgs: Type.Array(FixtureOrg, { maxItems: 1000 }),
  },
  strict,
);
export type FixtureDocument = Static<typeof FixtureDocument>;
/** The document's outline, checked before each org is checked in turn (so errors come in document order). */
const FixtureOutline = Type.Object(
  { suites: Type.Optional(Type.Array(FixtureSuite, { maxItems: 1000 })), orgs: Type.Array(Type.Unknown(), { maxItems: 1000 }) },
  strict,
);


const compiled = new Map<TSchema, ReturnType<typeof TypeCompiler.Compile>>();

/** `a.b[2].c` from a JSON pointer `/a/b/2/c`. */
export function pointerToPath(pointer: string): string {
  let path = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(key) ? `[${key}]` : path === '' ? key : `.${key}`;
  }
  return path || '(document)';
}

/** The first shape error of `value` against `schema`, as `path: reason`, the path under `at`. */
export function firstSchemaError(schema: TSchema, value: unknown, at = ''): string | undefined {
  let checker = compiled.get(schema);
  if (!checker) {
    checker = TypeCompiler.Compile(schema);
    compiled.set(schema, checker);
  }
  const error = checker.Errors(value).First();
  if (!error) return undefined;
  const path = pointerToPath(error.path);
  if (!at) return `${path}: ${error.message}`;
  return `${path === '(document)' ? at : path.startsWith('[') ? at + path : `${at}.${path}`}: ${error.message}`;
}

function bad(path: string, reason: string): never {
  fail('invalidParameter.param.invalid', `${path}: ${reason}`);
}

/** Checks a fixture document and applies it in one transaction. */
export async function applyFixture(ctx: CoreContext, document: unknown): Promise<FixtureCounts> {
  const outlineError = firstSchemaError(FixtureOutline, document);
  if (outlineError) fail('invalidParameter.param.invalid', outlineError);
  const suites = await planSuites(ctx, (document as FixtureDocument).suites ?? []);
  const plans = await planFixture(ctx, document as FixtureDocument, new Set(suites.map((suite) => suite.suiteKey)));
  await ctx.store.applyFixture(plans, suites);
  const count = (pick: (org: OrgPlan) => unknown[]): number => plans.reduce((sum, org) => sum + pick(org).length, 0);
  const authorizations = count((org) => org.authorizations ?? []);
  const webhookRobots = count((org) => org.conversations.flatMap((conversation) => conversation.webhookRobots ?? []));
  return {
    orgs: plans.length,
    apps: count((org) => org.apps),
    users: count((org) => org.users),
    robots: count((org) => org.robots),
    conversations: count((org) => org.conversations),
    ...(suites.length > 0 || authorizations > 0 ? { suites: suites.length, authorizations } : {}),
    ...(webhookRobots > 0 ? { webhookRobots } : {}),
  };
}

async function planSuites(ctx: CoreContext, suites: Static<typeof FixtureSuite>[]): Promise<SuitePlan[]> {
  const plans: SuitePlan[] = [];
  const seen = new Set<string>();
  for (const [i, suite] of suites.entries()) {
    const path = `suites[${i}]`;
    if (seen.has(suite.suiteKey)) bad(`${path}.suiteKey`, `suiteKey ${suite.suiteKey} appears twice`);
    seen.add(suite.suiteKey);
    const existing = await ctx.store.findSuite(suite.suiteKey);
    if (!existing && suite.suiteSecret === undefined) bad(`${path}.suiteSecret`, 'required for a new suite');
    const keep =
      suite.suiteSecret === undefined || (existing !== undefined && verifySecret(suite.suiteSecret, existing.secretHash));
    plans.push({
      suiteKey: suite.suiteKey,
      secretHash: keep ? undefined : hashSecret(suite.suiteSecret as string, ctx.random),
      scopes: suite.scopes ?? existing?.scopes ?? [ROBOT_SCOPE],
      ticketHash: suite.suiteTicket === undefined ? undefined : hashToken(suite.suiteTicket),
    });
  }
  return plans;
}

async function planFixture(ctx: CoreContext, document: FixtureDocument, suiteKeys: Set<string>): Promise<OrgPlan[]> {
  const { store } = ctx;
  const seen = {
    corpIds: new Set<string>(),
    appKeys: new Set<string>(),
    robots: new Set<string>(),
    convs: new Set<string>(),
    webhookTokens: new Set<string>(),
  };
  const plans: OrgPlan[] = [];
  const knownSuite = async (suiteKey: string): Promise<boolean> =>
    suiteKeys.has(suiteKey) || (await store.findSuite(suiteKey)) !== undefined;
  for (const [o, org] of document.orgs.entries()) {
    const at = `orgs[${o}]`;
    const shapeError = firstSchemaError(FixtureOrg, org, at);
    if (shapeError) fail('invalidParameter.param.invalid', shapeError);
    if (seen.corpIds.has(org.corpId)) bad(`${at}.corpId`, `corpId ${org.corpId} appears twice`);
    seen.corpIds.add(org.corpId);
    const existingOrg = await store.findOrg(org.corpId);
    const belongsElsewhere = (orgId: number | undefined): boolean =>
      orgId !== undefined && (existingOrg === undefined || orgId !== existingOrg.id);

    const plan: OrgPlan = {
      corpId: org.corpId,
      name: org.name ?? existingOrg?.name ?? org.corpId,
      apps: [],
      users: [],
      robots: [],
      conversations: [],
    };

    const appKeys = new Set<string>();
    for (const [a, app] of (org.apps ?? []).entries()) {
      const path = `${at}.apps[${a}]`;
      if (seen.appKeys.has(app.appKey)) bad(`${path}.appKey`, `appKey ${app.appKey} appears twice`);
      if (app.appKey.startsWith(AUTHORIZATION_APP_PREFIX)) {
        bad(`${path}.appKey`, `appKeys starting with ${AUTHORIZATION_APP_PREFIX} are kept for suites' authorizations`);
      }
      seen.appKeys.add(app.appKey);
      const existing = await store.findApp(app.appKey);
      if (belongsElsewhere(existing?.orgId)) bad(`${path}.appKey`, `appKey ${app.appKey} belongs to another org`);
      if (!existing && app.appSecret === undefined) bad(`${path}.appSecret`, 'required for a new app');
      // Re-applying the same secret keeps the stored hash, so applying a document twice changes nothing.
      const keep = app.appSecret === undefined || (existing !== undefined && verifySecret(app.appSecret, existing.secretHash));
      plan.apps.push({
        appKey: app.appKey,
        secretHash: keep ? undefined : hashSecret(app.appSecret as string, ctx.random),
        scopes: app.scopes ?? existing?.scopes ?? [ROBOT_SCOPE],
      });
      appKeys.add(app.appKey);
    }

    const userIds = new Set<string>();
    for (const [u, user] of (org.users ?? []).entries()) {
      if (userIds.has(user.userId)) bad(`${at}.users[${u}].userId`, `userId ${user.userId} appears twice`);
      userIds.add(user.userId);
      plan.users.push({ userId: user.userId, name: user.name ?? user.userId });
    }

    const robotCodes = new Set<string>();
    for (const [r, robot] of (org.robots ?? []).entries()) {
      const path = `${at}.robots[${r}]`;
      if (seen.robots.has(robot.robotCode)) bad(`${path}.robotCode`, `robotCode ${robot.robotCode} appears twice`);
      seen.robots.add(robot.robotCode);
      const existing = await store.findRobot(robot.robotCode);
      if (belongsElsewhere(existing?.orgId)) bad(`${path}.robotCode`, `robotCode ${robot.robotCode} belongs to another org`);
      if (robot.appKey !== undefined && !appKeys.has(robot.appKey)) {
        const owner = await store.findApp(robot.appKey);
        if (!owner || !existingOrg || owner.orgId !== existingOrg.id) {
          bad(`${path}.appKey`, `appKey ${robot.appKey} is not an app of org ${org.corpId}`);
        }
      }
      if (robot.suiteKey !== undefined) {
        if (robot.appKey !== undefined) bad(`${path}.suiteKey`, 'a robot is owned by an app or by a suite, not both');
        if (!(await knownSuite(robot.suiteKey))) bad(`${path}.suiteKey`, `no suite ${robot.suiteKey}`);
      }
      const robotPlan: RobotPlan = {
        robotCode: robot.robotCode,
        name: robot.name ?? existing?.name ?? robot.robotCode,
        status: robot.status ?? 'active',
        templateStatus: robot.templateStatus ?? 'active',
        ownerAppKey: robot.appKey ?? null,
        ownerSuiteKey: robot.suiteKey ?? null,
      };
      plan.robots.push(robotPlan);
      robotCodes.add(robot.robotCode);
    }

    for (const [c, conversation] of (org.conversations ?? []).entries()) {
      const path = `${at}.conversations[${c}]`;
      const id = conversation.openConversationId;
      if (seen.convs.has(id)) bad(`${path}.openConversationId`, `openConversationId ${id} appears twice`);
      seen.convs.add(id);
      const existing = await store.findConversation(id);
      if (belongsElsewhere(existing?.orgId)) bad(`${path}.openConversationId`, `${id} belongs to another org`);
      const kind = CHAT_KIND_OF[conversation.type];
      if (existing && existing.type !== kind) {
        bad(`${path}.type`, `conversation ${id} is a ${DOCUMENT_TYPE_OF[existing.type]} conversation and cannot become ${conversation.type}`);
      }
      const members = conversation.members;
      if (members) {
        const distinct = new Set(members);
        if (distinct.size !== members.length) bad(`${path}.members`, 'a member appears twice');
        const missing = await unknownUsers(ctx, existingOrg?.id, members, userIds);
        if (missing !== undefined) bad(`${path}.members[${members.indexOf(missing)}]`, `no user ${missing} in org ${org.corpId}`);
      }
      if (kind === 'privateChat') {
        if (!members && !existing) bad(`${path}.members`, 'a private conversation needs its two members');
        if (members && members.length !== 2) bad(`${path}.members`, 'a private conversation has exactly two members');
        if (!conversation.coolAppCode && !existing?.coolAppCode) bad(`${path}.coolAppCode`, 'required for a private conversation');
        if (conversation.robots) bad(`${path}.robots`, 'robots post in private conversations through coolAppCode');
      }
      for (const [r, robotCode] of (conversation.robots ?? []).entries()) {
        if (robotCodes.has(robotCode)) continue;
        const robot = await store.findRobot(robotCode);
        if (!robot || !existingOrg || robot.orgId !== existingOrg.id) {
          bad(`${path}.robots[${r}]`, `no robot ${robotCode} in org ${org.corpId}`);
        }
      }
      const webhookRobots =
        conversation.webhookRobots === undefined
          ? undefined
          : await planWebhookRobots(ctx, `${path}.webhookRobots`, conversation.webhookRobots, { id, kind, existing, seen: seen.webhookTokens });
      const conversationPlan: ConversationPlan = {
        openConversationId: id,
        type: kind,
        title: conversation.title ?? existing?.title ?? null,
        coolAppCode: conversation.coolAppCode ?? existing?.coolAppCode ?? null,
        members: members ?? (existing ? undefined : []),
        robots: conversation.robots ?? (existing ? undefined : []),
        ...(webhookRobots === undefined ? {} : { webhookRobots }),
      };
      plan.conversations.push(conversationPlan);
    }

    const authorized = new Set<string>();
    for (const [i, { suiteKey }] of (org.authorizations ?? []).entries()) {
      const path = `${at}.authorizations[${i}].suiteKey`;
      if (authorized.has(suiteKey)) bad(path, `suiteKey ${suiteKey} appears twice`);
      if (!(await knownSuite(suiteKey))) bad(path, `no suite ${suiteKey}`);
      authorized.add(suiteKey);
    }
    if (authorized.size > 0) plan.authorizations = [...authorized];
    plans.push(plan);
  }
  return plans;
}

/**
 * A group's webhook robots, known by name in the group: a new one needs its accessToken (unique
 * across the server); one left without it keeps its token and secret, as an exported document
 * (which carries neither) is imported again.
 */
async function planWebhookRobots(
  ctx: CoreContext,
  path: string,
  robots: Static<typeof FixtureWebhookRobot>[],
  conversation: { id: string; kind: ChatKind; existing: ConversationRecord | undefined; seen: Set<string> },
): Promise<WebhookRobotPlan[]> {
  if (conversation.kind !== 'group' && robots.length > 0) bad(path, 'custom (webhook) robots post in groups only');
  const names = new Set<string>();
  const existingNames = new Set(conversation.existing ? await ctx.store.webhookRobotNames(conversation.existing.id) : []);
  const plans: WebhookRobotPlan[] = [];
  for (const [i, robot] of robots.entries()) {
    const at = `${path}[${i}]`;
    if (names.has(robot.name)) bad(`${at}.name`, `name ${robot.name} appears twice`);
    names.add(robot.name);
    for (const [r, range] of (robot.ipRanges ?? []).entries()) {
      if (!parseIpRange(range)) bad(`${at}.ipRanges[${r}]`, `${JSON.stringify(range)} is not an IPv4 address or range (a.b.c.d or a.b.c.d/n)`);
    }
    let tokenHash: string | undefined;
    if (robot.accessToken === undefined) {
      if (!existingNames.has(robot.name)) bad(`${at}.accessToken`, 'required for a new webhook robot');
      if (robot.secret !== undefined) bad(`${at}.secret`, 'a secret is given with its accessToken');
    } else {
      if (conversation.seen.has(robot.accessToken)) bad(`${at}.accessToken`, 'this accessToken appears twice');
      conversation.seen.add(robot.accessToken);
      tokenHash = hashToken(robot.accessToken);
      const owner = await ctx.store.findWebhookRobot(tokenHash);
      if (owner && (owner.openConversationId !== conversation.id || owner.name !== robot.name)) {
        bad(`${at}.accessToken`, 'this accessToken belongs to another webhook robot');
      }
    }
    plans.push({ name: robot.name, tokenHash, secret: robot.secret ?? null, keywords: robot.keywords ?? [], ipRanges: robot.ipRanges ?? [] });
  }
  return plans;
}

/** The first of `userIds` that is neither in the document nor already a user of the org. */
async function unknownUsers(
  ctx: CoreContext,
  orgId: number | undefined,
  userIds: string[],
  inDocument: Set<string>,
): Promise<string | undefined> {
  const outside = userIds.filter((userId) => !inDocument.has(userId));
  if (outside.length === 0) return undefined;
  const known = orgId === undefined ? new Set<string>() : new Set((await ctx.store.findUsers(orgId, outside)).map((u) => u.userId));
  return outside.find((userId) => !known.has(userId));
}

/** The whole directory as one fixture document, without secrets. */
export async function exportFixture(ctx: CoreContext): Promise<FixtureDocument> {
  return toDocument(await ctx.store.dumpDirectory());
}

function toDocument(dump: DirectoryDump): FixtureDocument {
  return {
    ...(dump.suites.length === 0 ? {} : { suites: dump.suites.map((suite) => ({ suiteKey: suite.suiteKey, scopes: suite.scopes })) }),
    orgs: dump.orgs.map(({ org, apps, users, robots, conversations, authorizations }) => ({
      corpId: org.corpId,
      name: org.name,
      apps: apps.map((app) => ({ appKey: app.appKey, scopes: app.scopes })),
      users: users.map((user) => ({ userId: user.userId, name: user.name })),
      robots: robots.map((robot) => ({
        robotCode: robot.robotCode,
        name: robot.name,
        status: robot.status,
        templateStatus: robot.templateStatus,
        ...(robot.ownerAppKey === null ? {} : { appKey: robot.ownerAppKey }),
        ...(robot.ownerSuiteKey === null ? {} : { suiteKey: robot.ownerSuiteKey }),
      })),
      conversations: conversations.map((conversation) => ({
        openConversationId: conversation.openConversationId,
        type: DOCUMENT_TYPE_OF[conversation.type],
        ...(conversation.title === null ? {} : { title: conversation.title }),
        members: conversation.members,
        ...(conversation.type === 'group' ? { robots: conversation.robotCodes } : {}),
        ...(conversation.coolAppCode === null ? {} : { coolAppCode: conversation.coolAppCode }),
        ...(conversation.webhookRobots.length === 0
          ? {}
          : {
              webhookRobots: conversation.webhookRobots.map((robot) => ({
                name: robot.name,
                ...(robot.keywords.length === 0 ? {} : { keywords: robot.keywords }),
                ...(robot.ipRanges.length === 0 ? {} : { ipRanges: robot.ipRanges }),
              })),
            }),
      })),
      ...(authorizations.length === 0 ? {} : { authorizations: authorizations.map((suiteKey) => ({ suiteKey })) }),
    })),
  };
}

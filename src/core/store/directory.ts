/** The store contract for the directory: orgs, apps, users, robots and conversations, and fixtures in and out. */
import type { SuitePlan, SuiteRecord } from './tokens.js';

export type RobotStatus = 'active' | 'stopped';
export type TemplateStatus = 'active' | 'stopped' | 'missing';
/**
 * What a conversation is: a group, or a person-to-person chat. Inside dingread this is the one
 * name for either; its messages' kind is the same (MessageKind), and only a fixture document
 * spells a person-to-person chat `private` (core/fixtures.ts maps it there).
 */
export type ChatKind = 'group' | 'privateChat';

export interface OrgRecord {
  id: number;
  corpId: string;
  name: string;
}

export interface AppRecord {
  id: number;
  orgId: number;
  corpId: string;
  appKey: string;
  secretHash: string;
  scopes: string[];
  /** Which access token is current: tokens are derived from (app, generation), see core/tokens.ts. */
  tokenGeneration: number;
  tokenExpiresAt: number;
}

export interface RobotRecord {
  id: number;
  orgId: number;
  robotCode: string;
  name: string;
  status: RobotStatus;
  templateStatus: TemplateStatus;
  /** The app that owns the robot; null means every app of the org may use it. */
  ownerAppKey: string | null;
  /** The ISV suite that owns the robot: only that suite's corp tokens may use it, and no app's. */
  ownerSuiteKey: string | null;
}

export interface ConversationRecord {
  id: number;
  orgId: number;
  openConversationId: string;
  type: ChatKind;
  title: string | null;
  coolAppCode: string | null;
  /** Bumped on every membership change; a message remembers the version it was sent under. */
  memberVersion: number;
  memberCount: number;
  robotCodes: string[];
}

export interface UserRecord {
  userId: string;
  name: string;
}

// The fixture plan: a validated fixture document with defaults applied and secrets hashed.
export interface AppPlan {
  appKey: string;
  /** undefined keeps the stored hash (the document left the secret out, or repeated it). */
  secretHash: string | undefined;
  scopes: string[];
}
export interface RobotPlan {
  robotCode: string;
  name: string;
  status: RobotStatus;
  templateStatus: TemplateStatus;
  ownerAppKey: string | null;
  /** Left out: no suite owns the robot. */
  ownerSuiteKey?: string | null;
}
export interface ConversationPlan {
  openConversationId: string;
  type: ChatKind;
  title: string | null;
  coolAppCode: string | null;
  /** undefined keeps the current membership. */
  members: string[] | undefined;
  /** undefined keeps the current robots. */
  robots: string[] | undefined;
  /** A group's custom (webhook) robots, replacing the ones it has; undefined keeps them. */
  webhookRobots?: WebhookRobotPlan[] | undefined;
}
/**
 * A custom (webhook) robot of a group (docs/webhook-robot.md), known by its name in the group.
 * `tokenHash` undefined keeps the robot's token and its secret (an exported document carries
 * neither); otherwise `secret` is as given, null for none.
 */
export interface WebhookRobotPlan {
  name: string;
  tokenHash: string | undefined;
  secret: string | null;
  keywords: string[];
  ipRanges: string[];
}
/** What a webhook robot is, as fixtures export it: never its token or its secret. */
export interface WebhookRobotSummary {
  name: string;
  keywords: string[];
  ipRanges: string[];
}
export interface WebhookRobotRecord extends WebhookRobotSummary {
  id: number;
  orgId: number;
  corpId: string;
  conversationId: number;
  openConversationId: string;
  /** Signs nothing when null. */
  secret: string | null;
  /** Refused until then: it sent too fast (core/webhook-robots.ts). */
  throttledUntil: number;
}
export interface OrgPlan {
  corpId: string;
  name: string;
  apps: AppPlan[];
  users: UserRecord[];
  robots: RobotPlan[];
  conversations: ConversationPlan[];
  /** Suites this plan authorizes in the org (again, if they were revoked); left out: none. */
  authorizations?: string[];
}

export interface DirectoryDump {
  suites: SuiteRecord[];
  orgs: Array<{
    org: OrgRecord;
    apps: AppRecord[];
    users: UserRecord[];
    robots: RobotRecord[];
    conversations: Array<ConversationRecord & { members: string[]; webhookRobots: WebhookRobotSummary[] }>;
    /** The suites currently authorized in the org (revoked ones left out), by suiteKey. */
    authorizations: string[];
  }>;
}

export interface DirectoryStore {
  /** Suites first (orgs' authorizations and robots may name them), then the orgs. */
  applyFixture(plan: OrgPlan[], suites?: SuitePlan[]): Promise<void>;
  dumpDirectory(): Promise<DirectoryDump>;
  findOrg(corpId: string): Promise<OrgRecord | undefined>;
  /** An internal app by key; an authorization's app row is never found here. */
  findApp(appKey: string): Promise<AppRecord | undefined>;
  /** By code across all orgs: fixtures need it to keep ids unique server-wide. */
  findRobot(robotCode: string): Promise<RobotRecord | undefined>;
  findConversation(openConversationId: string): Promise<ConversationRecord | undefined>;
  findUsers(orgId: number, userIds: string[]): Promise<UserRecord[]>;
  /** A custom (webhook) robot by its access token's hash; undefined when unknown. */
  findWebhookRobot(tokenHash: string): Promise<WebhookRobotRecord | undefined>;
  /** The names of a conversation's webhook robots. */
  webhookRobotNames(conversationId: number): Promise<string[]>;
}

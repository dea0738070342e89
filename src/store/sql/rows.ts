/** Rows as the SQL backends return them (snake_case), and their mapping to the core's records. */
import type {
  AppRecord,
  ChatKind,
  ChatRef,
  MessageKind,
  MessageRecord,
  RobotRecord,
  RobotStatus,
  SuiteRecord,
  TemplateStatus,
} from '../../core/store.js';
import { chatOfProcessQueryKey } from '../../core/ids.js';

/** Upper bound of an open interval (a current membership, a message not recalled). */
export const OPEN_END = Number.MAX_SAFE_INTEGER;

export interface MessageRow {
  id: number;
  process_query_key: string;
  kind: MessageKind;
  org_id: number;
  corp_id: string;
  app_id: number;
  robot_id: number;
  robot_code: string;
  conversation_id: number | null;
  open_conversation_id: string | null;
  msg_key: string;
  msg_param: string;
  sent_at: number;
  delivered_at: number;
  member_version: number | null;
  recipient_count: number;
  recalled_at: number | null;
  recall_seq: number | null;
  chat_key: string;
}

export interface AppRow {
  id: number;
  org_id: number;
  corp_id: string;
  app_key: string;
  secret_hash: string;
  scopes: string;
  token_generation: number;
  token_expires_at: number;
}

export interface RobotRow {
  id: number;
  org_id: number;
  robot_code: string;
  name: string;
  status: RobotStatus;
  template_status: TemplateStatus;
  owner_app_key: string | null;
  owner_suite_key: string | null;
}

export interface SuiteRow {
  id: number;
  suite_key: string;
  secret_hash: string;
  scopes: string;
  ticket_hash: string | null;
  token_generation: number;
  token_expires_at: number;
}

/**
 * How `conversations.type` spells a chat kind: the fixture document's words, which the table has
 * kept since its first version. The rows below are the only place that reads or writes them.
 */
export type StoredConversationType = 'group' | 'private';

export function toChatKind(type: StoredConversationType): ChatKind {
  return type === 'private' ? 'privateChat' : 'group';
}

export function storedConversationType(kind: ChatKind): StoredConversationType {
  return kind === 'privateChat' ? 'private' : 'group';
}

export interface ConversationRow {
  id: number;
  org_id: number;
  open_conversation_id: string;
  type: StoredConversationType;
  title: string | null;
  cool_app_code: string | null;
  member_version: number;
  member_count: number;
}

/**
 * A chat's key: `c<conversation id>`, or `r<robot id>` for a robot's one-on-one chats (each user's
 * is the pair of it and the user id). It leads the keys of every traffic table (messages.chat_key
 * among them): a distributed PostgreSQL keeps a chat's rows on one shard (docs/SCALING.md). The
 * one place that spells it; the functions below say which chat.
 */
function chatKey(conversationId: number | null | undefined, robotId: number | undefined): string {
  return conversationId == null ? `r${robotId}` : `c${conversationId}`;
}

export function chatKeyOfMessage(message: Pick<MessageRecord, 'conversationId' | 'robotId'>): string {
  return chatKey(message.conversationId, message.robotId);
}

/**
 * The key of the chat a processQueryKey names (core/ids.ts), where a store looks for its message
 * first; undefined when it names none.
 */
export function chatKeyOfProcessQueryKey(processQueryKey: string): string | undefined {
  const chat = chatOfProcessQueryKey(processQueryKey);
  return chat && ('conversationId' in chat ? chatKey(chat.conversationId, undefined) : chatKey(null, chat.robotId));
}

export function chatKeyOfRef(chat: ChatRef): string {
  return chat.kind === 'conversation' ? chatKey(chat.conversationId, undefined) : chatKey(null, chat.robotId);
}

export function toMessage(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    processQueryKey: row.process_query_key,
    kind: row.kind,
    orgId: row.org_id,
    corpId: row.corp_id,
    appId: row.app_id,
    robotId: row.robot_id,
    robotCode: row.robot_code,
    conversationId: row.conversation_id,
    openConversationId: row.open_conversation_id,
    msgKey: row.msg_key,
    msgParam: row.msg_param,
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
    recipientCount: row.recipient_count,
    recalledAt: row.recalled_at,
  };
}

export function toApp(row: AppRow): AppRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    corpId: row.corp_id,
    appKey: row.app_key,
    secretHash: row.secret_hash,
    scopes: JSON.parse(row.scopes) as string[],
    tokenGeneration: row.token_generation,
    tokenExpiresAt: row.token_expires_at,
  };
}

export function toRobot(row: RobotRow): RobotRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    robotCode: row.robot_code,
    name: row.name,
    status: row.status,
    templateStatus: row.template_status,
    ownerAppKey: row.owner_app_key,
    ownerSuiteKey: row.owner_suite_key,
  };
}

export function toSuite(row: SuiteRow): SuiteRecord {
  return {
    id: row.id,
    suiteKey: row.suite_key,
    secretHash: row.secret_hash,
    scopes: JSON.parse(row.scopes) as string[],
    ticketHash: row.ticket_hash,
    tokenGeneration: row.token_generation,
    tokenExpiresAt: row.token_expires_at,
  };
}

/** Code-point order, the order of UTF-8 bytes (JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let k = 0; k < length; k++) {
    const ca = a.codePointAt(k) as number;
    const cb = b.codePointAt(k) as number;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) k++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

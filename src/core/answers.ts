/**
 * The answers the core builds, as TypeBox schemas: the single source of their shapes. The core's
 * result types are derived from them (`Static`), the routes serialize with them (api/responses.ts
 * attaches them) and the OpenAPI document prints them. Property order is the order on the wire,
 * the required properties before the optional ones (as the serializers write them).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * A string out of a fixed set, as a plain `enum` (a union of literals would be an `anyOf`, which
 * the serializer resolves by validating each branch on every answer).
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** A value or null, as `type: [..., 'null']` rather than an `anyOf`, for the same reason. */
export function Nullable<T extends TSchema>(schema: T & { type: string }) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}

const Str = Type.String();
const Strs = Type.Array(Type.String());

export const SendStatus = StringEnum(['PROCESSING', 'SUCCESS', 'RECALLED']);
export type SendStatus = Static<typeof SendStatus>;

export const IssuedToken = Type.Object({ accessToken: Str, expireIn: Type.Integer() });
export type IssuedToken = Static<typeof IssuedToken>;

export const OtoSendResult = Type.Object({ processQueryKey: Str, invalidStaffIdList: Strs, flowControlledStaffIdList: Strs });
export type OtoSendResult = Static<typeof OtoSendResult>;

export const ChatSendResult = Type.Object({ processQueryKey: Str });

export const RecallResult = Type.Object({ successResult: Strs, failedResult: Type.Record(Type.String(), Type.String()) });
export type RecallResult = Static<typeof RecallResult>;

export const MessageReadInfo = Type.Object({
  name: Str,
  userId: Str,
  readStatus: StringEnum(['READ', 'UNREAD']),
  readTimestamp: Type.Optional(Type.Integer()),
});
export type MessageReadInfo = Static<typeof MessageReadInfo>;

export const OtoQueryResult = Type.Object({ sendStatus: SendStatus, messageReadInfoList: Type.Array(MessageReadInfo) });
export type OtoQueryResult = Static<typeof OtoQueryResult>;

export const ChatQueryResult = Type.Object({ sendStatus: SendStatus, readUserIds: Strs, hasMore: Type.Boolean(), nextToken: Type.Optional(Str) });
export type ChatQueryResult = Static<typeof ChatQueryResult>;

export const FixtureCounts = Type.Object({
  orgs: Type.Integer(),
  apps: Type.Integer(),
  users: Type.Integer(),
  robots: Type.Integer(),
  conversations: Type.Integer(),
  /** Only when the document has suites or authorizations. */
  suites: Type.Optional(Type.Integer()),
  authorizations: Type.Optional(Type.Integer()),
  /** Only when the document has webhook robots. */
  webhookRobots: Type.Optional(Type.Integer()),
});
export type FixtureCounts = Static<typeof FixtureCounts>;

export const DeliveryStatus = StringEnum(['delivered', 'noConnection', 'notMentioned']);
export type DeliveryStatus = Static<typeof DeliveryStatus>;

export const SayResult = Type.Object({ msgId: Str, deliveries: Type.Array(Type.Object({ robotCode: Str, status: DeliveryStatus })) });
export type SayResult = Static<typeof SayResult>;

/** A file as the control plane shows it, with where its bytes are (`GET /files/{fileId}/content`; docs/media.md). */
export const FileView = Type.Object({
  fileId: Str,
  type: StringEnum(['image', 'voice', 'video', 'file']),
  fileName: Str,
  contentType: Str,
  size: Type.Integer(),
  contentUrl: Str,
});
export type FileView = Static<typeof FileView>;

export const TimelineItem = Type.Object({
  /** A user message's msgId; a robot message's processQueryKey. */
  msgId: Str,
  from: Type.Union([Type.Object({ userId: Str }), Type.Object({ robotCode: Str }), Type.Object({ webhookRobot: Str })]),
  text: Str,
  /** A robot message's msgKey; null for what a user wrote. */
  msgKey: Nullable(Type.String()),
  createdAt: Type.Integer(),
  via: StringEnum(['user', 'api', 'sessionWebhook', 'webhook']),
  // Additions to the contract's shape:
  /** User messages: the robots they @-mentioned. */
  atRobots: Type.Optional(Strs),
  /** The files the message carries: a user's picture or file, a robot's image, file, voice or video. */
  files: Type.Optional(Type.Array(FileView)),
  /** Robot messages: */
  processQueryKey: Type.Optional(Str),
  msgParam: Type.Optional(Str),
  at: Type.Optional(Type.Object({ atUserIds: Type.Optional(Strs), atMobiles: Type.Optional(Strs), isAtAll: Type.Optional(Type.Boolean()) })),
  sendStatus: Type.Optional(SendStatus),
  recipientCount: Type.Optional(Type.Integer()),
  readCount: Type.Optional(Type.Integer()),
  /** In a one-on-one chat: when the chat's user read the robot's message (null: not yet). */
  readAt: Type.Optional(Nullable(Type.Integer())),
  /** A webhook robot's message: its msgtype and the body's section for it, as posted. */
  msgtype: Type.Optional(Str),
  content: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type TimelineItem = Static<typeof TimelineItem>;

export const MessageSummary = Type.Object({
  processQueryKey: Str,
  kind: StringEnum(['oto', 'group', 'privateChat']),
  corpId: Str,
  robotCode: Str,
  openConversationId: Type.Optional(Str),
  msgKey: Str,
  msgParam: Str,
  sentAt: Type.Integer(),
  /** When delivery finished or will finish: PROCESSING until the clock reaches it. */
  deliveredAt: Type.Integer(),
  /** The end of the 24-hour window: from then on DingTalk's queries answer processQueryKey.expireTime. */
  queryableUntil: Type.Integer(),
  sendStatus: SendStatus,
  recalledAt: Type.Optional(Type.Integer()),
  recipientCount: Type.Integer(),
  readCount: Type.Integer(),
});
export type MessageSummary = Static<typeof MessageSummary>;

export const MessageDetail = Type.Composite([
  MessageSummary,
  Type.Object({
    recipients: Type.Array(Type.Object({ userId: Str, name: Str, readAt: Nullable(Type.Integer()) })),
    /** The uploaded files the message refers to (docs/media.md); absent when none. */
    files: Type.Optional(Type.Array(FileView)),
  }),
]);
export type MessageDetail = Static<typeof MessageDetail>;

export const MessageList = Type.Object({ items: Type.Array(MessageSummary), nextCursor: Type.Optional(Str), total: Type.Optional(Type.Integer()) });
export type MessageList = Static<typeof MessageList>;

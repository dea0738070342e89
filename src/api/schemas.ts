/**
 * Request shapes of the DingTalk-compatible API. They check types and sizes only, and reject
 * unknown fields; whether a field is present and what its value means is the core's business,
 * because DingTalk answers those with endpoint-specific codes (robotCode.missing, userIds.empty…).
 * Field lists are the official SDK's request models, so everything it can send is accepted.
 */
import { Type, type Static } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;
const Code = Type.String({ maxLength: 256 });
const Key = Type.String({ maxLength: 512 });
const Keys = Type.Array(Key, { maxItems: 1000 });
// Long enough for DingTalk's own 15,000-byte limit to answer msgParam.tooLong instead.
const MsgParam = Type.String({ maxLength: 200_000 });

export const AccessTokenBody = Type.Object({ appKey: Type.Optional(Code), appSecret: Type.Optional(Code) }, strict);

export const SuiteAccessTokenBody = Type.Object(
  { suiteKey: Type.Optional(Code), suiteSecret: Type.Optional(Code), suiteTicket: Type.Optional(Code) },
  strict,
);

export const CorpAccessTokenBody = Type.Object(
  {
    suiteKey: Type.Optional(Code),
    suiteSecret: Type.Optional(Code),
    authCorpId: Type.Optional(Code),
    suiteTicket: Type.Optional(Code),
  },
  strict,
);

export const OtoSendBody = Type.Object(
  {
    robotCode: Type.Optional(Code),
    userIds: Type.Optional(Type.Array(Code, { maxItems: 1000 })),
    msgKey: Type.Optional(Code),
    msgParam: Type.Optional(MsgParam),
  },
  strict,
);

export const OtoQueryQuery = Type.Object(
  { robotCode: Type.Optional(Code), processQueryKey: Type.Optional(Key) },
  strict,
);

export const OtoRecallBody = Type.Object(
  { robotCode: Type.Optional(Code), processQueryKeys: Type.Optional(Keys) },
  strict,
);

export const GroupSendBody = Type.Object(
  {
    robotCode: Type.Optional(Code),
    openConversationId: Type.Optional(Code),
    coolAppCode: Type.Optional(Code),
    msgKey: Type.Optional(Code),
    msgParam: Type.Optional(MsgParam),
    token: Type.Optional(Code),
  },
  strict,
);

export const PrivateChatSendBody = Type.Object(
  {
    robotCode: Type.Optional(Code),
    openConversationId: Type.Optional(Code),
    coolAppCode: Type.Optional(Code),
    msgKey: Type.Optional(Code),
    msgParam: Type.Optional(MsgParam),
  },
  strict,
);

const queryFields = {
  openConversationId: Type.Optional(Code),
  robotCode: Type.Optional(Code),
  processQueryKey: Type.Optional(Key),
  maxResults: Type.Optional(Type.Integer()),
  nextToken: Type.Optional(Type.String({ maxLength: 2048 })),
};

export const GroupQueryBody = Type.Object({ ...queryFields, token: Type.Optional(Code) }, strict);
export const PrivateChatQueryBody = Type.Object(queryFields, strict);

export const ChatRecallBody = Type.Object(
  {
    robotCode: Type.Optional(Code),
    openConversationId: Type.Optional(Code),
    processQueryKeys: Type.Optional(Keys),
  },
  strict,
);

export type OtoSendBody = Static<typeof OtoSendBody>;
export type OtoQueryQuery = Static<typeof OtoQueryQuery>;
export type OtoRecallBody = Static<typeof OtoRecallBody>;
export type GroupSendBody = Static<typeof GroupSendBody>;
export type PrivateChatSendBody = Static<typeof PrivateChatSendBody>;
export type GroupQueryBody = Static<typeof GroupQueryBody>;
export type PrivateChatQueryBody = Static<typeof PrivateChatQueryBody>;
export type ChatRecallBody = Static<typeof ChatRecallBody>;
export type AccessTokenBody = Static<typeof AccessTokenBody>;
export type SuiteAccessTokenBody = Static<typeof SuiteAccessTokenBody>;
export type CorpAccessTokenBody = Static<typeof CorpAccessTokenBody>;

/**
 * Response shapes for the OpenAPI document, where writing them down is cheap: every DingTalk
 * route and the small control-plane answers. They document; nothing serialises with them.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { FixtureDocument } from '../../core/fixtures.js';

const Str = Type.String();
const Strs = Type.Array(Type.String());
const SendStatus = Type.Union([Type.Literal('PROCESSING'), Type.Literal('SUCCESS'), Type.Literal('RECALLED')]);
const Counts = Type.Object({
  orgs: Type.Integer(),
  apps: Type.Integer(),
  users: Type.Integer(),
  robots: Type.Integer(),
  conversations: Type.Integer(),
  suites: Type.Optional(Type.Integer()),
  authorizations: Type.Optional(Type.Integer()),
});
const Token = Type.Object({ accessToken: Str, expireIn: Type.Integer() });
const Marked = Type.Object({ marked: Type.Integer() });
const Clock = Type.Object({ nowMs: Type.Integer(), mode: Type.Union([Type.Literal('system'), Type.Literal('manual')]) });
const Empty = Type.Object({});
const Removed = Type.Object({ removed: Type.Integer() });

export const ErrorEnvelopeSchema = Type.Object({
  code: Str,
  message: Str,
  requestid: Str,
  accessdenieddetail: Type.Optional(Type.Object({ requiredScopes: Strs })),
});

const SendResult = Type.Object({ processQueryKey: Str });
const Recall = Type.Object({ successResult: Strs, failedResult: Type.Record(Type.String(), Type.String()) });
const ChatQuery = Type.Object({ sendStatus: SendStatus, readUserIds: Strs, hasMore: Type.Boolean(), nextToken: Type.Optional(Str) });

const Fault = Type.Object({
  id: Str,
  fired: Type.Integer(),
  match: Type.Optional(Type.Object({ path: Type.Optional(Str), appKey: Type.Optional(Str), robotCode: Type.Optional(Str) })),
  error: Type.Optional(Type.Object({ status: Type.Integer(), code: Str, message: Type.Optional(Str) })),
  latencyMs: Type.Optional(Type.Integer()),
  drop: Type.Optional(Type.Boolean()),
  probability: Type.Optional(Type.Number()),
  count: Type.Optional(Type.Integer()),
});

const LoggedRequest = Type.Object({
  seq: Type.Integer(),
  requestId: Str,
  at: Type.Integer(),
  method: Str,
  host: Type.Optional(Str),
  via: Type.Optional(Type.Union([Type.Literal('absolute'), Type.Literal('tunnel')])),
  path: Str,
  query: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  appKey: Type.Optional(Str),
  status: Type.Integer({ description: '0 when an injected fault dropped the connection' }),
  code: Type.Optional(Str),
  durationMs: Type.Integer(),
  faults: Type.Optional(Strs),
  unknownFields: Type.Optional(Strs),
  requestBody: Type.Optional(Type.Unknown()),
  responseBody: Type.Optional(Type.Unknown()),
});

const Subscription = Type.Object({ type: Str, topic: Str });
const SayResult = Type.Object({
  msgId: Str,
  deliveries: Type.Array(
    Type.Object({ robotCode: Str, status: Type.Union([Type.Literal('delivered'), Type.Literal('noConnection'), Type.Literal('notMentioned')]) }),
  ),
});
/** A file in the control plane (core/media.ts fileView). */
const FileView = Type.Object({
  fileId: Str,
  type: Type.Union([Type.Literal('image'), Type.Literal('voice'), Type.Literal('video'), Type.Literal('file')]),
  fileName: Str,
  contentType: Str,
  size: Type.Integer(),
  contentUrl: Str,
});
const Legacy = (fields: Record<string, TSchema>, description: string) =>
  Type.Object({ errcode: Type.Integer(), errmsg: Str, ...fields }, { description });
const Timeline = Type.Object({
  items: Type.Array(
    Type.Object({
      msgId: Str,
      from: Type.Union([Type.Object({ userId: Str }), Type.Object({ robotCode: Str }), Type.Object({ webhookRobot: Str })]),
      text: Str,
      msgKey: Type.Union([Str, Type.Null()]),
      createdAt: Type.Integer(),
      via: Type.Union([Type.Literal('user'), Type.Literal('api'), Type.Literal('sessionWebhook'), Type.Literal('webhook')]),
      atRobots: Type.Optional(Strs),
      processQueryKey: Type.Optional(Str),
      msgParam: Type.Optional(Str),
      at: Type.Optional(Type.Object({ atUserIds: Type.Optional(Strs), atMobiles: Type.Optional(Strs), isAtAll: Type.Optional(Type.Boolean()) })),
      sendStatus: Type.Optional(SendStatus),
      recipientCount: Type.Optional(Type.Integer()),
      readCount: Type.Optional(Type.Integer()),
      readAt: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
      msgtype: Type.Optional(Str),
      content: Type.Optional(Type.Record(Str, Type.Unknown())),
      files: Type.Optional(Type.Array(FileView)),
    }),
  ),
});
const StreamConnection = Type.Object({
  connectionId: Str,
  clientId: Str,
  node: Str,
  subscriptions: Type.Array(Subscription),
  ua: Str,
  localIp: Str,
  remoteAddress: Str,
  connectedAt: Type.Integer(),
  unacknowledged: Type.Array(
    Type.Object({ messageId: Str, msgId: Str, robotCode: Str, topic: Str, attempts: Type.Integer(), createdAt: Type.Integer(), dueAt: Type.Integer() }),
  ),
});

/** Routes that answer 201 (what a simulated user says is a new message). */
export const CREATED: ReadonlySet<string> = new Set([
  'POST /_dingread/v1/robots/:robotCode/chats/:userId/messages',
  'POST /_dingread/v1/conversations/:openConversationId/messages',
  'POST /_dingread/v1/cardTemplates',
  'POST /_dingread/v1/orgs/:corpId/files',
]);

// Interactive cards (docs/cards.md).
const CardDeliverResult = Type.Object({
  spaceType: Str,
  spaceId: Str,
  success: Type.Boolean(),
  carrierId: Type.Optional(Str),
  errorMsg: Type.Optional(Str),
});
const CardDone = Type.Object({ success: Type.Boolean(), result: Type.Boolean() });
const CardParamMap = Type.Record(Str, Str);
const CardButton = Type.Object({ text: Str, actionId: Str, params: Type.Optional(Type.Record(Str, Type.Unknown())) });
const CardTemplate = Type.Object({ orgId: Type.Union([Type.Integer(), Type.Null()]), cardTemplateId: Str, name: Str, buttons: Type.Array(CardButton) });
const CardView = Type.Object({
  outTrackId: Str,
  corpId: Str,
  cardTemplateId: Str,
  templateName: Type.Union([Str, Type.Null()]),
  buttons: Type.Array(CardButton),
  cardData: CardParamMap,
  privateData: Type.Record(Str, CardParamMap),
  callbackType: Type.Union([Type.Literal('STREAM'), Type.Literal('HTTP'), Type.Null()]),
  streaming: Type.Record(Str, Str),
  deliveries: Type.Array(
    Type.Object({
      spaceType: Str,
      spaceId: Str,
      openConversationId: Type.Union([Str, Type.Null()]),
      robotCode: Type.Union([Str, Type.Null()]),
      carrierId: Type.Union([Str, Type.Null()]),
      deliveredAt: Type.Integer(),
    }),
  ),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

/** Successful answers (200, or 201 for CREATED) by `METHOD url` (Fastify's spelling of the path). */
export const RESPONSES: Record<string, TSchema> = {
  'POST /v1.0/oauth2/accessToken': Token,
  'POST /v1.0/oauth2/corpAccessToken': Token,
  'POST /v1.0/oauth2/suiteAccessToken': Token,
  'POST /v1.0/robot/oToMessages/batchSend': Type.Object({
    processQueryKey: Str,
    invalidStaffIdList: Strs,
    flowControlledStaffIdList: Strs,
  }),
  'GET /v1.0/robot/oToMessages/readStatus': Type.Object({
    sendStatus: SendStatus,
    messageReadInfoList: Type.Array(
      Type.Object({
        name: Str,
        userId: Str,
        readStatus: Type.Union([Type.Literal('READ'), Type.Literal('UNREAD')]),
        readTimestamp: Type.Optional(Type.Integer()),
      }),
    ),
  }),
  'POST /v1.0/robot/otoMessages/batchRecall': Recall,
  'POST /v1.0/robot/groupMessages/send': SendResult,
  'POST /v1.0/robot/groupMessages/query': ChatQuery,
  'POST /v1.0/robot/groupMessages/recall': Recall,
  'POST /v1.0/robot/privateChatMessages/send': SendResult,
  'POST /v1.0/robot/privateChatMessages/query': ChatQuery,
  'POST /v1.0/robot/privateChatMessages/batchRecall': Recall,
  'POST /v1.0/card/instances/createAndDeliver': Type.Object({
    success: Type.Boolean(),
    result: Type.Object({ outTrackId: Str, deliverResults: Type.Array(CardDeliverResult) }),
  }),
  'POST /v1.0/card/instances': Type.Object({ success: Type.Boolean(), result: Str }),
  'POST /v1.0/card/instances/deliver': Type.Object({ success: Type.Boolean(), result: Type.Array(CardDeliverResult) }),
  'PUT /v1.0/card/instances': CardDone,
  'PUT /v1.0/card/streaming': CardDone,
  'POST /v1.0/gateway/connections/open': Type.Object({ endpoint: Str, ticket: Str }),
  // Errors too are HTTP 200 here, as `{errcode, errmsg}` (docs/errors.md).
  'GET /gettoken': Type.Object({ errcode: Type.Integer(), errmsg: Str, access_token: Type.Optional(Str), expires_in: Type.Optional(Type.Integer()) }),
  'POST /robot/sendBySession': Type.Object({ errcode: Type.Integer(), errmsg: Str }, { description: 'errors too: always HTTP 200' }),
  'POST /robot/send': Type.Object({ errcode: Type.Integer(), errmsg: Str }, { description: 'errors too: always HTTP 200' }),
  'POST /media/upload': Legacy(
    { type: Type.Optional(Str), media_id: Type.Optional(Str), created_at: Type.Optional(Type.Integer()), sub_code: Type.Optional(Str), sub_msg: Type.Optional(Str) },
    'multipart/form-data: the file in part `media`, `type` in the query or a field; errors too: always HTTP 200 (docs/media.md)',
  ),
  'POST /v1.0/robot/messageFiles/download': Type.Object({ downloadUrl: Str }),
  'GET /media/download/:downloadCode': Type.String({ description: "the file's bytes, with its content type (the URL messageFiles/download answers)" }),

  'GET /_dingread/health': Type.Object({ status: Type.Literal('ok'), version: Str, store: Str }),
  'POST /_dingread/v1/fixtures': Counts,
  'GET /_dingread/v1/fixtures': FixtureDocument,
  'POST /_dingread/v1/reset': Empty,
  'POST /_dingread/v1/reads': Type.Object({
    accepted: Type.Integer(),
    ignored: Type.Array(Type.Object({ index: Type.Integer(), reason: Str })),
  }),
  'POST /_dingread/v1/conversations/:openConversationId/read': Marked,
  'POST /_dingread/v1/robots/:robotCode/chats/:userId/read': Marked,
  'POST /_dingread/v1/suites/:suiteKey/ticket': Type.Object({ suiteKey: Str, suiteTicket: Str }),
  'DELETE /_dingread/v1/orgs/:corpId/authorizations/:suiteKey': Empty,
  'GET /_dingread/v1/clock': Clock,
  'POST /_dingread/v1/clock': Clock,
  'POST /_dingread/v1/faults': Fault,
  'GET /_dingread/v1/faults': Type.Object({ items: Type.Array(Fault) }),
  'DELETE /_dingread/v1/faults': Removed,
  'DELETE /_dingread/v1/faults/:id': Empty,
  'GET /_dingread/v1/requests': Type.Object({ items: Type.Array(LoggedRequest) }),
  'DELETE /_dingread/v1/requests': Removed,
  'POST /_dingread/v1/robots/:robotCode/chats/:userId/messages': SayResult,
  'GET /_dingread/v1/robots/:robotCode/chats/:userId/messages': Timeline,
  'POST /_dingread/v1/conversations/:openConversationId/messages': SayResult,
  'GET /_dingread/v1/conversations/:openConversationId/messages': Timeline,
  'GET /_dingread/v1/stream/connections': Type.Object({ items: Type.Array(StreamConnection) }),
  'POST /_dingread/v1/orgs/:corpId/files': Type.Intersect([FileView, Type.Object({ downloadCode: Str })], {
    description: 'multipart/form-data as media/upload takes it: a file a simulated user will send (docs/media.md)',
  }),
  'GET /_dingread/v1/files/:fileId': FileView,
  'GET /_dingread/v1/files/:fileId/content': Type.String({ description: "the file's bytes" }),
  'DELETE /_dingread/v1/stream/connections/:connectionId': Empty,
  'POST /_dingread/v1/cardTemplates': CardTemplate,
  'GET /_dingread/v1/cardTemplates': Type.Object({ items: Type.Array(CardTemplate) }),
  'GET /_dingread/v1/cards/:outTrackId': CardView,
  'GET /_dingread/v1/messages/:processQueryKey/card': CardView,
  'POST /_dingread/v1/cards/:outTrackId/actions': Type.Object({
    status: Type.Union([Type.Literal('delivered'), Type.Literal('noConnection'), Type.Literal('noCallback')]),
  }),
};

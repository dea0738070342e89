/**
 * What every route answers on success, by `METHOD url`: the schemas Fastify serializes the answers
 * with (attached to each route as it is registered, `attachResponseSchema`), that the OpenAPI
 * document prints, and that the tests check every real answer against (answer-check.ts). The
 * shapes the core builds come from core/answers.ts, where the core's result types are derived
 * from them; the ones only the HTTP side builds are here.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { RouteOptions } from 'fastify';
import {
  ChatQueryResult,
  ChatSendResult,
  FileView,
  FixtureCounts,
  IssuedToken,
  MessageDetail,
  MessageList,
  OtoQueryResult,
  OtoSendResult,
  RecallResult,
  SayResult,
  StringEnum,
  TimelineItem,
} from '../core/answers.js';
import { FixtureDocument } from '../core/fixtures.js';

const Str = Type.String();
const Strs = Type.Array(Type.String());
const Marked = Type.Object({ marked: Type.Integer() });
const Clock = Type.Object({ nowMs: Type.Integer(), mode: StringEnum(['system', 'manual']) });
const Empty = Type.Object({});
const Removed = Type.Object({ removed: Type.Integer() });
/** A document whose every field is passed through as it is (the serializer drops nothing). */
const Open = Type.Object({}, { additionalProperties: true });

export const ErrorEnvelopeSchema = Type.Object({
  code: Str,
  message: Str,
  requestid: Str,
  accessdenieddetail: Type.Optional(Type.Object({ requiredScopes: Strs })),
});

/** The legacy host's answer, errors included (always HTTP 200): `{errcode, errmsg}`. */
export const LegacyAnswerSchema = Type.Object({ errcode: Type.Integer(), errmsg: Str }, { description: 'errors too: always HTTP 200' });

const Fault = Type.Object({
  id: Str,
  match: Type.Optional(Type.Object({ path: Type.Optional(Str), appKey: Type.Optional(Str), robotCode: Type.Optional(Str) })),
  error: Type.Optional(Type.Object({ status: Type.Integer(), code: Str, message: Type.Optional(Str) })),
  latencyMs: Type.Optional(Type.Integer()),
  drop: Type.Optional(Type.Boolean()),
  probability: Type.Optional(Type.Number()),
  count: Type.Optional(Type.Integer()),
  fired: Type.Integer(),
});

const LoggedRequest = Type.Object({
  seq: Type.Integer(),
  requestId: Str,
  at: Type.Integer(),
  method: Str,
  host: Type.Optional(Str),
  via: Type.Optional(StringEnum(['absolute', 'tunnel'])),
  path: Str,
  query: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  appKey: Type.Optional(Str),
  status: Type.Integer({ description: '0 when an injected fault dropped the connection' }),
  code: Type.Optional(Str),
  durationMs: Type.Integer(),
  faults: Type.Optional(Strs),
  unknownFields: Type.Optional(Strs),
  bodiesDropped: Type.Optional(Type.Literal(true, { description: "the call's bodies no longer fit the log's body budget" })),
  requestBody: Type.Optional(Type.Unknown()),
  responseBody: Type.Optional(Type.Unknown()),
});

const Legacy = (fields: Record<string, TSchema>, description: string) =>
  Type.Object({ errcode: Type.Integer(), errmsg: Str, ...fields }, { description });
const StreamConnection = Type.Object({
  connectionId: Str,
  clientId: Str,
  subscriptions: Type.Array(Type.Object({ type: Str, topic: Str })),
  ua: Str,
  localIp: Str,
  remoteAddress: Str,
  connectedAt: Type.Integer(),
  node: Str,
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

/**
 * Routes that answer no JSON: the event stream (text/event-stream, written to the socket), the
 * metrics (Prometheus text), the local CA's certificate (PEM) and files' bytes. Every other route has its entry
 * in RESPONSES.
 */
export const NOT_JSON: ReadonlySet<string> = new Set([
  'GET /_dingread/v1/events',
  'GET /_dingread/metrics',
  'GET /_dingread/v1/ca.pem',
  // A file's bytes, with its own content type (docs/media.md).
  'GET /media/download/:downloadCode',
  'GET /_dingread/v1/files/:fileId/content',
]);

/** Successful answers (200, or 201 for CREATED) by `METHOD url` (Fastify's spelling of the path). */
export const RESPONSES: Record<string, TSchema> = {
  'POST /v1.0/oauth2/accessToken': IssuedToken,
  'POST /v1.0/oauth2/corpAccessToken': IssuedToken,
  'POST /v1.0/oauth2/suiteAccessToken': IssuedToken,
  'POST /v1.0/robot/oToMessages/batchSend': OtoSendResult,
  'GET /v1.0/robot/oToMessages/readStatus': OtoQueryResult,
  'POST /v1.0/robot/otoMessages/batchRecall': RecallResult,
  'POST /v1.0/robot/groupMessages/send': ChatSendResult,
  'POST /v1.0/robot/groupMessages/query': ChatQueryResult,
  'POST /v1.0/robot/groupMessages/recall': RecallResult,
  'POST /v1.0/robot/privateChatMessages/send': ChatSendResult,
  'POST /v1.0/robot/privateChatMessages/query': ChatQueryResult,
  'POST /v1.0/robot/privateChatMessages/batchRecall': RecallResult,
  'POST /v1.0/card/instances/createAndDeliver': Type.Object({
    success: Type.Boolean(),
    result: Type.Object({ outTrackId: Str, deliverResults: Type.Array(CardDeliverResult) }),
  }),
  'POST /v1.0/card/instances': Type.Object({ success: Type.Boolean(), result: Str }),
  'POST /v1.0/card/instances/deliver': Type.Object({ success: Type.Boolean(), result: Type.Array(CardDeliverResult) }),
  'PUT /v1.0/card/instances': CardDone,
  'PUT /v1.0/card/streaming': CardDone,
  'POST /v1.0/robot/messageFiles/download': Type.Object({ downloadUrl: Str }),
  'POST /v1.0/gateway/connections/open': Type.Object({ endpoint: Str, ticket: Str }),
  // Errors too are HTTP 200 here, as `{errcode, errmsg}` (docs/errors.md).
  'GET /gettoken': Type.Object({ errcode: Type.Integer(), access_token: Type.Optional(Str), errmsg: Str, expires_in: Type.Optional(Type.Integer()) }),
  'POST /robot/sendBySession': LegacyAnswerSchema,
  'POST /robot/send': LegacyAnswerSchema,
  'POST /media/upload': Legacy(
    { type: Type.Optional(Str), media_id: Type.Optional(Str), created_at: Type.Optional(Type.Integer()), sub_code: Type.Optional(Str), sub_msg: Type.Optional(Str) },
    'multipart/form-data: the file in part `media`, `type` in the query or a field; errors too: always HTTP 200 (docs/media.md)',
  ),

  'GET /_dingread/health': Type.Object({ status: Type.Literal('ok'), version: Str, store: Str }),
  'GET /_dingread/ready': Type.Object({ status: Type.Literal('ready'), store: Str }),
  'GET /_dingread/openapi.json': Open,
  'POST /_dingread/v1/fixtures': FixtureCounts,
  'GET /_dingread/v1/fixtures': FixtureDocument,
  'POST /_dingread/v1/reset': Empty,
  'POST /_dingread/v1/reads': Type.Object({
    accepted: Type.Integer(),
    ignored: Type.Array(Type.Object({ index: Type.Integer(), reason: Str })),
  }),
  'POST /_dingread/v1/conversations/:openConversationId/read': Marked,
  'POST /_dingread/v1/robots/:robotCode/chats/:userId/read': Marked,
  'GET /_dingread/v1/messages/:processQueryKey': MessageDetail,
  'GET /_dingread/v1/messages': MessageList,
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
  'GET /_dingread/v1/robots/:robotCode/chats/:userId/messages': Type.Object({ items: Type.Array(TimelineItem) }),
  'POST /_dingread/v1/conversations/:openConversationId/messages': SayResult,
  'GET /_dingread/v1/conversations/:openConversationId/messages': Type.Object({ items: Type.Array(TimelineItem) }),
  'GET /_dingread/v1/stream/connections': Type.Object({ items: Type.Array(StreamConnection) }),
  'POST /_dingread/v1/orgs/:corpId/files': Type.Composite([FileView, Type.Object({ downloadCode: Str })], {
    description: 'multipart/form-data as media/upload takes it: a file a simulated user will send (docs/media.md)',
  }),
  'GET /_dingread/v1/files/:fileId': FileView,
  'DELETE /_dingread/v1/stream/connections/:connectionId': Empty,
  'POST /_dingread/v1/cardTemplates': CardTemplate,
  'GET /_dingread/v1/cardTemplates': Type.Object({ items: Type.Array(CardTemplate) }),
  'GET /_dingread/v1/cards/:outTrackId': CardView,
  'GET /_dingread/v1/messages/:processQueryKey/card': CardView,
  'POST /_dingread/v1/cards/:outTrackId/actions': Type.Object({
    status: Type.Union([Type.Literal('delivered'), Type.Literal('noConnection'), Type.Literal('noCallback')]),
  }),
};

/** The status a route's success answers carry. */
export function successStatus(key: string): 200 | 201 {
  return CREATED.has(key) ? 201 : 200;
}

/**
 * `onRoute`: gives the route its response schema from RESPONSES, so that Fastify serializes its
 * success answers with it. Errors keep their own writer (envelope.ts) and shapes.
 */
export function attachResponseSchema(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  for (const method of methods) {
    const key = `${method === 'HEAD' ? 'GET' : method} ${route.url}`;
    const schema = RESPONSES[key];
    if (schema === undefined) continue;
    route.schema = { ...route.schema, response: { [successStatus(key)]: schema } };
    return;
  }
}

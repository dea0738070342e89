/**
 * `GET /_dingread/openapi.json`: every route is in it, it is OpenAPI 3.1, and each request schema
 * in it is the very schema its route validates with.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import * as dingtalk from '../../src/api/schemas.js';
import * as control from '../../src/api/control/schemas.js';
import * as emulator from '../../src/api/emulator/schemas.js';
import { EventsQuery } from '../../src/api/control/events.routes.js';
import { ConnectionParams, SayInConversationBody, SayToRobotBody } from '../../src/api/control/chat.routes.js';
import { CardParams, CorpQuery, PressBody, TemplateBody } from '../../src/api/control/card.routes.js';
import * as card from '../../src/api/dingtalk/card.routes.js';
import { GetTokenQuery } from '../../src/api/dingtalk/legacy.routes.js';
import { FileParams, OrgParams } from '../../src/api/media/files.routes.js';
import { MessageFileDownloadBody } from '../../src/api/media/media.routes.js';
import { OpenConnectionBody } from '../../src/api/stream/stream.routes.js';
import { FixtureDocument } from '../../src/core/fixtures.js';
import { startServer, type RunningServer } from '../../src/server.js';

/** What each route validates, as its registration says (src/api/**.routes.ts, emulator.ts). */
const VALIDATES: Record<string, { body?: TSchema; querystring?: TSchema; params?: TSchema }> = {
  'POST /v1.0/oauth2/accessToken': { body: dingtalk.AccessTokenBody },
  'POST /v1.0/oauth2/corpAccessToken': { body: dingtalk.CorpAccessTokenBody },
  'POST /v1.0/oauth2/suiteAccessToken': { body: dingtalk.SuiteAccessTokenBody },
  'POST /v1.0/robot/oToMessages/batchSend': { body: dingtalk.OtoSendBody },
  'GET /v1.0/robot/oToMessages/readStatus': { querystring: dingtalk.OtoQueryQuery },
  'POST /v1.0/robot/otoMessages/batchRecall': { body: dingtalk.OtoRecallBody },
  'POST /v1.0/robot/groupMessages/send': { body: dingtalk.GroupSendBody },
  'POST /v1.0/robot/groupMessages/query': { body: dingtalk.GroupQueryBody },
  'POST /v1.0/robot/groupMessages/recall': { body: dingtalk.ChatRecallBody },
  'POST /v1.0/robot/privateChatMessages/send': { body: dingtalk.PrivateChatSendBody },
  'POST /v1.0/robot/privateChatMessages/query': { body: dingtalk.PrivateChatQueryBody },
  'POST /v1.0/robot/privateChatMessages/batchRecall': { body: dingtalk.ChatRecallBody },
  'GET /gettoken': { querystring: GetTokenQuery },
  'GET /_dingread/health': {},
  'GET /_dingread/ready': {},
  'GET /_dingread/metrics': {},
  'GET /_dingread/openapi.json': {},
  'POST /_dingread/v1/fixtures': { body: FixtureDocument },
  'GET /_dingread/v1/fixtures': {},
  'POST /_dingread/v1/reset': {},
  'POST /_dingread/v1/reads': { body: control.ReadsBody },
  'POST /_dingread/v1/conversations/{openConversationId}/read': { params: control.ConversationParams, body: control.OpenConversationBody },
  'POST /_dingread/v1/robots/{robotCode}/chats/{userId}/read': { params: control.RobotChatParams, body: control.OpenRobotChatBody },
  'GET /_dingread/v1/messages/{processQueryKey}': { params: control.KeyParams },
  'GET /_dingread/v1/messages': { querystring: control.ListMessagesQuery },
  'POST /_dingread/v1/suites/{suiteKey}/ticket': { params: control.SuiteParams, body: control.SuiteTicketBody },
  'DELETE /_dingread/v1/orgs/{corpId}/authorizations/{suiteKey}': { params: control.AuthorizationParams },
  'GET /_dingread/v1/clock': {},
  'POST /_dingread/v1/clock': { body: control.ClockBody },
  'POST /_dingread/v1/faults': { body: emulator.FaultBody },
  'GET /_dingread/v1/faults': {},
  'DELETE /_dingread/v1/faults': {},
  'DELETE /_dingread/v1/faults/{id}': { params: emulator.FaultParams },
  'GET /_dingread/v1/requests': { querystring: emulator.RequestsQuery },
  'DELETE /_dingread/v1/requests': {},
  'GET /_dingread/v1/events': { querystring: EventsQuery },
  'GET /_dingread/v1/ca.pem': {},
  'POST /v1.0/gateway/connections/open': { body: OpenConnectionBody },
  'POST /robot/sendBySession': {},
  'POST /robot/send': {},
  'POST /_dingread/v1/robots/{robotCode}/chats/{userId}/messages': { params: control.RobotChatParams, body: SayToRobotBody },
  'GET /_dingread/v1/robots/{robotCode}/chats/{userId}/messages': { params: control.RobotChatParams },
  'POST /_dingread/v1/conversations/{openConversationId}/messages': { params: control.ConversationParams, body: SayInConversationBody },
  'GET /_dingread/v1/conversations/{openConversationId}/messages': { params: control.ConversationParams },
  'GET /_dingread/v1/stream/connections': {},
  'DELETE /_dingread/v1/stream/connections/{connectionId}': { params: ConnectionParams },
  'POST /v1.0/card/instances/createAndDeliver': { body: card.CreateAndDeliverBody },
  'POST /v1.0/card/instances': { body: card.CreateCardBody },
  'POST /v1.0/card/instances/deliver': { body: card.DeliverCardBody },
  'PUT /v1.0/card/instances': { body: card.UpdateCardBody },
  'PUT /v1.0/card/streaming': { body: card.StreamingBody },
  'POST /_dingread/v1/cardTemplates': { body: TemplateBody },
  'GET /_dingread/v1/cardTemplates': { querystring: CorpQuery },
  'GET /_dingread/v1/cards/{outTrackId}': { params: CardParams, querystring: CorpQuery },
  'GET /_dingread/v1/messages/{processQueryKey}/card': { params: control.KeyParams },
  'POST /_dingread/v1/cards/{outTrackId}/actions': { params: CardParams, body: PressBody },
  // Media (docs/media.md): the uploads are multipart, read by the route itself.
  'POST /media/upload': {},
  'POST /v1.0/robot/messageFiles/download': { body: MessageFileDownloadBody },
  'GET /media/download/{downloadCode}': {},
  'POST /_dingread/v1/orgs/{corpId}/files': { params: OrgParams },
  'GET /_dingread/v1/files/{fileId}': { params: FileParams },
  'GET /_dingread/v1/files/{fileId}/content': { params: FileParams },
};

interface Operation {
  operationId: string;
  parameters: Array<{ name: string; in: string; required: boolean; schema: unknown }>;
  requestBody?: { content: { 'application/json': { schema: unknown } } };
  responses: Record<string, unknown>;
}

/** `METHOD /path` of every route Fastify knows, from its route tree (HEAD twins left out). */
function registeredRoutes(tree: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = (match[1] as string).length / 4;
    stack.length = depth;
    stack.push(match[2] as string);
    const path = stack.join('').replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    for (const method of (match[3] ?? '').split(', ').filter((m) => m && m !== 'HEAD')) out.push(`${method} ${path}`);
  }
  return out.sort();
}

const plain = (schema: TSchema): unknown => JSON.parse(JSON.stringify(schema));

describe('OpenAPI document', () => {
  let server: RunningServer;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
  let text: string;
  before(async () => {
    server = await startServer({ port: 0, store: 'memory' });
    const response = await fetch(`${server.url}/_dingread/openapi.json`);
    assert.equal(response.status, 200);
    assert.match(String(response.headers.get('content-type')), /^application\/json/);
    text = await response.text();
    doc = JSON.parse(text);
  });
  after(() => server.close());

  const operations = (): string[] =>
    Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();

  it('is OpenAPI 3.1 with unique operation ids and an error envelope', () => {
    assert.equal(doc.openapi, '3.1.0');
    const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(Object.keys(doc.components.schemas), ['ErrorEnvelope']);
    assert.ok(!text.includes('"[object'), 'nothing was stringified by accident');
  });

  it('holds every registered route, and nothing else', () => {
    // The dashboard's pages are not API: they stay out of the document.
    const registered = registeredRoutes(server.app.printRoutes({ commonPrefix: false })).filter(
      (route) => !route.includes(' /_dingread/ui'),
    );
    assert.ok(registered.length >= 28, `read ${registered.length} routes from Fastify`);
    assert.deepEqual(operations(), registered);
  });

  it('gives each route the request schemas it validates with', () => {
    assert.deepEqual(operations(), Object.keys(VALIDATES).sort(), 'the table above names every route');
    for (const [key, expected] of Object.entries(VALIDATES)) {
      const [method, path] = key.split(' ') as [string, string];
      const op = doc.paths[path]?.[method.toLowerCase()] as Operation;
      const body = op.requestBody?.content['application/json'].schema;
      assert.deepEqual(body, expected.body ? plain(expected.body) : undefined, `${key} body`);
      for (const [where, schema] of [['query', expected.querystring], ['path', expected.params]] as const) {
        const given = op.parameters.filter((p) => p.in === where);
        const properties = (schema?.['properties'] ?? {}) as Record<string, TSchema>;
        const required = new Set((schema?.['required'] ?? []) as string[]);
        assert.deepEqual(given.map((p) => p.name), Object.keys(properties), `${key} ${where} parameters`);
        for (const parameter of given) {
          assert.deepEqual(parameter.schema, plain(properties[parameter.name] as TSchema), `${key} ${where} ${parameter.name}`);
          assert.equal(parameter.required, where === 'path' || required.has(parameter.name));
        }
      }
    }
  });

  it('describes the answers of every DingTalk route', () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1.0/')) continue;
      for (const op of Object.values(methods)) {
        const ok = op.responses['200'] as { content: { 'application/json': { schema: { type: string; properties?: object } } } };
        assert.ok(ok.content['application/json'].schema.properties, `${path} has a response schema`);
      }
    }
  });

  it('documents what a simulated user says as 201 Created, with its answer', () => {
    for (const path of ['/_dingread/v1/robots/{robotCode}/chats/{userId}/messages', '/_dingread/v1/conversations/{openConversationId}/messages']) {
      const post = doc.paths[path]?.['post'] as Operation;
      assert.deepEqual(Object.keys(post.responses), ['201', 'default']);
      const created = post.responses['201'] as { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
      assert.deepEqual(Object.keys(created.content['application/json'].schema.properties), ['msgId', 'deliveries']);
    }
  });
});

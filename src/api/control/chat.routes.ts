/**
 * The control plane's chats (control-plane.md, "Added with Stream mode"): simulated users write
 * to robots and in conversations, timelines as a phone shows them, and the Stream connections.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  conversationTimeline,
  MAX_TEXT_LENGTH,
  robotChatTimeline,
  sayInConversation,
  sayToRobot,
  type SayContent,
} from '../../core/chats.js';
import type { CoreContext } from '../../core/context.js';
import { fail } from '../../core/errors.js';
import type { StreamHub } from '../../core/stream-hub.js';
import { ConversationParams, RobotChatParams } from './schemas.js';

const strict = { additionalProperties: false } as const;
const Id = Type.String({ minLength: 1, maxLength: 512 });
const Text = Type.String({ minLength: 1, maxLength: MAX_TEXT_LENGTH });

/** Text, or a file uploaded for users (`POST /orgs/{corpId}/files`, docs/media.md): one of the two. */
const Said = { text: Type.Optional(Text), fileId: Type.Optional(Id) };
export const SayToRobotBody = Type.Object(Said, strict);
export const SayInConversationBody = Type.Object(
  { userId: Id, ...Said, atRobots: Type.Optional(Type.Array(Id, { maxItems: 100 })) },
  strict,
);

/** Exactly one of text and fileId. */
function contentOf(body: { text?: string; fileId?: string }): SayContent {
  if (body.text !== undefined && body.fileId === undefined) return { text: body.text };
  if (body.fileId !== undefined && body.text === undefined) return { fileId: body.fileId };
  fail('invalidParameter.param.invalid', 'send either text or fileId');
}
export const ConnectionParams = Type.Object({ connectionId: Id });
type SayToRobotBody = Static<typeof SayToRobotBody>;
type SayInConversationBody = Static<typeof SayInConversationBody>;

/** Guarded like every route under /_dingread/v1 (api/access.ts decides by the route reached). */
export function chatRoutes(ctx: CoreContext, hub: StreamHub) {
  return async function register(v1: FastifyInstance): Promise<void> {
    v1.post(
      '/robots/:robotCode/chats/:userId/messages',
      { schema: { params: RobotChatParams, body: SayToRobotBody } },
      async (request, reply) => {
        const { robotCode, userId } = request.params as { robotCode: string; userId: string };
        reply.code(201);
        return sayToRobot(ctx, hub, robotCode, userId, contentOf(request.body as SayToRobotBody));
      },
    );
    v1.get('/robots/:robotCode/chats/:userId/messages', { schema: { params: RobotChatParams } }, (request) => {
      const { robotCode, userId } = request.params as { robotCode: string; userId: string };
      return robotChatTimeline(ctx, robotCode, userId);
    });

    v1.post(
      '/conversations/:openConversationId/messages',
      { schema: { params: ConversationParams, body: SayInConversationBody } },
      async (request, reply) => {
        const { openConversationId } = request.params as { openConversationId: string };
        reply.code(201);
        const body = request.body as SayInConversationBody;
        const input = { userId: body.userId, ...contentOf(body), ...(body.atRobots ? { atRobots: body.atRobots } : {}) };
        return sayInConversation(ctx, hub, openConversationId, input);
      },
    );
    v1.get('/conversations/:openConversationId/messages', { schema: { params: ConversationParams } }, (request) =>
      conversationTimeline(ctx, (request.params as { openConversationId: string }).openConversationId),
    );

    v1.get('/stream/connections', async () => ({ items: await hub.listConnections() }));
    v1.delete('/stream/connections/:connectionId', { schema: { params: ConnectionParams } }, async (request) => {
      const { connectionId } = request.params as { connectionId: string };
      if (!(await hub.disconnect(connectionId))) fail('object.notFound', `no Stream connection ${connectionId}`);
      return {};
    });
  };
}

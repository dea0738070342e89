/** `/_dingread/*`: the control plane (control-plane.md), for tests, simulators and the dashboard. */
import type { FastifyInstance } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { applyFixture, exportFixture } from '../../core/fixtures.js';
import { inspectMessage, listMessages, type ListQuery } from '../../core/inspection.js';
import { openConversation, openRobotChat, recordReads } from '../../core/reads.js';
import { revokeAuthorization, setSuiteTicket } from '../../core/suites.js';
import {
  AuthorizationParams,
  ClockBody,
  ConversationParams,
  KeyParams,
  ListMessagesQuery,
  OpenConversationBody,
  OpenRobotChatBody,
  ReadsBody,
  RobotChatParams,
  SuiteParams,
  SuiteTicketBody,
} from './schemas.js';

/** A fixture of 100,000 users or a batch of 10,000 reads fits; anything much larger is refused unread. */
export const CONTROL_BODY_LIMIT = 16 * 1024 * 1024;

/** Who may call these routes is decided for every request in api/access.ts. */
export interface ControlPlaneOptions {
  version: string;
  /** After `POST /reset` has emptied the store (Stream mode disconnects its clients). */
  onReset?: () => Promise<void>;
}

export function controlRoutes(ctx: CoreContext, options: ControlPlaneOptions) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.get('/_dingread/health', async () => ({ status: 'ok', version: options.version, store: ctx.store.kind }));

    await app.register(async (v1) => {
      const big = { bodyLimit: CONTROL_BODY_LIMIT };

      v1.post('/fixtures', big, async (request) => {
        const counts = await applyFixture(ctx, request.body);
        ctx.events.emit({ type: 'changed', what: 'directory' });
        return counts;
      });
      v1.get('/fixtures', () => exportFixture(ctx));
      v1.post('/reset', async () => {
        await ctx.store.reset();
        await options.onReset?.();
        ctx.events.emit({ type: 'changed', what: 'reset' });
        return {};
      });

      v1.post('/reads', { ...big, schema: { body: ReadsBody } }, (request) =>
        recordReads(ctx, (request.body as ReadsBody).reads),
      );
      v1.post(
        '/conversations/:openConversationId/read',
        { schema: { params: ConversationParams, body: OpenConversationBody } },
        (request) => {
          const { openConversationId } = request.params as { openConversationId: string };
          const body = request.body as OpenConversationBody;
          return openConversation(ctx, openConversationId, body.userId, body.readAt);
        },
      );
      v1.post(
        '/robots/:robotCode/chats/:userId/read',
        { schema: { params: RobotChatParams, body: OpenRobotChatBody } },
        (request) => {
          const { robotCode, userId } = request.params as { robotCode: string; userId: string };
          return openRobotChat(ctx, robotCode, userId, (request.body as OpenRobotChatBody | undefined)?.readAt);
        },
      );

      v1.get('/messages/:processQueryKey', { schema: { params: KeyParams } }, (request) =>
        inspectMessage(ctx, (request.params as { processQueryKey: string }).processQueryKey),
      );
      v1.get('/messages', { schema: { querystring: ListMessagesQuery } }, (request) => {
        const { limit, total, ...rest } = request.query as ListMessagesQuery;
        const query: ListQuery = { ...rest, total: total === 'true' };
        if (limit !== undefined) query.limit = Number(limit);
        return listMessages(ctx, query);
      });

      v1.post('/suites/:suiteKey/ticket', { schema: { params: SuiteParams, body: SuiteTicketBody } }, (request) =>
        setSuiteTicket(
          ctx,
          (request.params as { suiteKey: string }).suiteKey,
          (request.body as SuiteTicketBody | undefined)?.suiteTicket,
        ),
      );
      v1.delete('/orgs/:corpId/authorizations/:suiteKey', { schema: { params: AuthorizationParams } }, (request) => {
        const { corpId, suiteKey } = request.params as { corpId: string; suiteKey: string };
        return revokeAuthorization(ctx, corpId, suiteKey);
      });

      v1.get('/clock', () => ctx.clock.state());
      v1.post('/clock', { schema: { body: ClockBody } }, (request) => {
        const body = request.body as ClockBody;
        let state;
        if ('advanceMs' in body) state = ctx.clock.advance(body.advanceMs);
        else if ('nowMs' in body) state = ctx.clock.set(body.nowMs);
        else state = ctx.clock.useSystem();
        ctx.events.emit({ type: 'clock', ...state });
        return state;
      });
    }, { prefix: '/_dingread/v1' });
  };
}

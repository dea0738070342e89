/**
 * `/v1.0/robot/*`: sends, recalls and the three read-status queries, at DingTalk's exact paths
 * (note `oToMessages` for send and readStatus, `otoMessages` for recall). Every route needs an
 * access token whose app has the robot scope.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CoreContext } from '../../core/context.js';
import { queryChat, queryOto } from '../../core/queries.js';
import { recall } from '../../core/recalls.js';
import { sendGroup, sendOto, sendPrivateChat } from '../../core/sends.js';
import { authenticate, ROBOT_SCOPE, type Caller } from '../../core/tokens.js';
import { admitCaller, authenticatedCaller, presentedToken } from '../request-notes.js';
import {
  ChatRecallBody,
  GroupQueryBody,
  GroupSendBody,
  OtoQueryQuery,
  OtoRecallBody,
  OtoSendBody,
  PrivateChatQueryBody,
  PrivateChatSendBody,
} from '../schemas.js';

/** DingTalk's messages are small (msgParam ≤ 15,000 bytes): a bigger body is refused before parsing. */
export const ROBOT_BODY_LIMIT = 256 * 1024;

const callerOf = (request: FastifyRequest): Caller => authenticatedCaller(request, 'robot route');

function bodyOf<T>(request: FastifyRequest): T {
  return (request.body ?? {}) as T;
}

export function robotRoutes(ctx: CoreContext) {
  return async function register(app: FastifyInstance): Promise<void> {
    // The gateway checks the token before it reads the body, so this runs in onRequest. Callback
    // form, with no promise when the token is in the store's memory (authenticate). A refusal is
    // answered a tick later, as an async hook's would be: by then Node's HTTP parser has read the
    // rest of the bytes at hand, and a request it finds broken gets its 400 alone, not two answers.
    app.addHook('onRequest', (request, _reply, done) => {
      let caller: Caller | Promise<Caller>;
      try {
        caller = authenticate(ctx, presentedToken(request));
        if (!(caller instanceof Promise)) admitCaller(request, caller, ROBOT_SCOPE);
      } catch (error) {
        caller = Promise.reject(error as Error);
      }
      if (!(caller instanceof Promise)) {
        done();
        return;
      }
      caller
        .then((found) => admitCaller(request, found, ROBOT_SCOPE))
        .then(
          () => done(),
          (error: Error) => done(error),
        );
    });

    const opts = <S>(schema: S) => ({ bodyLimit: ROBOT_BODY_LIMIT, schema: { body: schema } });

    app.post('/oToMessages/batchSend', opts(OtoSendBody), (request) =>
      sendOto(ctx, callerOf(request), bodyOf<OtoSendBody>(request)),
    );
    app.get('/oToMessages/readStatus', { schema: { querystring: OtoQueryQuery } }, (request) =>
      queryOto(ctx, callerOf(request), request.query as OtoQueryQuery),
    );
    app.post('/otoMessages/batchRecall', opts(OtoRecallBody), (request) =>
      recall(ctx, callerOf(request), 'oto', bodyOf<OtoRecallBody>(request)),
    );

    app.post('/groupMessages/send', opts(GroupSendBody), (request) =>
      sendGroup(ctx, callerOf(request), bodyOf<GroupSendBody>(request)),
    );
    app.post('/groupMessages/query', opts(GroupQueryBody), (request) =>
      queryChat(ctx, callerOf(request), 'group', bodyOf<GroupQueryBody>(request)),
    );
    app.post('/groupMessages/recall', opts(ChatRecallBody), (request) =>
      recall(ctx, callerOf(request), 'group', bodyOf<ChatRecallBody>(request)),
    );

    app.post('/privateChatMessages/send', opts(PrivateChatSendBody), (request) =>
      sendPrivateChat(ctx, callerOf(request), bodyOf<PrivateChatSendBody>(request)),
    );
    app.post('/privateChatMessages/query', opts(PrivateChatQueryBody), (request) =>
      queryChat(ctx, callerOf(request), 'privateChat', bodyOf<PrivateChatQueryBody>(request)),
    );
    app.post('/privateChatMessages/batchRecall', opts(ChatRecallBody), (request) =>
      recall(ctx, callerOf(request), 'privateChat', bodyOf<ChatRecallBody>(request)),
    );
  };
}

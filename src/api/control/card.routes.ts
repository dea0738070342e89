/**
 * The control plane's cards (control-plane.md, "Interactive cards"): an org's card templates, a
 * card as a phone shows it (with the card a robot message carries), and a simulated user
 * pressing one of its buttons.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { cardOfMessage, inspectCard, listTemplates, pressButton, saveTemplate } from '../../core/cards.js';
import type { CoreContext } from '../../core/context.js';
import type { StreamHub } from '../../core/stream-hub.js';
import { KeyParams } from './schemas.js';

const strict = { additionalProperties: false } as const;
const Id = Type.String({ minLength: 1, maxLength: 512 });
const Params = Type.Record(Type.String(), Type.Unknown());
const Button = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 256 }), actionId: Id, params: Type.Optional(Params) },
  strict,
);

export const TemplateBody = Type.Object(
  { corpId: Id, cardTemplateId: Id, name: Type.Optional(Type.String({ maxLength: 256 })), buttons: Type.Optional(Type.Array(Button, { maxItems: 20 })) },
  strict,
);
export const CorpQuery = Type.Object({ corpId: Id }, strict);
export const PressBody = Type.Object({ corpId: Id, userId: Id, actionId: Id, params: Type.Optional(Params) }, strict);
export const CardParams = Type.Object({ outTrackId: Id });

/** Guarded like every route under /_dingread/v1 (api/access.ts decides by the route reached). */
export function controlCardRoutes(ctx: CoreContext, hub: StreamHub) {
  return async function register(v1: FastifyInstance): Promise<void> {
    v1.post('/cardTemplates', { schema: { body: TemplateBody } }, async (request, reply) => {
      reply.code(201);
      return saveTemplate(ctx, request.body as Static<typeof TemplateBody>);
    });
    v1.get('/cardTemplates', { schema: { querystring: CorpQuery } }, (request) =>
      listTemplates(ctx, (request.query as Static<typeof CorpQuery>).corpId),
    );
    v1.get('/cards/:outTrackId', { schema: { params: CardParams, querystring: CorpQuery } }, (request) =>
      inspectCard(ctx, (request.query as Static<typeof CorpQuery>).corpId, (request.params as { outTrackId: string }).outTrackId),
    );
    v1.get('/messages/:processQueryKey/card', { schema: { params: KeyParams } }, (request) =>
      cardOfMessage(ctx, (request.params as { processQueryKey: string }).processQueryKey),
    );
    v1.post('/cards/:outTrackId/actions', { schema: { params: CardParams, body: PressBody } }, (request) =>
      pressButton(ctx, hub, (request.params as { outTrackId: string }).outTrackId, request.body as Static<typeof PressBody>),
    );
  };
}

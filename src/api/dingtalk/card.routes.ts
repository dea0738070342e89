/**
 * `/v1.0/card/*`: interactive cards at DingTalk's paths (docs/cards.md). Every route needs an
 * access token; creating, delivering and updating need scope `Card.Instance.Write`, streaming
 * `Card.Streaming.Write`, as DingTalk's documents require.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  CARD_INSTANCE_SCOPE,
  CARD_STREAMING_SCOPE,
  createAndDeliver,
  createCard,
  deliverCard,
  streamCard,
  updateCard,
} from '../../core/cards.js';
import type { CoreContext } from '../../core/context.js';
import { authenticate, type Caller } from '../../core/tokens.js';
import { admitCaller, authenticatedCaller, presentedToken } from '../request-notes.js';
import { ROBOT_BODY_LIMIT } from './robot.routes.js';

const strict = { additionalProperties: false } as const;
const Code = Type.String({ maxLength: 256 });
const OutTrackId = Type.String({ maxLength: 512 });
/** Values are checked against DingTalk's own limits in core/cards.ts, which answers its codes. */
const ParamMap = Type.Record(Type.String(), Type.String({ maxLength: 200_000 }));
const CardData = Type.Object({ cardParamMap: Type.Optional(ParamMap) });
const PrivateData = Type.Record(Type.String(), Type.Object({ cardParamMap: Type.Optional(ParamMap) }));
const Extension = Type.Record(Type.String(), Type.String());
/** A space model dingread keeps no part of (notification, search, forwarding): any object. */
const Model = Type.Object({});

const deliverModels = {
  imGroupOpenDeliverModel: Type.Optional(
    Type.Object({
      robotCode: Type.Optional(Code),
      atUserIds: Type.Optional(Type.Record(Type.String(), Type.String())),
      recipients: Type.Optional(Type.Array(Code, { maxItems: 1000 })),
      extension: Type.Optional(Extension),
    }),
  ),
  imRobotOpenDeliverModel: Type.Optional(
    Type.Object({ robotCode: Type.Optional(Code), spaceType: Type.Optional(Code), extension: Type.Optional(Extension) }),
  ),
  imSingleOpenDeliverModel: Type.Optional(
    Type.Object({ atUserIds: Type.Optional(Type.Record(Type.String(), Type.String())), extension: Type.Optional(Extension) }),
  ),
  coFeedOpenDeliverModel: Type.Optional(Model),
  docOpenDeliverModel: Type.Optional(Model),
  topOpenDeliverModel: Type.Optional(Model),
};

const spaceModels = {
  imGroupOpenSpaceModel: Type.Optional(Model),
  imRobotOpenSpaceModel: Type.Optional(Model),
  imSingleOpenSpaceModel: Type.Optional(Model),
  coFeedOpenSpaceModel: Type.Optional(Model),
  topOpenSpaceModel: Type.Optional(Model),
};

const createFields = {
  outTrackId: Type.Optional(OutTrackId),
  cardTemplateId: Type.Optional(Code),
  cardData: Type.Optional(CardData),
  privateData: Type.Optional(PrivateData),
  callbackType: Type.Optional(Code),
  callbackRouteKey: Type.Optional(Code),
  cardAtUserIds: Type.Optional(Type.Array(Code, { maxItems: 1000 })),
  openDynamicDataConfig: Type.Optional(Model),
  userId: Type.Optional(Code),
  userIdType: Type.Optional(Type.Integer()),
  ...spaceModels,
};

// The request models of the official SDK's card_1_0 client: CreateAndDeliverRequest, CreateCardRequest, DeliverCardRequest, UpdateCardRequest, StreamingUpdateRequest.
export const CreateAndDeliverBody = Type.Object({ ...createFields, openSpaceId: Type.Optional(Type.String({ maxLength: 20_000 })), ...deliverModels }, strict);
export const CreateCardBody = Type.Object(createFields, strict);
export const DeliverCardBody = Type.Object(
  { outTrackId: Type.Optional(OutTrackId), openSpaceId: Type.Optional(Type.String({ maxLength: 20_000 })), userIdType: Type.Optional(Type.Integer()), ...deliverModels },
  strict,
);
export const UpdateCardBody = Type.Object(
  {
    outTrackId: Type.Optional(OutTrackId),
    cardData: Type.Optional(CardData),
    privateData: Type.Optional(PrivateData),
    cardUpdateOptions: Type.Optional(
      Type.Object({ updateCardDataByKey: Type.Optional(Type.Boolean()), updatePrivateDataByKey: Type.Optional(Type.Boolean()) }),
    ),
    userIdType: Type.Optional(Type.Integer()),
  },
  strict,
);
export const StreamingBody = Type.Object(
  {
    outTrackId: Type.Optional(OutTrackId),
    guid: Type.Optional(Code),
    key: Type.Optional(Code),
    content: Type.Optional(Type.String({ maxLength: 200_000 })),
    isFull: Type.Optional(Type.Boolean()),
    isFinalize: Type.Optional(Type.Boolean()),
    isError: Type.Optional(Type.Boolean()),
  },
  strict,
);

const callerOf = (request: FastifyRequest): Caller => authenticatedCaller(request, 'card route');

function bodyOf<T>(request: FastifyRequest): T {
  return (request.body ?? {}) as T;
}

export function cardRoutes(ctx: CoreContext) {
  return async function register(app: FastifyInstance): Promise<void> {
    // As on the robot routes, the token and the route's scope are checked before the body is read.
    app.addHook('onRequest', async (request) => {
      const caller = await authenticate(ctx, presentedToken(request));
      admitCaller(request, caller, request.routeOptions.url?.endsWith('/streaming') ? CARD_STREAMING_SCOPE : CARD_INSTANCE_SCOPE);
    });
    const opts = <S>(schema: S) => ({ bodyLimit: ROBOT_BODY_LIMIT, schema: { body: schema } });

    app.post('/instances/createAndDeliver', opts(CreateAndDeliverBody), (request) =>
      createAndDeliver(ctx, callerOf(request), bodyOf<Static<typeof CreateAndDeliverBody>>(request)),
    );
    app.post('/instances', opts(CreateCardBody), (request) =>
      createCard(ctx, callerOf(request), bodyOf<Static<typeof CreateCardBody>>(request)),
    );
    app.post('/instances/deliver', opts(DeliverCardBody), (request) =>
      deliverCard(ctx, callerOf(request), bodyOf<Static<typeof DeliverCardBody>>(request)),
    );
    app.put('/instances', opts(UpdateCardBody), (request) =>
      updateCard(ctx, callerOf(request), bodyOf<Static<typeof UpdateCardBody>>(request)),
    );
    app.put('/streaming', opts(StreamingBody), (request) =>
      streamCard(ctx, callerOf(request), bodyOf<Static<typeof StreamingBody>>(request)),
    );
  };
}

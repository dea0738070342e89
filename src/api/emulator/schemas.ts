/** Request shapes of the emulator's control routes: faults and the request log. */
import { Type, type Static } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;
const Id = Type.String({ minLength: 1, maxLength: 512 });

export const FaultBody = Type.Object(
  {
    match: Type.Optional(
      Type.Object(
        {
          path: Type.Optional(Type.String({ minLength: 1, maxLength: 512, pattern: '^/' })),
          appKey: Type.Optional(Id),
          robotCode: Type.Optional(Id),
        },
        strict,
      ),
    ),
    error: Type.Optional(
      Type.Object(
        {
          status: Type.Integer({ minimum: 400, maximum: 599 }),
          code: Type.String({ minLength: 1, maxLength: 256 }),
          message: Type.Optional(Type.String({ maxLength: 1024 })),
        },
        strict,
      ),
    ),
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 120_000 })),
    drop: Type.Optional(Type.Boolean()),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  },
  strict,
);

export const FaultParams = Type.Object({ id: Id });

export const RequestsQuery = Type.Object(
  {
    path: Type.Optional(Id),
    appKey: Type.Optional(Id),
    status: Type.Optional(Type.String({ pattern: '^([1-5]xx|[0-9]{1,3})$' })),
    since: Type.Optional(Type.String({ pattern: '^[0-9]{1,16}$' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  },
  strict,
);

export type FaultBody = Static<typeof FaultBody>;
export type RequestsQuery = Static<typeof RequestsQuery>;

/** Request shapes of the control plane (control-plane.md). */
import { Type, type Static } from '@sinclair/typebox';
import { LIST_STATUSES, LIST_WINDOWS } from '../../core/inspection.js';
import { MAX_READS_PER_CALL } from '../../core/reads.js';

const strict = { additionalProperties: false } as const;
const Id = Type.String({ minLength: 1, maxLength: 512 });
/** Epoch milliseconds, within what a JavaScript Date can hold. */
export const EpochMs = Type.Integer({ minimum: 0, maximum: 8.64e15 });

export const ReadsBody = Type.Object(
  {
    reads: Type.Array(
      Type.Object({ processQueryKey: Id, userId: Id, readAt: Type.Optional(EpochMs) }, strict),
      { maxItems: MAX_READS_PER_CALL },
    ),
  },
  strict,
);

export const OpenConversationBody = Type.Object({ userId: Id, readAt: Type.Optional(EpochMs) }, strict);
export const OpenRobotChatBody = Type.Object({ readAt: Type.Optional(EpochMs) }, strict);

export const ClockBody = Type.Union([
  Type.Object({ advanceMs: Type.Integer({ minimum: -8.64e15, maximum: 8.64e15 }) }, strict),
  Type.Object({ nowMs: EpochMs }, strict),
  Type.Object({ mode: Type.Literal('system') }, strict),
]);

export const ListMessagesQuery = Type.Object(
  {
    corpId: Type.Optional(Id),
    openConversationId: Type.Optional(Id),
    robotCode: Type.Optional(Id),
    sendStatus: Type.Optional(Type.Union(LIST_STATUSES.map((status) => Type.Literal(status)))),
    window: Type.Optional(Type.Union(LIST_WINDOWS.map((window) => Type.Literal(window)))),
    text: Type.Optional(Type.String({ maxLength: 200 })),
    total: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  },
  strict,
);

export const KeyParams = Type.Object({ processQueryKey: Id });
export const SuiteParams = Type.Object({ suiteKey: Id });
export const AuthorizationParams = Type.Object({ corpId: Id, suiteKey: Id });
export const SuiteTicketBody = Type.Object({ suiteTicket: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) }, strict);
export const ConversationParams = Type.Object({ openConversationId: Id });
export const RobotChatParams = Type.Object({ robotCode: Id, userId: Id });

export type ReadsBody = Static<typeof ReadsBody>;
export type OpenConversationBody = Static<typeof OpenConversationBody>;
export type OpenRobotChatBody = Static<typeof OpenRobotChatBody>;
export type ClockBody = Static<typeof ClockBody>;
export type ListMessagesQuery = Static<typeof ListMessagesQuery>;
export type SuiteTicketBody = Static<typeof SuiteTicketBody>;

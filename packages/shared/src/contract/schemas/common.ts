/** Building blocks of every schema: ids, money, times, user ids, the error body, path parameters. */
import Type, { type Static } from 'typebox'
import { USER_ID_PATTERN } from '../headers.ts'
import { IDEMPOTENCY_KEY_MAX, MAX_BALANCE } from '../limits.ts'

/** Positive integer ids; the upper bound keeps them inside a Postgres `integer`. */
export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
export const Won = Type.Integer({ minimum: 0, maximum: MAX_BALANCE, description: 'whole won' })
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601, UTC' })
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()])
export const UserId = Type.String({ pattern: USER_ID_PATTERN })

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'UPPER_SNAKE error code' }),
    message: Type.String(),
  },
  { additionalProperties: true, $id: 'ErrorResponse' },
)

export const ConcertParams = Type.Object({ concertId: Id })
export const ScheduleParams = Type.Object({ concertId: Id, scheduleId: Id })
export const ReservationParams = Type.Object({ concertId: Id, reservationId: Id })
export const PaymentParams = Type.Object({ paymentId: Id })
export type ConcertParams = Static<typeof ConcertParams>
export type ScheduleParams = Static<typeof ScheduleParams>
export type ReservationParams = Static<typeof ReservationParams>
export type PaymentParams = Static<typeof PaymentParams>

// ---- request headers the routes declare (validation and the OpenAPI document) ----
export const QueueTokenHeaders = Type.Object({
  'x-queue-token': Type.Optional(Type.String({ description: 'the queue token of this concert' })),
})
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX })),
})

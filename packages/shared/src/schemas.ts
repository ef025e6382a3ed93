/**
 * JSON schemas (TypeBox) of every request and response of ../shared/api.md, and their types.
 * Routes of both apps use these for validation, serialisation and the OpenAPI document.
 */
import Type, { type Static } from 'typebox'
import { MAX_BALANCE, MAX_CHARGE, MAX_SEATS_PER_SCHEDULE, USER_ID_PATTERN } from './headers.ts'

/** Positive integer ids; the upper bound keeps them inside a Postgres `integer`. */
export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 })
export const Won = Type.Integer({ minimum: 0, maximum: MAX_BALANCE, description: 'whole won' })
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601, UTC' })
export const UserId = Type.String({ pattern: USER_ID_PATTERN })

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'UPPER_SNAKE error code' }),
    message: Type.String(),
  },
  { additionalProperties: true, $id: 'ErrorResponse' },
)

// ---- path parameters ----
export const ConcertParams = Type.Object({ concertId: Id })
export const ScheduleParams = Type.Object({ concertId: Id, scheduleId: Id })
export const ReservationParams = Type.Object({ concertId: Id, reservationId: Id })
export type ConcertParams = Static<typeof ConcertParams>
export type ScheduleParams = Static<typeof ScheduleParams>
export type ReservationParams = Static<typeof ReservationParams>

// ---- catalog ----
export const ConcertSummary = Type.Object({
  id: Id,
  title: Type.String(),
  venue: Type.String(),
  schedules: Type.Integer({ minimum: 0, description: 'number of dates' }),
})
export const ConcertList = Type.Array(ConcertSummary)
export type ConcertSummary = Static<typeof ConcertSummary>

export const Schedule = Type.Object({
  id: Id,
  concertId: Id,
  startsAt: Timestamp,
  totalSeats: Type.Integer({ minimum: 0 }),
  availableSeats: Type.Integer({ minimum: 0 }),
})
export const ScheduleList = Type.Array(Schedule)
export type Schedule = Static<typeof Schedule>

export const SeatStatus = Type.Union([Type.Literal('AVAILABLE'), Type.Literal('HELD'), Type.Literal('SOLD')])
export const Seat = Type.Object({ seatNumber: Type.Integer({ minimum: 1 }), status: SeatStatus, price: Won })
export const SeatList = Type.Array(Seat)
export type Seat = Static<typeof Seat>
export type SeatStatus = Static<typeof SeatStatus>

// ---- holds (reservations) ----
export const HoldRequest = Type.Object(
  { scheduleId: Id, seatNumber: Type.Integer({ minimum: 1, maximum: MAX_SEATS_PER_SCHEDULE }) },
  { additionalProperties: false },
)
export type HoldRequest = Static<typeof HoldRequest>

export const ReservationStatus = Type.Union([
  Type.Literal('HELD'),
  Type.Literal('EXPIRED'),
  Type.Literal('CANCELLED'),
  Type.Literal('PAID'),
])
export type ReservationStatus = Static<typeof ReservationStatus>

export const Reservation = Type.Object({
  id: Id,
  concertId: Id,
  scheduleId: Id,
  seatNumber: Type.Integer({ minimum: 1 }),
  price: Won,
  status: ReservationStatus,
  expiresAt: Timestamp,
})
export const ReservationList = Type.Array(Reservation)
export type Reservation = Static<typeof Reservation>

// ---- payments ----
export const PaymentRequest = Type.Object(
  {
    // The per-user bound (MAX_HOLDS_PER_USER) is configuration, checked by the core; this is a sanity cap.
    reservationIds: Type.Array(Id, { minItems: 1, maxItems: 100, uniqueItems: true }),
  },
  { additionalProperties: false },
)
export type PaymentRequest = Static<typeof PaymentRequest>

export const Payment = Type.Object({
  id: Id,
  reservationIds: Type.Array(Id),
  amount: Won,
  balance: Won,
  paidAt: Timestamp,
})
export type Payment = Static<typeof Payment>

export const PaymentHistoryItem = Type.Object({
  id: Id,
  reservationIds: Type.Array(Id),
  amount: Won,
  paidAt: Timestamp,
})
export const PaymentHistory = Type.Array(PaymentHistoryItem)
export type PaymentHistoryItem = Static<typeof PaymentHistoryItem>

// ---- balance ----
export const Balance = Type.Object({ userId: UserId, balance: Won })
export type Balance = Static<typeof Balance>

export const ChargeRequest = Type.Object(
  { amount: Type.Integer({ minimum: 1, maximum: MAX_CHARGE, description: 'won to add' }) },
  { additionalProperties: false },
)
export type ChargeRequest = Static<typeof ChargeRequest>

export const ChargeResponse = Type.Object({ userId: UserId, balance: Won, charged: Won })
export type ChargeResponse = Static<typeof ChargeResponse>

// ---- administration ----
export const NewSchedule = Type.Object(
  {
    startsAt: Timestamp,
    seats: Type.Integer({ minimum: 1, maximum: MAX_SEATS_PER_SCHEDULE }),
    price: Type.Integer({ minimum: 0, maximum: MAX_CHARGE }),
  },
  { additionalProperties: false },
)
export const NewConcert = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    venue: Type.String({ minLength: 1, maxLength: 200 }),
    schedules: Type.Array(NewSchedule, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
)
export type NewConcert = Static<typeof NewConcert>

export const CreatedConcert = Type.Object({
  id: Id,
  title: Type.String(),
  venue: Type.String(),
  schedules: Type.Array(
    Type.Object({ id: Id, startsAt: Timestamp, totalSeats: Type.Integer({ minimum: 1 }), price: Won }),
  ),
})
export type CreatedConcert = Static<typeof CreatedConcert>

// ---- waiting line ----
export const QueueStatus = Type.Union([Type.Literal('WAITING'), Type.Literal('ACTIVE')])
export type QueueStatus = Static<typeof QueueStatus>

export const QueueTokenState = Type.Object({
  token: Type.String(),
  concertId: Id,
  status: QueueStatus,
  position: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: '1 = next to be admitted; null when active' }),
  estimatedWaitSeconds: Type.Integer({ minimum: 0 }),
  activeUntil: Type.Union([Timestamp, Type.Null()]),
  pollAfterMs: Type.Integer({ minimum: 0 }),
})
export type QueueTokenState = Static<typeof QueueTokenState>

export const QueueSettings = Type.Object({
  concertId: Id,
  waiting: Type.Integer({ minimum: 0 }),
  active: Type.Integer({ minimum: 0 }),
  admitPerTick: Type.Integer({ minimum: 0 }),
  maxActive: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  activeTtlSeconds: Type.Integer({ minimum: 1 }),
  paused: Type.Boolean(),
  admittedTotal: Type.Integer({ minimum: 0 }),
})
export type QueueSettings = Static<typeof QueueSettings>

export const QueueSettingsPatch = Type.Object(
  {
    admitPerTick: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    maxActive: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()])),
    activeTtlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    paused: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type QueueSettingsPatch = Static<typeof QueueSettingsPatch>

// ---- operations ----
export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('down')]))),
})

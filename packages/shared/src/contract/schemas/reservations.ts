/** Holds, payments and refunds. */
import Type, { type Static } from 'typebox'
import { MAX_GROUP, MAX_PLACES_PER_SCHEDULE } from '../limits.ts'
import { PlaceFields } from './catalog.ts'
import { Id, NullableTimestamp, Timestamp, Won } from './common.ts'

const SeatNumber = Type.Integer({ minimum: 1, maximum: MAX_PLACES_PER_SCHEDULE })
const Code = Type.String({ pattern: '^[A-Za-z0-9_-]{1,16}$' })
const Quantity = Type.Integer({ minimum: 1, maximum: MAX_GROUP })

export const HoldRequest = Type.Object({ scheduleId: Id, seatNumber: SeatNumber }, { additionalProperties: false })
export type HoldRequest = Static<typeof HoldRequest>

/** `POST …/holds`: exactly one of `seatNumbers`, `bestAvailable`, or `section` with `quantity` (the domain checks which). */
export const GroupHoldRequest = Type.Object(
  {
    scheduleId: Id,
    seatNumbers: Type.Optional(Type.Array(SeatNumber, { minItems: 1, maxItems: MAX_GROUP })),
    bestAvailable: Type.Optional(
      Type.Object(
        { quantity: Quantity, grade: Type.Optional(Code), section: Type.Optional(Code), together: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
    ),
    section: Type.Optional(Code),
    quantity: Type.Optional(Quantity),
  },
  { additionalProperties: false },
)
export type GroupHoldRequest = Static<typeof GroupHoldRequest>

export const ReservationStatus = Type.Union([
  Type.Literal('HELD'),
  Type.Literal('EXPIRED'),
  Type.Literal('CANCELLED'),
  Type.Literal('PAID'),
  Type.Literal('REFUNDED'),
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
  ...PlaceFields,
})
export const ReservationList = Type.Array(Reservation)
export type Reservation = Static<typeof Reservation>

export const GroupHold = Type.Object({ reservations: Type.Array(Reservation), expiresAt: Timestamp })
export type GroupHold = Static<typeof GroupHold>

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

export const PaymentStatus = Type.Union([Type.Literal('PAID'), Type.Literal('REFUNDED')])
export type PaymentStatus = Static<typeof PaymentStatus>

export const PaymentHistoryItem = Type.Object({
  id: Id,
  reservationIds: Type.Array(Id),
  amount: Won,
  paidAt: Timestamp,
  status: PaymentStatus,
  refundedAt: NullableTimestamp,
})
export const PaymentHistory = Type.Array(PaymentHistoryItem)
export type PaymentHistoryItem = Static<typeof PaymentHistoryItem>

export const Refund = Type.Object({ id: Id, amount: Won, balance: Won, refundedAt: Timestamp })
export type Refund = Static<typeof Refund>

/** Administration of concerts: creation, the ticket limit, the sales report. */
import Type, { type Static } from 'typebox'
import { MAX_CHARGE, MAX_SEATS_PER_SCHEDULE, MAX_TICKETS_PER_USER } from '../limits.ts'
import { Id, Timestamp, Won } from './common.ts'

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

const TicketLimit = Type.Union([Type.Integer({ minimum: 1, maximum: MAX_TICKETS_PER_USER }), Type.Null()])

export const ConcertPatch = Type.Object({ maxTicketsPerUser: TicketLimit }, { additionalProperties: false })
export type ConcertPatch = Static<typeof ConcertPatch>

/** A concert as the administration sees it. */
export const AdminConcert = Type.Object({
  id: Id,
  title: Type.String(),
  venue: Type.String(),
  schedules: Type.Integer({ minimum: 0, description: 'number of dates' }),
  maxTicketsPerUser: TicketLimit,
})
export type AdminConcert = Static<typeof AdminConcert>

export const SalesReport = Type.Object({
  concertId: Id,
  maxTicketsPerUser: TicketLimit,
  schedules: Type.Array(
    Type.Object({
      id: Id,
      startsAt: Timestamp,
      totalSeats: Type.Integer({ minimum: 0 }),
      available: Type.Integer({ minimum: 0 }),
      held: Type.Integer({ minimum: 0 }),
      sold: Type.Integer({ minimum: 0 }),
      revenue: Type.Integer({ description: 'won paid minus won refunded' }),
    }),
  ),
  payments: Type.Integer({ minimum: 0, description: 'every payment made, refunded ones included' }),
  refunds: Type.Integer({ minimum: 0 }),
  revenue: Type.Integer({ description: 'won paid minus won refunded' }),
})
export type SalesReport = Static<typeof SalesReport>

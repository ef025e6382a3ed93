/** Administration of concerts: creation, the ticket limit, the sales report. */
import Type, { type Static } from 'typebox'
import { MAX_CHARGE, MAX_SEATS_PER_SCHEDULE, MAX_TICKETS_PER_USER, PLAN_LIMITS } from '../limits.ts'
import { Id, Timestamp, Won } from './common.ts'

/** A date: with the shorthand `{ startsAt, seats, price }`; with a plan `{ startsAt }` only (the domain checks which). */
export const NewSchedule = Type.Object(
  {
    startsAt: Timestamp,
    seats: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEATS_PER_SCHEDULE })),
    price: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_CHARGE })),
  },
  { additionalProperties: false },
)

/** Codes of grades and sections, and row labels: safe in a URL, a label and JSON as they are. */
export const PLACE_CODE_PATTERN = '^[A-Za-z0-9_-]{1,16}$'
export const ROW_LABEL_PATTERN = '^[A-Za-z0-9_-]{1,8}$'
const Code = Type.String({ pattern: PLACE_CODE_PATTERN })

export const NewGrade = Type.Object(
  { code: Code, name: Type.String({ minLength: 1, maxLength: 100 }), price: Type.Integer({ minimum: 0, maximum: MAX_CHARGE }) },
  { additionalProperties: false },
)
export const NewRow = Type.Object(
  { row: Type.String({ pattern: ROW_LABEL_PATTERN }), seats: Type.Integer({ minimum: 1, maximum: PLAN_LIMITS.seatsPerRow }) },
  { additionalProperties: false },
)
/** Seated (`rows`) or standing (`standing`), never both: the domain checks that exactly one is given. */
export const NewSection = Type.Object(
  {
    code: Code,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    grade: Code,
    rows: Type.Optional(Type.Array(NewRow, { minItems: 1, maxItems: PLAN_LIMITS.rows })),
    standing: Type.Optional(Type.Integer({ minimum: 1, maximum: PLAN_LIMITS.standing })),
  },
  { additionalProperties: false },
)
export type NewGrade = Static<typeof NewGrade>
export type NewSection = Static<typeof NewSection>

export const NewConcert = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    venue: Type.String({ minLength: 1, maxLength: 200 }),
    grades: Type.Optional(Type.Array(NewGrade, { minItems: 1, maxItems: PLAN_LIMITS.grades })),
    sections: Type.Optional(Type.Array(NewSection, { minItems: 1, maxItems: PLAN_LIMITS.sections, description: 'best first' })),
    schedules: Type.Array(NewSchedule, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
)
export type NewConcert = Static<typeof NewConcert>

export const CreatedGrade = Type.Object({ code: Type.String(), name: Type.String(), price: Won, total: Type.Integer({ minimum: 0 }) })

export const CreatedConcert = Type.Object({
  id: Id,
  title: Type.String(),
  venue: Type.String(),
  schedules: Type.Array(
    Type.Object({
      id: Id,
      startsAt: Timestamp,
      totalSeats: Type.Integer({ minimum: 1, description: 'places: seats plus standing capacity' }),
      price: Won,
      grades: Type.Array(CreatedGrade),
    }),
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
  byGrade: Type.Array(
    Type.Object({ grade: Type.String(), sold: Type.Integer({ minimum: 0 }), revenue: Type.Integer({ description: 'won of the places sold now' }) }),
  ),
})
export type SalesReport = Static<typeof SalesReport>

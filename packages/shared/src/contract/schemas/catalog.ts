/** Concerts, their dates and seat maps. */
import Type, { type Static } from 'typebox'
import { Id, Timestamp, Won } from './common.ts'

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
/** Where a place is: its section, row and seat (or entry number), grade and label (docs/api.md). */
export const PlaceFields = {
  section: Type.String({ description: 'the section code' }),
  row: Type.Union([Type.String(), Type.Null()], { description: 'the row label; null for a standing place' }),
  seat: Type.Integer({ minimum: 1, description: 'the seat within its row, or a standing place’s entry number' }),
  grade: Type.String({ description: 'the grade code' }),
  label: Type.String({ description: '`A-1-12` for a seat, `F1-37` for a standing place' }),
}
export const Seat = Type.Object({ seatNumber: Type.Integer({ minimum: 1 }), status: SeatStatus, price: Won, ...PlaceFields })
export const SeatList = Type.Array(Seat)
export const SeatMapQuery = Type.Object({ section: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,16}$' })) })
export type SeatMapQuery = Static<typeof SeatMapQuery>

export const SectionKind = Type.Union([Type.Literal('SEATED'), Type.Literal('STANDING')])
export const SectionsSummary = Type.Object({
  grades: Type.Array(
    Type.Object({ code: Type.String(), name: Type.String(), price: Won, total: Type.Integer({ minimum: 0 }), available: Type.Integer({ minimum: 0 }) }),
  ),
  sections: Type.Array(
    Type.Object({
      code: Type.String(),
      name: Type.String(),
      grade: Type.String(),
      price: Won,
      kind: SectionKind,
      total: Type.Integer({ minimum: 0 }),
      available: Type.Integer({ minimum: 0 }),
      rows: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    }),
  ),
})
export type SectionsSummary = Static<typeof SectionsSummary>
export type Seat = Static<typeof Seat>
export type SeatStatus = Static<typeof SeatStatus>

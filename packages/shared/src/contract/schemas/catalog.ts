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
export const Seat = Type.Object({ seatNumber: Type.Integer({ minimum: 1 }), status: SeatStatus, price: Won })
export const SeatList = Type.Array(Seat)
export type Seat = Static<typeof Seat>
export type SeatStatus = Static<typeof SeatStatus>

/** Reads of concerts, schedules and seats. Plain rows out; no decisions here. */
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/client.ts'
import { iso, seatFreeSql, seatStatusSql, textArray } from './sql.ts'

export interface ConcertRow {
  id: number
  title: string
  venue: string
  schedules: number
}

const concertSelect = sql`select c.id, c.title, c.venue,
  (select count(*) from schedules s where s.concert_id = c.id)::int as schedules
  from concerts c`

export async function listConcerts(ex: Executor): Promise<ConcertRow[]> {
  const r = await ex.execute<ConcertRow & Record<string, unknown>>(sql`${concertSelect} order by c.id`)
  return r.rows
}

export async function findConcert(ex: Executor, concertId: number): Promise<ConcertRow | null> {
  const r = await ex.execute<ConcertRow & Record<string, unknown>>(sql`${concertSelect} where c.id = ${concertId}`)
  return r.rows[0] ?? null
}

export async function findConcertsByTitle(ex: Executor, titles: string[]): Promise<string[]> {
  const r = await ex.execute<{ title: string }>(sql`select title from concerts where title = any(${textArray(titles)})`)
  return r.rows.map((row) => row.title)
}

export interface ScheduleRow {
  id: number
  concertId: number
  startsAt: string
  totalSeats: number
  availableSeats: number
}

export async function listSchedules(ex: Executor, concertId: number): Promise<ScheduleRow[]> {
  const r = await ex.execute<ScheduleRow & Record<string, unknown>>(sql`
    select s.id, s.concert_id as "concertId", ${iso(sql`s.starts_at`)} as "startsAt", s.total_seats as "totalSeats",
      (select count(*) from seats where seats.schedule_id = s.id and ${seatFreeSql})::int as "availableSeats"
    from schedules s where s.concert_id = ${concertId}
    order by s.starts_at, s.id`)
  return r.rows
}

export async function scheduleBelongsTo(ex: Executor, concertId: number, scheduleId: number): Promise<boolean> {
  const r = await ex.execute(sql`select 1 from schedules where id = ${scheduleId} and concert_id = ${concertId}`)
  return r.rows.length > 0
}

export interface SeatRow {
  seatNumber: number
  status: 'AVAILABLE' | 'HELD' | 'SOLD'
  price: number
}

export async function listSeats(ex: Executor, scheduleId: number): Promise<SeatRow[]> {
  const r = await ex.execute<SeatRow & Record<string, unknown>>(sql`
    select seat_number as "seatNumber", ${seatStatusSql} as status, price
    from seats where schedule_id = ${scheduleId} order by seat_number`)
  return r.rows
}

export async function seatExists(ex: Executor, scheduleId: number, seatNumber: number): Promise<boolean> {
  const r = await ex.execute(sql`select 1 from seats where schedule_id = ${scheduleId} and seat_number = ${seatNumber}`)
  return r.rows.length > 0
}

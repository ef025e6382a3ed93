/** Reads of concerts, schedules and seats. Plain rows out; no decisions here. */
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/client.ts'
import { iso, seatFreeSql, seatHeldSql, seatStatusSql, textArray } from './sql.ts'

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

/**
 * A concert's dates as the finished JSON array of the Schedule schema, built by Postgres in one row
 * (no per-row parsing in Node); null when the concert does not exist. Every value is a number, a
 * formatted timestamp or a fixed key, so the text is valid JSON without escaping.
 */
export async function schedulesJson(ex: Executor, concertId: number): Promise<string | null> {
  const r = await ex.execute<{ json: string | null }>(sql`
    select case when exists (select 1 from concerts where id = ${concertId}) then
      (select coalesce('[' || string_agg('{"id":' || s.id || ',"concertId":' || s.concert_id
          || ',"startsAt":"' || ${iso(sql`s.starts_at`)} || '","totalSeats":' || s.total_seats
          || ',"availableSeats":'
          || (select count(*) from seats where seats.schedule_id = s.id and ${seatFreeSql}) || '}',
        ',' order by s.starts_at, s.id) || ']', '[]')
      from schedules s where s.concert_id = ${concertId})
    end as json`)
  return r.rows[0]?.json ?? null
}

export async function scheduleBelongsTo(ex: Executor, concertId: number, scheduleId: number): Promise<boolean> {
  const r = await ex.execute(sql`select 1 from schedules where id = ${scheduleId} and concert_id = ${concertId}`)
  return r.rows.length > 0
}

export interface SeatMapJson {
  json: string
  /** ms until the map's earliest live hold runs out (then the map changes by itself); null: no live hold. */
  freshForMs: number | null
}

/**
 * A seat map as the finished JSON array of the Seat schema, built by Postgres in one row: a
 * 1,000-seat map parsed row by row and serialised again in Node cost ~1.8 ms of CPU. Null when the
 * schedule is not one of this concert's. Numbers and fixed status words only: valid JSON as is.
 */
export async function seatMapJson(ex: Executor, concertId: number, scheduleId: number): Promise<SeatMapJson | null> {
  const r = await ex.execute<{ json: string | null; freshForMs: number | null }>(sql`
    select case when exists (select 1 from schedules where id = ${scheduleId} and concert_id = ${concertId}) then
      (select coalesce('[' || string_agg('{"seatNumber":' || seat_number || ',"status":"' || ${seatStatusSql}
          || '","price":' || price || '}', ',' order by seat_number) || ']', '[]')
      from seats where schedule_id = ${scheduleId})
    end as json,
    (select floor(extract(epoch from min(hold_expires_at) - statement_timestamp()) * 1000)::int
      from seats where schedule_id = ${scheduleId} and ${seatHeldSql}) as "freshForMs"`)
  const row = r.rows[0]
  return row?.json == null ? null : { json: row.json, freshForMs: row.freshForMs }
}

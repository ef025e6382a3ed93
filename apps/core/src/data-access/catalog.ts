/** Reads of concerts, schedules and seats. Plain rows out; no decisions here. */
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/client.ts'
import { iso, placeLabelSql, seatFreeSql, seatHeldSql, seatStatusSql, textArray } from './sql.ts'

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

export interface MapScope {
  /** Places of the date. */
  totalSeats: number
  /** The asked section, when one was asked and it exists. */
  section: { standing: boolean; places: number; firstSeat: number } | null
}

/** The date's size and the asked section (by code); null when the date is not one of this concert's. */
export async function mapScope(ex: Executor, concertId: number, scheduleId: number, section: string | null): Promise<MapScope | null> {
  const r = await ex.execute<{ totalSeats: number; section: MapScope['section'] }>(sql`
    select s.total_seats as "totalSeats",
      (select json_build_object('standing', sec.standing, 'places', sec.places, 'firstSeat', sec.first_seat)
        from sections sec where sec.schedule_id = s.id and sec.code = ${section}) as section
    from schedules s where s.id = ${scheduleId} and s.concert_id = ${concertId}`)
  return r.rows[0] ?? null
}

/**
 * The places numbered `from`…`to` of a date as the finished JSON array of the Seat schema, built by
 * Postgres in one row (a range of the seats' primary key: a section's places are consecutive).
 * Codes and labels are of `A–Z a–z 0–9 _ -` only, numbers and fixed words the rest: valid JSON as is.
 */
export async function seatMapJson(ex: Executor, scheduleId: number, from: number, to: number): Promise<SeatMapJson> {
  const r = await ex.execute<{ json: string; freshForMs: number | null }>(sql`
    select coalesce('[' || string_agg('{"seatNumber":' || seats.seat_number || ',"status":"' || ${seatStatusSql}
        || '","price":' || seats.price || ',"section":"' || sections.code || '","row":'
        || coalesce('"' || seats.row_label || '"', 'null') || ',"seat":' || seats.seat || ',"grade":"' || sections.grade
        || '","label":"' || ${placeLabelSql} || '"}', ',' order by seats.seat_number) || ']', '[]') as json,
      floor(extract(epoch from min(seats.hold_expires_at) filter (where ${seatHeldSql}) - statement_timestamp()) * 1000)::int
        as "freshForMs"
    from seats join sections on sections.id = seats.section_id
    where seats.schedule_id = ${scheduleId} and seats.seat_number between ${from} and ${to}`)
  return r.rows[0]!
}

/**
 * The sections summary of a date (grades and sections in plan order, with what is left) as JSON
 * text, and when its first live hold runs out; null when the date is not one of this concert's.
 * One pass over the date's places (an index-only count is not possible: holds expire by time).
 */
export async function sectionsJson(ex: Executor, concertId: number, scheduleId: number): Promise<SeatMapJson | null> {
  const r = await ex.execute<{ json: string | null; freshForMs: number | null }>(sql`
    with counts as (
      select seats.section_id, count(*) filter (where ${seatFreeSql})::int as available,
        min(seats.hold_expires_at) filter (where ${seatHeldSql}) as first_expiry
      from seats where seats.schedule_id = ${scheduleId} group by seats.section_id
    ), secs as (
      select sections.*, g.price, coalesce(counts.available, 0) as available
      from sections join grades g on g.schedule_id = sections.schedule_id and g.code = sections.grade
        left join counts on counts.section_id = sections.id
      where sections.schedule_id = ${scheduleId}
    )
    select case when exists (select 1 from schedules where id = ${scheduleId} and concert_id = ${concertId}) then
      json_build_object(
        'grades', (select coalesce(json_agg(json_build_object('code', g.code, 'name', g.name, 'price', g.price,
            'total', (select coalesce(sum(places), 0) from secs where secs.grade = g.code),
            'available', (select coalesce(sum(available), 0) from secs where secs.grade = g.code)) order by g.position), '[]')
          from grades g where g.schedule_id = ${scheduleId}),
        'sections', (select coalesce(json_agg(json_build_object('code', code, 'name', name, 'grade', grade, 'price', price,
            'kind', case when standing then 'STANDING' else 'SEATED' end, 'total', places, 'available', available,
            'rows', row_count) order by position), '[]') from secs))::text
    end as json,
    (select floor(extract(epoch from min(first_expiry) - statement_timestamp()) * 1000)::int from counts) as "freshForMs"`)
  const row = r.rows[0]
  return row?.json == null ? null : { json: row.json, freshForMs: row.freshForMs }
}

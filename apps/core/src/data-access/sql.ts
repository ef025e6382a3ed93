/** SQL fragments that state a rule once, shared by every query that needs it. */
import { type SQL, sql } from 'drizzle-orm'

/** A seat's status at this instant: an expired hold reads as AVAILABLE, no sweeper needed. */
export const seatStatusSql = sql`case
  when seats.sold then 'SOLD'
  when seats.held_by is not null and seats.hold_expires_at > now() then 'HELD'
  else 'AVAILABLE' end`

/** True when the seat can be taken now. */
export const seatFreeSql = sql`(not seats.sold and (seats.held_by is null or seats.hold_expires_at <= now()))`

/** A reservation's status at this instant: HELD past its time reads as EXPIRED. */
export const reservationStatusSql = sql`case
  when reservations.status = 'HELD' and reservations.expires_at <= now() then 'EXPIRED'
  else reservations.status end`

/**
 * A JS array as ONE Postgres array parameter. (A bare array inside sql`` is expanded into a list of
 * parameters, which `= any(…)` does not accept.)
 */
export const intArray = (values: number[]) => sql`${sql.param(values)}::int[]`
export const textArray = (values: string[]) => sql`${sql.param(values)}::text[]`

/**
 * A timestamptz as an ISO-8601 UTC string (millisecond precision). Drizzle hands raw timestamps over
 * as Postgres text, so queries format them once, here, in the shape the API sends.
 */
export const iso = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

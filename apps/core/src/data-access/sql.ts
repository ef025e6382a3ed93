/**
 * SQL fragments that state a rule once, shared by every query that needs it: as text for the
 * batched write paths (`db/statements.ts`) and as Drizzle `sql` for the parameterised reads.
 *
 * Time is `statement_timestamp()`, not `now()`: a write path waits for its locks first, and a hold
 * must be judged live or expired when its statement runs, not when the transaction began (a
 * payment that began before a hold ran out must not take it after). In a read on its own the two
 * are the same instant.
 */
import { type SQL, sql } from 'drizzle-orm'
import { raw } from '../db/statements.ts'

const SEAT_STATUS = `case
  when seats.sold then 'SOLD'
  when seats.held_by is not null and seats.hold_expires_at > statement_timestamp() then 'HELD'
  else 'AVAILABLE' end`

const SEAT_FREE = '(not seats.sold and (seats.held_by is null or seats.hold_expires_at <= statement_timestamp()))'

const SEAT_HELD = '(not seats.sold and seats.held_by is not null and seats.hold_expires_at > statement_timestamp())'

/** A place's label: `A-1-12` for a seat, `F1-37` for a standing place (`sections` and `seats` in scope). */
const PLACE_LABEL = `sections.code || '-' || coalesce(seats.row_label || '-', '') || seats.seat`

/** The place fields of a seat, as a JSON object (`sections` joined to `seats`). */
const PLACE_JSON = `json_build_object('section', sections.code, 'row', seats.row_label, 'seat', seats.seat,
  'grade', sections.grade, 'label', ${PLACE_LABEL})`

/** The place fields of the seat of the `reservations` row in scope, as a JSON object. */
const RESERVATION_PLACE = `(select ${PLACE_JSON} from seats join sections on sections.id = seats.section_id
  where seats.schedule_id = reservations.schedule_id and seats.seat_number = reservations.seat_number)`

const RESERVATION_STATUS = `case
  when reservations.status = 'HELD' and reservations.expires_at <= statement_timestamp() then 'EXPIRED'
  else reservations.status end`

const HOLD_LIVE = `(reservations.status = 'HELD' and reservations.expires_at > statement_timestamp())`

/** A seat's status at this instant: an expired hold reads as AVAILABLE, no sweeper needed. */
export const seatStatusSql = sql.raw(SEAT_STATUS)
/** True when the seat can be taken now. */
export const seatFreeSql = sql.raw(SEAT_FREE)
export const seatFree = raw(SEAT_FREE)
/** True while someone's hold on the seat is live. */
export const seatHeldSql = sql.raw(SEAT_HELD)
export const placeLabelSql = sql.raw(PLACE_LABEL)
export const placeJsonSql = sql.raw(PLACE_JSON)
export const reservationPlaceSql = sql.raw(RESERVATION_PLACE)
export const reservationPlace = raw(RESERVATION_PLACE)
/** A reservation's status at this instant: HELD past its time reads as EXPIRED. */
export const reservationStatusSql = sql.raw(RESERVATION_STATUS)
export const reservationStatus = raw(RESERVATION_STATUS)
/** True for a HELD reservation that has not run out. */
export const holdLive = raw(HOLD_LIVE)

/**
 * A JS array as ONE Postgres array parameter. (A bare array inside sql`` is expanded into a list of
 * parameters, which `= any(…)` does not accept.)
 */
export const intArray = (values: number[]) => sql`${sql.param(values)}::int[]`
export const textArray = (values: string[]) => sql`${sql.param(values)}::text[]`

const ISO = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/**
 * A timestamptz as an ISO-8601 UTC string (millisecond precision). Raw timestamps arrive as Postgres
 * text, so queries format them once, here, in the shape the API sends.
 */
export const iso = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
/** `iso` for the text statements; `column` is SQL text of this module's callers, never a value. */
export const isoText = (column: string) => raw(ISO(column))

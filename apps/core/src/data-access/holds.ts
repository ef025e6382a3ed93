/**
 * The statements of a hold's life: taking a seat, and locking, releasing or extending a hold.
 * Locks are always taken seat first, then reservation (a hold takes the user's lock before both).
 */
import { q, type Statement, statement } from '../db/statements.ts'
import { type ReservationRow, reservationColumns } from './reservations.ts'
import { seatFree } from './sql.ts'

export interface TakeSeatResult {
  concertFound: boolean
  scheduleFound: boolean
  /** The show has started: no more holds. */
  closed: boolean
  /** The user's live holds, all concerts. */
  liveHolds: number
  /** The user's paid seats plus live holds for this concert. */
  tickets: number
  ticketLimit: number | null
  seatFound: boolean
  /** The new hold; null when any check refused it or the seat was not free. */
  hold: ReservationRow | null
}

/**
 * A hold in ONE statement, run after the user's lock (`lockUser`) in the same message: it reads
 * the schedule, the concert's ticket limit and the user's holds and tickets with a snapshot taken
 * after that lock, so no hold of the same user can slip between count and claim. Only when every
 * check passes does it claim the seat: an `UPDATE … WHERE free` that concurrent callers queue
 * on and re-check, so exactly one wins. The claim draws the reservation id, so the seat points at
 * it from the start; then any HELD row left on the seat is marked EXPIRED (it has run out, or the
 * seat would not have been free) before the new one is inserted (the insert reads that update's
 * count, which orders them: the partial unique index allows one HELD row per seat).
 *
 * The hold ends HOLD_TTL_SECONDS from now, or at `activeUntil` or at the show's start when one of
 * those comes first. The flags tell the caller which rule refused it.
 */
export function takeSeat(args: {
  userId: string
  concertId: number
  scheduleId: number
  seatNumber: number
  ttlSeconds: number
  maxHolds: number
  activeUntil: string | null
}): Statement<TakeSeatResult> {
  const { userId, concertId, scheduleId, seatNumber } = args
  return statement(
    q`with schedule as (
        select s.starts_at, s.starts_at <= statement_timestamp() as closed, c.max_tickets_per_user as ticket_limit
        from schedules s join concerts c on c.id = s.concert_id
        where s.id = ${scheduleId} and s.concert_id = ${concertId}
      ), mine as (
        select count(*) filter (where status = 'HELD')::int as live,
          count(*) filter (where concert_id = ${concertId})::int as tickets
        from reservations
        where user_id = ${userId} and (
          (status = 'HELD' and expires_at > statement_timestamp()) or (status = 'PAID' and concert_id = ${concertId}))
      ), allowed as (
        select schedule.starts_at from schedule, mine
        where not schedule.closed and mine.live < ${args.maxHolds}
          and (schedule.ticket_limit is null or mine.tickets < schedule.ticket_limit)
      ), claimed as (
        update seats set held_by = ${userId},
          hold_expires_at = least(statement_timestamp() + make_interval(secs => ${args.ttlSeconds}),
            ${args.activeUntil}::timestamptz, allowed.starts_at),
          reservation_id = nextval(pg_get_serial_sequence('reservations', 'id'))
        from allowed
        where seats.schedule_id = ${scheduleId} and seats.seat_number = ${seatNumber} and ${seatFree}
        returning seats.reservation_id, seats.price, seats.hold_expires_at
      ), superseded as (
        update reservations set status = 'EXPIRED'
        where schedule_id = ${scheduleId} and seat_number = ${seatNumber} and status = 'HELD'
          and exists (select 1 from claimed)
        returning 1
      ), inserted as (
        insert into reservations (id, user_id, concert_id, schedule_id, seat_number, price, status, expires_at)
        select claimed.reservation_id, ${userId}::text, ${concertId}::int, ${scheduleId}::int, ${seatNumber}::int,
          claimed.price, 'HELD', claimed.hold_expires_at
        from claimed, (select count(*) from superseded) as done
        returning ${reservationColumns}
      )
      select exists (select 1 from concerts where id = ${concertId}) as "concertFound",
        exists (select 1 from schedule) as "scheduleFound",
        coalesce((select closed from schedule), false) as closed,
        (select live from mine) as "liveHolds",
        (select tickets from mine) as tickets,
        (select ticket_limit from schedule) as "ticketLimit",
        exists (select 1 from seats where schedule_id = ${scheduleId} and seat_number = ${seatNumber}) as "seatFound",
        (select row_to_json(inserted) from inserted) as hold`,
    (rows) => rows[0] as TakeSeatResult,
  )
}

/**
 * Locks the seat of the caller's reservation, then the reservation (the order every path keeps);
 * null when it is not the caller's reservation of this concert.
 */
export const lockHold = (args: { reservationId: number; userId: string; concertId: number }): Statement<ReservationRow | null>[] => {
  const own = q`id = ${args.reservationId} and user_id = ${args.userId} and concert_id = ${args.concertId}`
  return [
    statement(
      q`select 1 from seats where (schedule_id, seat_number) = (select schedule_id, seat_number from reservations where ${own})
        for update`,
      () => null,
    ),
    statement(q`select ${reservationColumns} from reservations where ${own} for update`, (rows) => (rows[0] as ReservationRow) ?? null),
  ]
}

/** Ends a hold (CANCELLED when released in time, EXPIRED when it had run out) and frees its seat if it still points at it. */
export const endHold = (r: Pick<ReservationRow, 'id' | 'scheduleId' | 'seatNumber'>, status: 'CANCELLED' | 'EXPIRED') => [
  statement(q`update reservations set status = ${status} where id = ${r.id}`, () => null),
  statement(
    q`update seats set held_by = null, hold_expires_at = null, reservation_id = null
      where schedule_id = ${r.scheduleId} and seat_number = ${r.seatNumber} and reservation_id = ${r.id} and not sold`,
    () => null,
  ),
]

/**
 * Moves a live hold's end to HOLD_TTL_SECONDS from now, never past `activeUntil` or the show's
 * start, and never earlier than it was; the hold counts as extended only when its end moved.
 * Reservation and seat (locked by `lockHold`) change together.
 */
export const extendHold = (args: { reservationId: number; ttlSeconds: number; activeUntil: string | null }): Statement<ReservationRow> =>
  statement(
    q`with target as (
        select r.id, least(statement_timestamp() + make_interval(secs => ${args.ttlSeconds}),
          ${args.activeUntil}::timestamptz, s.starts_at) as until
        from reservations r join schedules s on s.id = r.schedule_id where r.id = ${args.reservationId}
      ), moved as (
        update reservations set expires_at = target.until, extended_at = statement_timestamp()
        from target where reservations.id = target.id and target.until > reservations.expires_at
        returning ${reservationColumns}
      ), seat as (
        update seats set hold_expires_at = target.until from target, moved
        where seats.schedule_id = moved."scheduleId" and seats.seat_number = moved."seatNumber"
          and seats.reservation_id = target.id
      )
      -- The statement's own snapshot still shows the old row: the new one comes from RETURNING.
      select coalesce((select row_to_json(moved) from moved),
        (select row_to_json(unchanged) from (select ${reservationColumns} from reservations where id = ${args.reservationId}) unchanged)) as hold`,
    (rows) => rows[0]!.hold as ReservationRow,
  )

/** What `hold_places` (migration 0007, first 0005) answers: the reservation ids, or the first rule that refused. */
export interface GroupHoldResult {
  ids?: number[]
  error?:
    | 'CONCERT_NOT_FOUND'
    | 'SCHEDULE_NOT_FOUND'
    | 'SEAT_NOT_FOUND'
    | 'SECTION_NOT_FOUND'
    | 'GRADE_NOT_FOUND'
    | 'WRONG_KIND'
    | 'SCHEDULE_CLOSED'
    | 'HOLD_LIMIT_REACHED'
    | 'TICKET_LIMIT_REACHED'
    | 'SEAT_UNAVAILABLE'
    | 'NOT_ENOUGH_SEATS'
  /** The seat numbers a SEAT_NOT_FOUND or SEAT_UNAVAILABLE is about. */
  seats?: number[]
  /** WRONG_KIND: the section named is standing (true) or seated (false). */
  standing?: boolean
  limit?: number
  live?: number
}

export type GroupHoldForm =
  | { mode: 'seats'; seatNumbers: number[] }
  | { mode: 'best'; quantity: number; grade: string | null; section: string | null; together: boolean }
  | { mode: 'standing'; section: string; quantity: number }

/**
 * A group hold, all or none: `hold_places` checks, chooses and claims (see migration 0007), then the
 * next statement reads the new reservations it left in `rushgate.held`. Both go in one message
 * after the user's lock: one implicit transaction, one round trip.
 */
export function holdPlaces(args: {
  userId: string
  concertId: number
  scheduleId: number
  form: GroupHoldForm
  ttlSeconds: number
  maxHolds: number
  activeUntil: string | null
}): [Statement<GroupHoldResult>, Statement<ReservationRow[]>] {
  const { form } = args
  const seatNumbers = form.mode === 'seats' ? form.seatNumbers : null
  const quantity = form.mode === 'seats' ? null : form.quantity
  const grade = form.mode === 'best' ? form.grade : null
  const section = form.mode === 'seats' ? null : form.section
  const together = form.mode === 'best' ? form.together : true
  return [
    statement(
      q`select hold_places(${args.userId}::text, ${args.concertId}::int, ${args.scheduleId}::int, ${form.mode}::text,
        ${seatNumbers}::int[], ${quantity}::int, ${grade}::text, ${section}::text, ${together}::boolean, ${args.ttlSeconds}::int,
        ${args.maxHolds}::int, ${args.activeUntil}::timestamptz) as result`,
      (rows) => rows[0]!.result as GroupHoldResult,
    ),
    statement(
      q`select ${reservationColumns} from reservations
        where id = any(coalesce(nullif(current_setting('rushgate.held', true), ''), '{}')::int[])
        order by reservations.seat_number`,
      (rows) => rows as ReservationRow[],
    ),
  ]
}

/** Writes to seats. Every one is a single conditional statement: the row lock is the referee. */
import { sql } from 'drizzle-orm'
import type { Tx } from '../db/client.ts'
import { intArray, iso, seatFreeSql } from './sql.ts'

/**
 * Takes the seat for `userId` if, at this instant, it is neither sold nor held (an expired hold
 * counts as free). One UPDATE … WHERE free … RETURNING: concurrent callers queue on the row lock and
 * re-check the condition, so exactly one wins; there is no read-then-write window.
 * The hold ends at now() + ttl, or at `activeUntil` when that comes first. The seat points at the
 * reservation from the start: its id is drawn here, and the caller inserts it in the same transaction
 * (one round trip fewer than inserting first and attaching after).
 */
export async function claimSeat(
  tx: Tx,
  args: { scheduleId: number; seatNumber: number; userId: string; ttlSeconds: number; activeUntil: Date | null },
): Promise<{ reservationId: number; price: number; expiresAt: string } | null> {
  const until = args.activeUntil ? args.activeUntil.toISOString() : null
  const r = await tx.execute<{ reservationId: number; price: number; expiresAt: string }>(sql`
    update seats set held_by = ${args.userId},
      hold_expires_at = least(now() + make_interval(secs => ${args.ttlSeconds}), ${until}::timestamptz),
      reservation_id = nextval(pg_get_serial_sequence('reservations', 'id'))
    where schedule_id = ${args.scheduleId} and seat_number = ${args.seatNumber} and ${seatFreeSql}
    returning reservation_id as "reservationId", price, ${iso(sql`hold_expires_at`)} as "expiresAt"`)
  return r.rows[0] ?? null
}

/** Locks the seat row; taken before the reservation row so that every path locks in the same order. */
export async function lockSeat(tx: Tx, scheduleId: number, seatNumber: number): Promise<void> {
  await tx.execute(sql`select 1 from seats where schedule_id = ${scheduleId} and seat_number = ${seatNumber} for update`)
}

/** Locks, in a fixed order, the seats of the caller's reservations among `ids` (before the reservations). */
export async function lockSeatsOfReservations(
  tx: Tx,
  args: { ids: number[]; userId: string; concertId: number },
): Promise<void> {
  await tx.execute(sql`select 1 from seats where (schedule_id, seat_number) in (
      select schedule_id, seat_number from reservations
      where id = any(${intArray(args.ids)}) and user_id = ${args.userId} and concert_id = ${args.concertId})
    order by schedule_id, seat_number for update`)
}

/** Frees the seat if it is still held for this reservation (a later hold may have taken it). By key. */
export async function releaseSeat(
  tx: Tx,
  args: { scheduleId: number; seatNumber: number; reservationId: number },
): Promise<void> {
  await tx.execute(sql`update seats set held_by = null, hold_expires_at = null, reservation_id = null
    where schedule_id = ${args.scheduleId} and seat_number = ${args.seatNumber}
      and reservation_id = ${args.reservationId} and not sold`)
}

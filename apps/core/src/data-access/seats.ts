/** Writes to seats. Every one is a single conditional statement: the row lock is the referee. */
import { sql } from 'drizzle-orm'
import type { Tx } from '../db/client.ts'
import { intArray, iso, seatFreeSql } from './sql.ts'

/**
 * Takes the seat for `userId` if, at this instant, it is neither sold nor held (an expired hold
 * counts as free). One UPDATE … WHERE free … RETURNING: concurrent callers queue on the row lock and
 * re-check the condition, so exactly one wins; there is no read-then-write window.
 * The hold ends at now() + ttl, or at `activeUntil` when that comes first.
 */
export async function claimSeat(
  tx: Tx,
  args: { scheduleId: number; seatNumber: number; userId: string; ttlSeconds: number; activeUntil: Date | null },
): Promise<{ price: number; expiresAt: string } | null> {
  const until = args.activeUntil ? args.activeUntil.toISOString() : null
  const r = await tx.execute<{ price: number; expiresAt: string }>(sql`
    update seats set held_by = ${args.userId},
      hold_expires_at = least(now() + make_interval(secs => ${args.ttlSeconds}), ${until}::timestamptz),
      reservation_id = null
    where schedule_id = ${args.scheduleId} and seat_number = ${args.seatNumber} and ${seatFreeSql}
    returning price, ${iso(sql`hold_expires_at`)} as "expiresAt"`)
  return r.rows[0] ?? null
}

export async function attachReservation(tx: Tx, scheduleId: number, seatNumber: number, reservationId: number): Promise<void> {
  await tx.execute(
    sql`update seats set reservation_id = ${reservationId} where schedule_id = ${scheduleId} and seat_number = ${seatNumber}`,
  )
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

/** Frees the seat if it is still held for this reservation (a later hold may have taken it). */
export async function releaseSeat(tx: Tx, reservationId: number): Promise<void> {
  await tx.execute(sql`update seats set held_by = null, hold_expires_at = null, reservation_id = null
    where reservation_id = ${reservationId} and not sold`)
}

/**
 * Seat holds (reservations). A hold is ONE message to Postgres: the user's lock, then one statement
 * that checks every rule and claims the seat (`data-access/holds.ts`), as one implicit transaction.
 * Releasing and extending lock the seat, then the reservation, decide, and write: two messages.
 */
import { ApiError, type HoldRequest, type Reservation } from '@rushgate/shared'
import type pg from 'pg'
import { lockUser } from '../data-access/balances.ts'
import * as holds from '../data-access/holds.ts'
import * as reservations from '../data-access/reservations.ts'
import type { Db } from '../db/client.ts'
import { inOneMessage, inTransaction } from '../db/transaction.ts'
import { reservationView } from './views.ts'

export interface HoldSettings {
  holdTtlSeconds: number
  maxHoldsPerUser: number
}

export async function holdSeat(
  pool: pg.Pool,
  settings: HoldSettings,
  input: { userId: string; concertId: number; activeUntil: Date | null } & HoldRequest,
): Promise<Reservation> {
  const { userId, concertId, scheduleId, seatNumber } = input
  const [, taken] = await inOneMessage(
    pool,
    // One user's holds run one at a time, so the counts of the next statement cannot be raced past a limit.
    lockUser(userId),
    holds.takeSeat({
      userId,
      concertId,
      scheduleId,
      seatNumber,
      ttlSeconds: settings.holdTtlSeconds,
      maxHolds: settings.maxHoldsPerUser,
      activeUntil: input.activeUntil?.toISOString() ?? null,
    }),
  )
  if (taken.hold) return reservationView(taken.hold)
  if (!taken.scheduleFound) {
    if (!taken.concertFound) throw new ApiError('CONCERT_NOT_FOUND', `concert ${concertId} not found`)
    throw new ApiError('SCHEDULE_NOT_FOUND', `schedule ${scheduleId} not found for concert ${concertId}`)
  }
  if (taken.closed) throw new ApiError('SCHEDULE_CLOSED', `schedule ${scheduleId} has started: its seats can no longer be held`)
  if (taken.liveHolds >= settings.maxHoldsPerUser) {
    throw new ApiError('HOLD_LIMIT_REACHED', `at most ${settings.maxHoldsPerUser} live holds per user`, {
      limit: settings.maxHoldsPerUser,
    })
  }
  if (taken.ticketLimit !== null && taken.tickets >= taken.ticketLimit) {
    throw new ApiError('TICKET_LIMIT_REACHED', `at most ${taken.ticketLimit} tickets per user for concert ${concertId}`, {
      limit: taken.ticketLimit,
    })
  }
  if (!taken.seatFound) throw new ApiError('SEAT_NOT_FOUND', `seat ${seatNumber} not found in schedule ${scheduleId}`)
  throw new ApiError('SEAT_UNAVAILABLE', `seat ${seatNumber} is held or sold`)
}

/**
 * Releases the caller's own hold; returns the schedule whose seat map changed, or null when nothing
 * did. Someone else's or unknown: 404; paid: 409. An own hold that has already run out, was released
 * or refunded answers 204 again (DELETE is idempotent).
 */
export async function releaseHold(
  pool: pg.Pool,
  input: { userId: string; concertId: number; reservationId: number },
): Promise<number | null> {
  return inTransaction(pool, async (tx) => {
    const [, r] = await tx.run(...holds.lockHold(input))
    if (!r) throw new ApiError('RESERVATION_NOT_FOUND', `reservation ${input.reservationId} not found`)
    if (r.status === 'PAID') throw new ApiError('RESERVATION_PAID', `reservation ${input.reservationId} is paid`)
    if (r.status !== 'HELD') return null
    await tx.finish(...holds.endHold(r, r.live ? 'CANCELLED' : 'EXPIRED'))
    return r.live ? r.scheduleId : null
  })
}

/** Extends the caller's live hold once (see `holds.extendHold` for how far). */
export async function extendHold(
  pool: pg.Pool,
  ttlSeconds: number,
  input: { userId: string; concertId: number; reservationId: number; activeUntil: Date | null },
): Promise<Reservation> {
  return inTransaction(pool, async (tx) => {
    const [, r] = await tx.run(...holds.lockHold(input))
    if (!r) throw new ApiError('RESERVATION_NOT_FOUND', `reservation ${input.reservationId} not found`)
    if (r.status === 'PAID') throw new ApiError('RESERVATION_PAID', `reservation ${input.reservationId} is paid`)
    if (!r.live) throw new ApiError('HOLD_EXPIRED', `reservation ${input.reservationId} is not a live hold: it ran out or was released`)
    if (r.extended) throw new ApiError('HOLD_ALREADY_EXTENDED', `reservation ${input.reservationId} was already extended once`)
    const [extended] = await tx.finish(
      holds.extendHold({ reservationId: r.id, ttlSeconds, activeUntil: input.activeUntil?.toISOString() ?? null }),
    )
    return reservationView(extended)
  })
}

export async function listReservations(db: Db, userId: string): Promise<Reservation[]> {
  const rows = await reservations.listForUser(db, userId)
  return rows.map(reservationView)
}

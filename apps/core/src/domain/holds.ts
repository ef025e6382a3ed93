/**
 * Seat holds (reservations). A hold is one conditional UPDATE of the seat row followed, in the same
 * transaction, by the reservation insert; locks are always taken seat first, then reservation.
 * Six round trips: BEGIN, the user lock, count + schedule check, claim, expire-old + insert, COMMIT.
 */
import { ApiError, type HoldRequest, type Reservation } from '@rushgate/shared'
import { requireSchedule } from './catalog.ts'
import { lockUser } from '../data-access/balances.ts'
import { seatExists } from '../data-access/catalog.ts'
import * as reservations from '../data-access/reservations.ts'
import * as seats from '../data-access/seats.ts'
import type { Db } from '../db/client.ts'
import { reservationView } from './views.ts'

export interface HoldSettings {
  holdTtlSeconds: number
  maxHoldsPerUser: number
}

export async function holdSeat(
  db: Db,
  settings: HoldSettings,
  input: { userId: string; concertId: number; activeUntil: Date | null } & HoldRequest,
): Promise<Reservation> {
  const { userId, concertId, scheduleId, seatNumber } = input
  return db.transaction(async (tx) => {
    // One user's holds run one at a time, so the count below cannot be raced past the limit.
    await lockUser(tx, userId)
    const { live, scheduleFound } = await reservations.countLiveHolds(tx, { userId, concertId, scheduleId })
    if (!scheduleFound) {
      await requireSchedule(tx, concertId, scheduleId)
      throw new Error(`schedule ${scheduleId} of concert ${concertId} vanished during a hold`)
    }
    if (live >= settings.maxHoldsPerUser) {
      throw new ApiError('HOLD_LIMIT_REACHED', `at most ${settings.maxHoldsPerUser} live holds per user`, {
        limit: settings.maxHoldsPerUser,
      })
    }
    const claimed = await seats.claimSeat(tx, {
      scheduleId,
      seatNumber,
      userId,
      ttlSeconds: settings.holdTtlSeconds,
      activeUntil: input.activeUntil,
    })
    if (!claimed) {
      if (!(await seatExists(tx, scheduleId, seatNumber))) {
        throw new ApiError('SEAT_NOT_FOUND', `seat ${seatNumber} not found in schedule ${scheduleId}`)
      }
      throw new ApiError('SEAT_UNAVAILABLE', `seat ${seatNumber} is held or sold`)
    }
    const row = await reservations.insertReservation(tx, {
      id: claimed.reservationId,
      userId,
      concertId,
      scheduleId,
      seatNumber,
      price: claimed.price,
      expiresAt: claimed.expiresAt,
    })
    return reservationView(row)
  })
}

/**
 * Releases the caller's own hold. Someone else's or unknown: 404; paid: 409. An own hold that has
 * already run out or was released answers 204 again (DELETE is idempotent).
 */
export async function releaseHold(db: Db, input: { userId: string; concertId: number; reservationId: number }): Promise<void> {
  const { userId, concertId, reservationId } = input
  const found = await reservations.findOwnReservation(db, { id: reservationId, userId, concertId })
  if (!found) throw new ApiError('RESERVATION_NOT_FOUND', `reservation ${reservationId} not found`)
  await db.transaction(async (tx) => {
    await seats.lockSeat(tx, found.scheduleId, found.seatNumber)
    const r = await reservations.findOwnReservation(tx, { id: reservationId, userId, concertId, forUpdate: true })
    if (!r) throw new ApiError('RESERVATION_NOT_FOUND', `reservation ${reservationId} not found`)
    if (r.status === 'PAID') throw new ApiError('RESERVATION_PAID', `reservation ${reservationId} is paid`)
    if (r.status !== 'HELD') return
    await reservations.setStatus(tx, r.id, r.live ? 'CANCELLED' : 'EXPIRED')
    await seats.releaseSeat(tx, { scheduleId: r.scheduleId, seatNumber: r.seatNumber, reservationId: r.id })
  })
}

export async function listReservations(db: Db, userId: string): Promise<Reservation[]> {
  const rows = await reservations.listForUser(db, userId)
  return rows.map(reservationView)
}

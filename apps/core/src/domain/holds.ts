/**
 * Seat holds (reservations). A hold is ONE message to Postgres: the user's lock, then one statement
 * that checks every rule and claims the seat (`data-access/holds.ts`), as one implicit transaction.
 * Releasing and extending lock the seat, then the reservation, decide, and write: two messages.
 */
import { ApiError, type GroupHoldRequest, type HoldRequest, type Reservation } from '@rushgate/shared'
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
 * Holds several places at once, all or none (POST …/holds): one message, the user's lock first (see
 * `holds.holdPlaces`). Returns the new reservations, by seat number.
 */
export async function holdGroup(
  pool: pg.Pool,
  settings: HoldSettings,
  input: { userId: string; concertId: number; activeUntil: Date | null; body: GroupHoldRequest },
): Promise<{ reservations: Reservation[]; expiresAt: string }> {
  const { userId, concertId, body } = input
  const form = groupForm(body)
  const [, result, rows] = await inOneMessage(
    pool,
    lockUser(userId),
    ...holds.holdPlaces({
      userId,
      concertId,
      scheduleId: body.scheduleId,
      form,
      ttlSeconds: settings.holdTtlSeconds,
      maxHolds: settings.maxHoldsPerUser,
      activeUntil: input.activeUntil?.toISOString() ?? null,
    }),
  )
  if (result.ids && rows.length === result.ids.length) {
    const reservations = rows.map(reservationView)
    return { reservations, expiresAt: reservations[0]!.expiresAt }
  }
  throw groupRefusal(result, { concertId, scheduleId: body.scheduleId, form, maxHolds: settings.maxHoldsPerUser })
}

/** The one form a group hold asks for; 400 naming the fields when there is none or several. */
export function groupForm(body: GroupHoldRequest): holds.GroupHoldForm {
  const forms = [
    body.seatNumbers !== undefined && 'seatNumbers',
    body.bestAvailable !== undefined && 'bestAvailable',
    (body.section !== undefined || body.quantity !== undefined) && 'section and quantity',
  ].filter((f): f is string => f !== false)
  if (forms.length === 0) throw new ApiError('VALIDATION_ERROR', 'body: give one of seatNumbers, bestAvailable, or section and quantity')
  if (forms.length > 1) throw new ApiError('VALIDATION_ERROR', `body: give only one of ${forms.join(', ')}`)
  if (body.seatNumbers) {
    const seen = new Set<number>()
    for (const n of body.seatNumbers) {
      if (seen.has(n)) throw new ApiError('VALIDATION_ERROR', `seatNumbers: seat ${n} is repeated`)
      seen.add(n)
    }
    return { mode: 'seats', seatNumbers: body.seatNumbers }
  }
  if (body.bestAvailable) {
    const { quantity, grade, section, together } = body.bestAvailable
    return { mode: 'best', quantity, grade: grade ?? null, section: section ?? null, together: together ?? true }
  }
  if (body.section === undefined) throw new ApiError('VALIDATION_ERROR', 'section: required with quantity')
  if (body.quantity === undefined) throw new ApiError('VALIDATION_ERROR', 'quantity: required with section')
  return { mode: 'standing', section: body.section, quantity: body.quantity }
}

function groupRefusal(
  result: holds.GroupHoldResult,
  ctx: { concertId: number; scheduleId: number; form: holds.GroupHoldForm; maxHolds: number },
): ApiError {
  const { concertId, scheduleId, form } = ctx
  const section = form.mode === 'seats' ? null : form.section
  switch (result.error) {
    case 'CONCERT_NOT_FOUND':
      return new ApiError('CONCERT_NOT_FOUND', `concert ${concertId} not found`)
    case 'SCHEDULE_NOT_FOUND':
      return new ApiError('SCHEDULE_NOT_FOUND', `schedule ${scheduleId} not found for concert ${concertId}`)
    case 'SEAT_NOT_FOUND':
      return new ApiError('SEAT_NOT_FOUND', `seats ${result.seats!.join(', ')} not found in schedule ${scheduleId}`)
    case 'SECTION_NOT_FOUND':
      return new ApiError('SECTION_NOT_FOUND', `section ${section} not found in schedule ${scheduleId}`)
    case 'GRADE_NOT_FOUND':
      return new ApiError('GRADE_NOT_FOUND', `grade ${form.mode === 'best' ? form.grade : ''} not found in schedule ${scheduleId}`)
    case 'WRONG_KIND':
      return result.standing
        ? new ApiError('VALIDATION_ERROR', `bestAvailable.section: ${section} is standing; hold its places with section and quantity`)
        : new ApiError('VALIDATION_ERROR', `section: ${section} is seated; hold its seats with seatNumbers or bestAvailable`)
    case 'SCHEDULE_CLOSED':
      return new ApiError('SCHEDULE_CLOSED', `schedule ${scheduleId} has started: its seats can no longer be held`)
    case 'HOLD_LIMIT_REACHED':
      return new ApiError('HOLD_LIMIT_REACHED', `at most ${ctx.maxHolds} live holds per user (${result.live} held now)`, { limit: ctx.maxHolds })
    case 'TICKET_LIMIT_REACHED':
      return new ApiError('TICKET_LIMIT_REACHED', `at most ${result.limit} tickets per user for concert ${concertId}`, { limit: result.limit })
    case 'SEAT_UNAVAILABLE':
      return new ApiError('SEAT_UNAVAILABLE', `seats ${result.seats!.join(', ')} are held or sold; nothing was held`)
    case 'NOT_ENOUGH_SEATS':
      return new ApiError('NOT_ENOUGH_SEATS', `not enough free places for ${form.mode === 'seats' ? form.seatNumbers.length : form.quantity}`)
    default:
      throw new Error(`a group hold answered neither ids nor a known refusal: ${JSON.stringify(result)}`)
  }
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

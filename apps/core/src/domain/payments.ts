/**
 * Payment of held seats: all or nothing in one transaction. Lock the seats, then the caller's
 * reservations; decide; then one statement takes the money (conditional UPDATE), records payment and
 * ledger entry, and marks reservations PAID and seats SOLD. Round trips are the cost of a payment,
 * so the concert is looked up only when reservations are missing (they carry `concert_id`).
 */
import { ApiError, type Payment, type PaymentHistoryItem } from '@rushgate/shared'
import * as balances from '../data-access/balances.ts'
import * as payments from '../data-access/payments.ts'
import * as reservations from '../data-access/reservations.ts'
import * as seats from '../data-access/seats.ts'
import type { Executor, Tx } from '../db/client.ts'
import { getConcert } from './catalog.ts'
import type { Outcome } from './idempotency.ts'
import { paymentView } from './views.ts'

export async function pay(
  tx: Tx,
  maxHoldsPerUser: number,
  input: { userId: string; concertId: number; reservationIds: number[] },
): Promise<Outcome<Payment>> {
  const { userId, concertId } = input
  const ids = [...new Set(input.reservationIds)].sort((a, b) => a - b)
  if (ids.length > maxHoldsPerUser) {
    throw new ApiError('VALIDATION_ERROR', `body/reservationIds must have at most ${maxHoldsPerUser} items`)
  }
  await seats.lockSeatsOfReservations(tx, { ids, userId, concertId })
  const rows = await reservations.lockOwnReservations(tx, { ids, userId, concertId })
  if (rows.length !== ids.length) {
    // Reservations exist only for existing concerts (never deleted): an unknown one is found here.
    await getConcert(tx, concertId)
    const found = new Set(rows.map((r) => r.id))
    const missing = ids.find((id) => !found.has(id))
    throw new ApiError('RESERVATION_NOT_FOUND', `reservation ${missing} not found`)
  }

  const paid = rows.filter((r) => r.status === 'PAID')
  if (paid.length > 0) {
    const repeat = paid.length === rows.length ? await samePayment(tx, rows) : null
    if (!repeat) throw new ApiError('RESERVATION_PAID', 'some of these reservations are already paid')
    // Paying the same reservations again answers the first payment and takes no money.
    return {
      statusCode: 200,
      body: { ...paymentView(repeat), balance: await balances.getBalance(tx, userId) },
    }
  }
  const dead = rows.find((r) => !r.live)
  if (dead) throw new ApiError('HOLD_EXPIRED', `reservation ${dead.id} has expired or was released`)

  const amount = rows.reduce((sum, r) => sum + r.price, 0)
  let settled = await payments.settlePayment(tx, { userId, concertId, amount, reservationIds: ids })
  if (!settled && amount === 0) {
    // Free seats for a user who has never been charged: the debit needs a row to update.
    await balances.ensureBalanceRow(tx, userId)
    settled = await payments.settlePayment(tx, { userId, concertId, amount, reservationIds: ids })
  }
  if (!settled) {
    throw new ApiError('INSUFFICIENT_BALANCE', `balance does not cover ${amount} won`, {
      balance: await balances.getBalance(tx, userId),
      amount,
    })
  }
  // Every live hold owns its seat row; anything else is a broken invariant, so roll it all back.
  if (settled.paid !== ids.length || settled.sold !== ids.length) {
    throw new Error(`paid ${settled.paid} reservations and sold ${settled.sold} seats for ${ids.length}`)
  }
  return { statusCode: 201, body: { ...paymentView(settled), balance: settled.balance } }
}

/** The one payment that paid exactly these reservations, if there is one. */
async function samePayment(ex: Executor, rows: reservations.ReservationRow[]): Promise<payments.PaymentRow | null> {
  const paymentIds = new Set(rows.map((r) => r.paymentId))
  if (paymentIds.size !== 1) return null
  const payment = await payments.findPayment(ex, rows[0]!.paymentId!)
  if (!payment || payment.reservationIds.length !== rows.length) return null
  return payment
}

export async function listPayments(db: Executor, userId: string): Promise<PaymentHistoryItem[]> {
  const rows = await payments.listForUser(db, userId)
  return rows.map(paymentView)
}

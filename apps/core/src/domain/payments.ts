/**
 * Payment of held seats: all or nothing in one transaction. Lock the seats, then the caller's
 * reservations; decide; take the money with one conditional UPDATE; record ledger and payment; mark
 * reservations PAID and seats SOLD.
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
  await getConcert(tx, concertId)
  await seats.lockSeatsOfReservations(tx, { ids, userId })
  const rows = await reservations.lockOwnReservations(tx, { ids, userId, concertId })
  if (rows.length !== ids.length) {
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
  await balances.ensureBalanceRow(tx, userId)
  const balance = await balances.debit(tx, userId, amount)
  if (balance === null) {
    throw new ApiError('INSUFFICIENT_BALANCE', `balance does not cover ${amount} won`, {
      balance: await balances.getBalance(tx, userId),
      amount,
    })
  }
  const payment = await payments.insertPayment(tx, { userId, concertId, amount, reservationIds: ids })
  await balances.addLedgerEntry(tx, { userId, amount: -amount, kind: 'payment', paymentId: payment.id })
  await reservations.markPaid(tx, ids, payment.id)
  const sold = await seats.sellSeats(tx, ids)
  // Every live hold owns its seat row; anything else is a broken invariant, so roll it all back.
  if (sold !== ids.length) throw new Error(`sold ${sold} seats for ${ids.length} reservations`)
  return { statusCode: 201, body: { ...paymentView(payment), balance } }
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

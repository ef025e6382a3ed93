/**
 * Payments and refunds, each all or nothing in one transaction of two messages: the first takes the
 * locks and reads (user, seats, reservations, balance — or payment, seats, balance), the use case
 * decides, the second writes everything in one statement and commits.
 */
import { ApiError, MAX_BALANCE, type Payment, type PaymentHistoryItem, type Refund } from '@rushgate/shared'
import * as balances from '../data-access/balances.ts'
import * as payments from '../data-access/payments.ts'
import * as reservations from '../data-access/reservations.ts'
import * as seats from '../data-access/seats.ts'
import type { Executor } from '../db/client.ts'
import { concertExists } from '../data-access/concerts.ts'
import type { Tx } from '../db/transaction.ts'
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
  // The user's lock first, as holds take it: a hold of the same user counts this payment's seats
  // either as live holds (before) or as paid (after), never as neither (see data-access/sql.ts).
  const [, , rows, wallet] = await tx.run(
    balances.lockUser(userId),
    seats.lockSeatsOfReservations({ ids, userId, concertId }),
    reservations.lockOwnReservations({ ids, userId, concertId }),
    balances.lockBalance(userId),
  )
  if (rows.length !== ids.length) {
    // Reservations exist only for existing concerts (never deleted): an unknown one is found here.
    const [exists] = await tx.finish(concertExists(concertId))
    if (!exists) throw new ApiError('CONCERT_NOT_FOUND', `concert ${concertId} not found`)
    const found = new Set(rows.map((r) => r.id))
    throw new ApiError('RESERVATION_NOT_FOUND', `reservation ${ids.find((id) => !found.has(id))} not found`)
  }

  const settled = rows.filter((r) => r.paymentId !== null)
  if (settled.length > 0) {
    // Paying the same reservations again answers the first payment (refunded or not) and takes no money.
    const paymentIds = new Set(settled.map((r) => r.paymentId))
    const [first] = settled.length === rows.length && paymentIds.size === 1 ? await tx.finish(payments.findPayment(rows[0]!.paymentId!)) : [null]
    if (!first || first.reservationIds.length !== rows.length) {
      throw new ApiError('RESERVATION_PAID', 'some of these reservations are already paid')
    }
    return { statusCode: 200, body: { ...paymentBody(first), balance: wallet.balance } }
  }
  const dead = rows.find((r) => !r.live)
  if (dead) throw new ApiError('HOLD_EXPIRED', `reservation ${dead.id} has expired or was released`)

  const amount = rows.reduce((sum, r) => sum + r.price, 0)
  if (wallet.balance < amount) {
    throw new ApiError('INSUFFICIENT_BALANCE', `balance does not cover ${amount} won`, { balance: wallet.balance, amount })
  }
  // Free seats for a user who has never been charged: the debit needs a row to update.
  if (!wallet.exists) await tx.run(balances.ensureBalanceRow(userId))
  const [done] = await tx.finish(payments.settlePayment({ userId, concertId, amount, reservationIds: ids }))
  // Every live hold owns its seat row and the balance was locked: anything else is a broken invariant.
  if (!done || done.paid !== ids.length || done.sold !== ids.length) {
    throw new Error(`payment of ${ids.length} reservations settled as ${JSON.stringify(done)}`)
  }
  return {
    statusCode: 201,
    body: { ...paymentBody(done), balance: done.balance },
    seatMapsChanged: [...new Set(rows.map((r) => r.scheduleId))].map((scheduleId) => ({ concertId, scheduleId })),
  }
}

/**
 * Refunds the caller's payment before the earliest show among its seats: the whole amount back to
 * the balance, the seats AVAILABLE, the reservations REFUNDED, the payment REFUNDED.
 */
export async function refund(tx: Tx, input: { userId: string; paymentId: number }): Promise<Outcome<Refund>> {
  const { userId, paymentId } = input
  const [payment, , wallet] = await tx.run(
    payments.lockPayment({ paymentId, userId }),
    seats.lockSeatsOfPayment({ paymentId, userId }),
    balances.lockBalance(userId),
  )
  if (!payment) throw new ApiError('PAYMENT_NOT_FOUND', `payment ${paymentId} not found`)
  if (payment.status === 'REFUNDED') throw new ApiError('PAYMENT_REFUNDED', `payment ${paymentId} was already refunded`)
  if (payment.closed) throw new ApiError('SCHEDULE_CLOSED', `payment ${paymentId} is for a show that has started: it can no longer be refunded`)
  if (wallet.balance + payment.amount > MAX_BALANCE) {
    throw new ApiError('BALANCE_LIMIT', `a balance cannot exceed ${MAX_BALANCE} won`, { balance: wallet.balance, amount: payment.amount })
  }
  const [done] = await tx.finish(
    payments.settleRefund({ paymentId, userId, amount: payment.amount, reservationIds: payment.reservationIds }),
  )
  const count = payment.reservationIds.length
  if (!done || done.released !== count || done.freed !== count) {
    throw new Error(`refund of payment ${paymentId} (${count} seats) settled as ${JSON.stringify(done)}`)
  }
  return {
    statusCode: 200,
    body: { id: done.id, amount: done.amount, balance: done.balance, refundedAt: done.refundedAt },
    seatMapsChanged: payment.scheduleIds.map((scheduleId) => ({ concertId: payment.concertId, scheduleId })),
  }
}

function paymentBody(p: payments.PaymentRow): Omit<Payment, 'balance'> {
  return { id: p.id, reservationIds: p.reservationIds, amount: p.amount, paidAt: p.paidAt }
}

export async function listPayments(db: Executor, userId: string): Promise<PaymentHistoryItem[]> {
  const rows = await payments.listForUser(db, userId)
  return rows.map(paymentView)
}

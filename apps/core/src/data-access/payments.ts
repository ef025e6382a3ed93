/** Payments: one row per payment, with the reservations it paid; refunded as a whole or not at all. */
import type { PaymentStatus } from '@rushgate/shared'
import { sql } from 'drizzle-orm'
import { MAX_BALANCE } from '@rushgate/shared'
import type { Executor } from '../db/client.ts'
import { q, raw, type Statement, statement } from '../db/statements.ts'
import { isoText } from './sql.ts'

export interface PaymentRow {
  id: number
  reservationIds: number[]
  amount: number
  paidAt: string
  status: PaymentStatus
  refundedAt: string | null
}

const COLUMNS = `payments.id, payments.reservation_ids as "reservationIds", payments.amount,
  ${isoText('payments.paid_at')} as "paidAt", payments.status,
  case when payments.refunded_at is null then null else ${isoText('payments.refunded_at')} end as "refundedAt"`
const columns = raw(COLUMNS)

export interface SettledPayment extends PaymentRow {
  balance: number
  paid: number
  sold: number
}

/**
 * The writes of a payment, after its seats, reservations and balance are locked, as ONE statement:
 * take `amount` from the balance if it covers it, record the payment and its ledger entry, mark the
 * reservations PAID and their seats SOLD. Every part hangs off the conditional debit, so when the
 * balance is short nothing at all is written and the answer is null. `paid` and `sold` count the
 * rows changed, for the caller to check against the number of reservations.
 */
export const settlePayment = (p: {
  userId: string
  concertId: number
  amount: number
  reservationIds: number[]
}): Statement<SettledPayment | null> =>
  statement(
    q`with debit as (
        update balances set balance = balance - ${p.amount}::bigint
        where user_id = ${p.userId} and balance >= ${p.amount}::bigint
        returning balance
      ), payment as (
        insert into payments (user_id, concert_id, amount, reservation_ids)
        select ${p.userId}::text, ${p.concertId}::int, ${p.amount}::bigint, ${p.reservationIds}::int[] from debit
        returning ${columns}
      ), entry as (
        insert into ledger (user_id, amount, kind, payment_id)
        select ${p.userId}::text, ${-p.amount}::bigint, 'payment', id from payment
      ), paid as (
        update reservations set status = 'PAID', payment_id = payment.id from payment
        where reservations.id = any(${p.reservationIds})
        returning 1
      ), sold as (
        -- by primary key through the reservations (seats have no index on reservation_id)
        update seats set sold = true, hold_expires_at = null from reservations r
        where r.id = any(${p.reservationIds}) and seats.schedule_id = r.schedule_id and seats.seat_number = r.seat_number
          and seats.reservation_id = r.id and not seats.sold and exists (select 1 from payment)
        returning 1
      )
      select payment.*, debit.balance, (select count(*) from paid)::int as paid, (select count(*) from sold)::int as sold
      from debit, payment`,
    (rows) => (rows[0] as SettledPayment) ?? null,
  )

export const findPayment = (id: number): Statement<PaymentRow | null> =>
  statement(q`select ${columns} from payments where id = ${id}`, (rows) => (rows[0] as PaymentRow) ?? null)

export interface LockedPayment extends PaymentRow {
  /** The earliest show among its seats has started. */
  closed: boolean
  concertId: number
  scheduleIds: number[]
}

/** The caller's payment, locked (before its seats: the order refunds keep), with whether its first show has started. */
export const lockPayment = (args: { paymentId: number; userId: string }): Statement<LockedPayment | null> =>
  statement(
    q`select ${columns}, payments.concert_id as "concertId",
        (select min(s.starts_at) <= statement_timestamp() from reservations r join schedules s on s.id = r.schedule_id
          where r.id = any(payments.reservation_ids)) as closed,
        (select array_agg(distinct r.schedule_id) from reservations r where r.id = any(payments.reservation_ids)) as "scheduleIds"
      from payments where id = ${args.paymentId} and user_id = ${args.userId} for update of payments`,
    (rows) => (rows[0] as LockedPayment) ?? null,
  )

export interface SettledRefund {
  id: number
  amount: number
  balance: number
  refundedAt: string
  released: number
  freed: number
}

/**
 * The writes of a refund, after the payment, its seats and the balance are locked, as ONE
 * statement hanging off the conditional credit: give the amount back (unless the balance would
 * pass MAX_BALANCE), mark the payment REFUNDED, write the ledger entry, mark the reservations
 * REFUNDED and make their seats AVAILABLE. Null, and nothing written, when the credit is refused.
 */
export const settleRefund = (p: { paymentId: number; userId: string; amount: number; reservationIds: number[] }): Statement<SettledRefund | null> =>
  statement(
    q`with credit as (
        update balances set balance = balance + ${p.amount}::bigint
        where user_id = ${p.userId} and balance + ${p.amount}::bigint <= ${MAX_BALANCE}
        returning balance
      ), refunded as (
        update payments set status = 'REFUNDED', refunded_at = statement_timestamp() from credit
        where payments.id = ${p.paymentId} and payments.status = 'PAID'
        returning payments.id, payments.amount, payments.refunded_at
      ), entry as (
        insert into ledger (user_id, amount, kind, payment_id) select ${p.userId}::text, ${p.amount}::bigint, 'refund', id from refunded
      ), released as (
        update reservations set status = 'REFUNDED'
        where id = any(${p.reservationIds}) and status = 'PAID' and payment_id = ${p.paymentId} and exists (select 1 from refunded)
        returning id, schedule_id, seat_number
      ), freed as (
        update seats set sold = false, held_by = null, hold_expires_at = null, reservation_id = null from released r
        where seats.schedule_id = r.schedule_id and seats.seat_number = r.seat_number and seats.reservation_id = r.id and seats.sold
        returning 1
      )
      select refunded.id, refunded.amount, credit.balance, ${isoText('refunded.refunded_at')} as "refundedAt",
        (select count(*) from released)::int as released, (select count(*) from freed)::int as freed
      from credit, refunded`,
    (rows) => (rows[0] as SettledRefund) ?? null,
  )

export async function listForUser(ex: Executor, userId: string): Promise<PaymentRow[]> {
  const r = await ex.execute<PaymentRow & Record<string, unknown>>(
    sql`select ${sql.raw(COLUMNS)} from payments where user_id = ${userId} order by id desc`,
  )
  return r.rows
}

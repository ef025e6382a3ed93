/** Payments: one row per successful payment, with the reservations it paid. */
import { sql } from 'drizzle-orm'
import type { Executor, Tx } from '../db/client.ts'
import { intArray, iso } from './sql.ts'

export interface PaymentRow {
  id: number
  reservationIds: number[]
  amount: number
  paidAt: string
}

const columns = sql`id, reservation_ids as "reservationIds", amount, ${iso(sql`paid_at`)} as "paidAt"`

export interface SettledPayment extends PaymentRow {
  balance: number
  paid: number
  sold: number
}

/**
 * The writes of a payment, after its seats and reservations are locked, as ONE statement (each
 * statement is a round trip, and round trips are what a payment costs): take `amount` from the
 * balance if it covers it, record the payment and its ledger entry, mark the reservations PAID and
 * their seats SOLD. Every part hangs off the conditional debit, so when the balance is short nothing
 * at all is written and the answer is null. `paid` and `sold` count the rows changed, for the caller
 * to check against the number of reservations. A user with no balance row has 0 (no row is made).
 */
export async function settlePayment(
  tx: Tx,
  p: { userId: string; concertId: number; amount: number; reservationIds: number[] },
): Promise<SettledPayment | null> {
  const ids = intArray(p.reservationIds)
  const r = await tx.execute<SettledPayment & Record<string, unknown>>(sql`
    with debit as (
      update balances set balance = balance - ${p.amount}::bigint
      where user_id = ${p.userId} and balance >= ${p.amount}::bigint
      returning balance
    ), payment as (
      insert into payments (user_id, concert_id, amount, reservation_ids)
      select ${p.userId}::text, ${p.concertId}::int, ${p.amount}::bigint, ${ids} from debit
      returning ${columns}
    ), entry as (
      insert into ledger (user_id, amount, kind, payment_id)
      select ${p.userId}::text, -${p.amount}::bigint, 'payment', id from payment
    ), paid as (
      update reservations set status = 'PAID', payment_id = payment.id from payment
      where reservations.id = any(${ids})
      returning 1
    ), sold as (
      -- by primary key through the reservations (seats have no index on reservation_id)
      update seats set sold = true, hold_expires_at = null from reservations r
      where r.id = any(${ids}) and seats.schedule_id = r.schedule_id and seats.seat_number = r.seat_number
        and seats.reservation_id = r.id and not seats.sold and exists (select 1 from payment)
      returning 1
    )
    select payment.*, debit.balance, (select count(*) from paid)::int as paid, (select count(*) from sold)::int as sold
    from debit, payment`)
  return r.rows[0] ?? null
}

export async function findPayment(ex: Executor, id: number): Promise<PaymentRow | null> {
  const r = await ex.execute<PaymentRow & Record<string, unknown>>(sql`select ${columns} from payments where id = ${id}`)
  return r.rows[0] ?? null
}

export async function listForUser(ex: Executor, userId: string): Promise<PaymentRow[]> {
  const r = await ex.execute<PaymentRow & Record<string, unknown>>(
    sql`select ${columns} from payments where user_id = ${userId} order by id desc`,
  )
  return r.rows
}

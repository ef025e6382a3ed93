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

export async function insertPayment(
  tx: Tx,
  p: { userId: string; concertId: number; amount: number; reservationIds: number[] },
): Promise<PaymentRow> {
  const r = await tx.execute<PaymentRow & Record<string, unknown>>(sql`
    insert into payments (user_id, concert_id, amount, reservation_ids)
    values (${p.userId}, ${p.concertId}, ${p.amount}, ${intArray(p.reservationIds)})
    returning ${columns}`)
  return r.rows[0]!
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

/** Balances and their ledger. A balance changes only together with a ledger entry of the same amount. */
import { sql } from 'drizzle-orm'
import { MAX_BALANCE } from '@rushgate/shared'
import type { Executor, Tx } from '../db/client.ts'

/** A user never seen has a balance of 0: no row needed. */
export async function getBalance(ex: Executor, userId: string): Promise<number> {
  const r = await ex.execute<{ balance: number }>(sql`select balance from balances where user_id = ${userId}`)
  return r.rows[0]?.balance ?? 0
}

/**
 * Serialises a user's holds and payments for the rest of the transaction (transaction-level advisory
 * lock keyed by the user id), so that two concurrent holds cannot both pass the hold limit.
 */
export async function lockUser(tx: Tx, userId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(1, hashtext(${userId}))`)
}

/**
 * Adds `amount` in one statement, creating the row on first use. The row lock serialises concurrent
 * charges and payments, so no update is lost; null when the result would pass MAX_BALANCE.
 */
export async function credit(tx: Tx, userId: string, amount: number): Promise<number | null> {
  const r = await tx.execute<{ balance: number }>(sql`
    insert into balances (user_id, balance) values (${userId}, ${amount})
    on conflict (user_id) do update set balance = balances.balance + excluded.balance
      where balances.balance + excluded.balance <= ${MAX_BALANCE}
    returning balance`)
  return r.rows[0]?.balance ?? null
}

/** A row with balance 0, so that a conditional UPDATE has something to update. */
export async function ensureBalanceRow(tx: Tx, userId: string): Promise<void> {
  await tx.execute(sql`insert into balances (user_id, balance) values (${userId}, 0) on conflict (user_id) do nothing`)
}

export async function addLedgerEntry(
  tx: Tx,
  e: { userId: string; amount: number; kind: 'charge' | 'payment'; paymentId?: number },
): Promise<void> {
  await tx.execute(sql`insert into ledger (user_id, amount, kind, payment_id)
    values (${e.userId}, ${e.amount}, ${e.kind}, ${e.paymentId ?? null})`)
}

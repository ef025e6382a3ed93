/** Balances and their ledger. A balance changes only together with a ledger entry of the same amount. */
import { sql } from 'drizzle-orm'
import { MAX_BALANCE } from '@rushgate/shared'
import type { Executor } from '../db/client.ts'
import { command, q, type Statement, statement } from '../db/statements.ts'

/** A user never seen has a balance of 0: no row needed. */
export async function getBalance(ex: Executor, userId: string): Promise<number> {
  const r = await ex.execute<{ balance: number }>(sql`select balance from balances where user_id = ${userId}`)
  return r.rows[0]?.balance ?? 0
}

/**
 * Serialises a user's holds and payments for the rest of the transaction (transaction-level advisory
 * lock keyed by the user id): two concurrent holds cannot both pass the hold or ticket limit, and a
 * hold counts a payment of the same user either before it or after it, never half-way.
 */
export const lockUser = (userId: string) => command(q`select pg_advisory_xact_lock(1, hashtext(${userId}))`)

/** The user's balance, its row locked for the rest of the transaction (0 and no lock without a row). */
export const lockBalance = (userId: string): Statement<{ balance: number; exists: boolean }> =>
  statement(q`select balance from balances where user_id = ${userId} for update`, (rows) => ({
    balance: rows[0]?.balance ?? 0,
    exists: rows.length > 0,
  }))

/** A row with balance 0, so that a conditional UPDATE has something to update. */
export const ensureBalanceRow = (userId: string) =>
  command(q`insert into balances (user_id, balance) values (${userId}, 0) on conflict (user_id) do nothing`)

/**
 * A charge in one statement: add `amount` (creating the row on first use) and write its ledger entry.
 * The row lock serialises concurrent charges and payments, so no update is lost; null, and nothing
 * written, when the result would pass MAX_BALANCE.
 */
export const charge = (userId: string, amount: number): Statement<number | null> =>
  statement(
    q`with credited as (
        insert into balances (user_id, balance) values (${userId}, ${amount})
        on conflict (user_id) do update set balance = balances.balance + excluded.balance
          where balances.balance + excluded.balance <= ${MAX_BALANCE}
        returning balance
      ), entry as (
        insert into ledger (user_id, amount, kind) select ${userId}::text, ${amount}::bigint, 'charge' from credited
      )
      select balance from credited`,
    (rows) => rows[0]?.balance ?? null,
  )

export const balanceOf = (userId: string): Statement<number> =>
  statement(q`select balance from balances where user_id = ${userId}`, (rows) => rows[0]?.balance ?? 0)

/** Balances: read and charge. Concurrent charges and payments serialise on the balance row. */
import { ApiError, type Balance, type ChargeResponse, MAX_BALANCE } from '@rushgate/shared'
import * as balances from '../data-access/balances.ts'
import type { Executor, Tx } from '../db/client.ts'
import type { Outcome } from './idempotency.ts'

export async function getBalance(db: Executor, userId: string): Promise<Balance> {
  return { userId, balance: await balances.getBalance(db, userId) }
}

/** Charge inside the caller's transaction: credit the balance and write the ledger entry. */
export async function charge(tx: Tx, input: { userId: string; amount: number }): Promise<Outcome<ChargeResponse>> {
  const balance = await balances.credit(tx, input.userId, input.amount)
  if (balance === null) {
    throw new ApiError('BALANCE_LIMIT', `a balance cannot exceed ${MAX_BALANCE} won`, {
      balance: await balances.getBalance(tx, input.userId),
      amount: input.amount,
    })
  }
  await balances.addLedgerEntry(tx, { userId: input.userId, amount: input.amount, kind: 'charge' })
  return { statusCode: 201, body: { userId: input.userId, balance, charged: input.amount } }
}

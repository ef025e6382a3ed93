/** Balances: read and charge. Concurrent charges and payments serialise on the balance row. */
import { ApiError, type Balance, type ChargeResponse, MAX_BALANCE } from '@rushgate/shared'
import * as balances from '../data-access/balances.ts'
import type { Executor } from '../db/client.ts'
import type { Tx } from '../db/transaction.ts'
import type { Outcome } from './idempotency.ts'

export async function getBalance(db: Executor, userId: string): Promise<Balance> {
  return { userId, balance: await balances.getBalance(db, userId) }
}

/** Charge inside the caller's transaction: credit the balance and write the ledger entry, in one statement. */
export async function charge(tx: Tx, input: { userId: string; amount: number }): Promise<Outcome<ChargeResponse>> {
  const [balance] = await tx.finish(balances.charge(input.userId, input.amount))
  if (balance === null) {
    const [current] = await tx.run(balances.balanceOf(input.userId))
    throw new ApiError('BALANCE_LIMIT', `a balance cannot exceed ${MAX_BALANCE} won`, { balance: current, amount: input.amount })
  }
  return { statusCode: 201, body: { userId: input.userId, balance, charged: input.amount } }
}

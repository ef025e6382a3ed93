/**
 * Idempotent execution of a state-changing use case (charges, payments, refunds), following api.md:
 * the same user + key + request gets the first final answer again and the effect happens once.
 *
 * All in one transaction, at no round trip of its own: the key claim rides in front of the use
 * case's first message (a concurrent duplicate waits on the key's primary key until the first
 * commits, then reads its answer), the use case runs inside a SAVEPOINT, and its answer is stored in
 * the message that commits. A 4xx rolls back to the savepoint but keeps the key with the answer; a
 * 5xx (any unexpected error) rolls back everything, so nothing is kept and the client may retry.
 */
import { createHash } from 'node:crypto'
import { ApiError, type SeatMapRef } from '@rushgate/shared'
import type pg from 'pg'
import * as keys from '../data-access/idempotency.ts'
import type { Db } from '../db/client.ts'
import { command, q } from '../db/statements.ts'
import { inTransaction, type Tx } from '../db/transaction.ts'

export interface Outcome<T = unknown> {
  statusCode: number
  body: T
  /** The seat maps this use case changed (not stored: a replay changes nothing). */
  seatMapsChanged?: SeatMapRef[]
}

export interface IdempotencyScope {
  userId: string
  /** The Idempotency-Key header, when given. */
  key: string | undefined
  /** What identifies "the same request": method, route and body. */
  request: { method: string; route: string; body: unknown }
}

/** Answers older than this may be forgotten (api.md: kept at least 24 hours). */
export const KEEP_ANSWERS_HOURS = 24

const SAVEPOINT = command(q`savepoint use_case`)
const ROLLBACK_USE_CASE = command(q`rollback to savepoint use_case`)

export function requestHash(request: IdempotencyScope['request']): string {
  return createHash('sha256').update(JSON.stringify([request.method, request.route, request.body])).digest('hex')
}

/** Thrown out of the use case when the key was already used: the first answer is returned instead. */
class Replay extends Error {
  constructor(readonly stored: keys.StoredAnswer) {
    super('idempotency key already used')
  }
}

export async function runIdempotent(pool: pg.Pool, scope: IdempotencyScope, useCase: (tx: Tx) => Promise<Outcome>): Promise<Outcome> {
  const { key, userId } = scope
  if (key === undefined) return inTransaction(pool, useCase)
  const hash = requestHash(scope.request)
  try {
    return await inTransaction(
      pool,
      async (tx) => {
        tx.openWith([keys.claimKey(userId, key, hash), keys.findAnswer(userId, key), SAVEPOINT], ([claimed, found]) => {
          if (claimed) return
          const stored = found as keys.StoredAnswer | null
          if (!stored || stored.statusCode === null) throw new Error('idempotency key vanished between claim and read')
          throw new Replay(stored)
        })
        let outcome: Outcome
        let refused = false
        try {
          outcome = await useCase(tx)
        } catch (err) {
          if (!(err instanceof ApiError) || err.statusCode >= 500) throw err
          outcome = { statusCode: err.statusCode, body: err.toBody() }
          refused = true
        }
        // A use case refused before it sent anything has not claimed the key yet.
        await tx.begin()
        const save = keys.saveAnswer(userId, key, outcome.statusCode, outcome.body)
        await (refused ? tx.commitWith(ROLLBACK_USE_CASE, save) : tx.commitWith(save))
        return outcome
      },
      { commitOnFinish: false },
    )
  } catch (err) {
    if (!(err instanceof Replay)) throw err
    if (err.stored.requestHash !== hash) {
      throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key was already used with a different request')
    }
    return { statusCode: err.stored.statusCode!, body: err.stored.body }
  }
}

export async function forgetOldAnswers(db: Db): Promise<number> {
  return keys.deleteOlderThan(db, KEEP_ANSWERS_HOURS)
}

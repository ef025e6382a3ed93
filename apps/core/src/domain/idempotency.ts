/**
 * Idempotent execution of a state-changing use case (charges, payments), following api.md:
 * the same user + key + request gets the first final answer again and the effect happens once.
 *
 * All in one transaction: claim the key (a concurrent duplicate waits on the key's unique index until
 * the first commits, then reads its answer), run the use case inside a SAVEPOINT, store its answer.
 * A 4xx rolls back to the savepoint but keeps the key with the answer; a 5xx (any unexpected error)
 * rolls back everything, so nothing is kept and the client may retry.
 */
import { createHash } from 'node:crypto'
import { ApiError } from '@rushgate/shared'
import * as keys from '../data-access/idempotency.ts'
import type { Db, Tx } from '../db/client.ts'

export interface Outcome<T = unknown> {
  statusCode: number
  body: T
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

export function requestHash(request: IdempotencyScope['request']): string {
  return createHash('sha256').update(JSON.stringify([request.method, request.route, request.body])).digest('hex')
}

export async function runIdempotent(db: Db, scope: IdempotencyScope, useCase: (tx: Tx) => Promise<Outcome>): Promise<Outcome> {
  const { key, userId } = scope
  if (key === undefined) return db.transaction(useCase)
  const hash = requestHash(scope.request)
  return db.transaction(async (tx) => {
    if (!(await keys.claimKey(tx, userId, key, hash))) {
      const stored = await keys.findAnswer(tx, userId, key)
      if (!stored) throw new Error('idempotency key vanished between claim and read')
      if (stored.requestHash !== hash) {
        throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key was already used with a different request')
      }
      return { statusCode: stored.statusCode, body: stored.body }
    }
    let outcome: Outcome
    try {
      outcome = await tx.transaction(useCase)
    } catch (err) {
      if (!(err instanceof ApiError) || err.statusCode >= 500) throw err
      outcome = { statusCode: err.statusCode, body: err.toBody() }
    }
    await keys.saveAnswer(tx, userId, key, outcome.statusCode, outcome.body)
    return outcome
  })
}

export async function forgetOldAnswers(db: Db): Promise<number> {
  return keys.deleteOlderThan(db, KEEP_ANSWERS_HOURS)
}

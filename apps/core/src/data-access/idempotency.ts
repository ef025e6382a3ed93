/** Stored answers of idempotent requests, keyed by (user, Idempotency-Key). */
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/client.ts'
import { command, q, type Statement, statement } from '../db/statements.ts'

export interface StoredAnswer {
  requestHash: string
  statusCode: number | null
  body: unknown
}

/**
 * Claims the key inside the caller's transaction. When another transaction holds an uncommitted
 * claim of the same key, this INSERT waits on the primary key until that one ends; it then sees the
 * committed row (false) or, if that one rolled back, claims the key itself (true).
 */
export const claimKey = (userId: string, key: string, requestHash: string): Statement<boolean> =>
  statement(
    q`insert into idempotency_keys (user_id, key, request_hash)
      values (${userId}, ${key}, ${requestHash}) on conflict do nothing returning 1`,
    (rows) => rows.length > 0,
  )

/** The key's row as this statement sees it: ours when just claimed, else the committed first answer. */
export const findAnswer = (userId: string, key: string): Statement<StoredAnswer | null> =>
  statement(
    q`select request_hash as "requestHash", status_code as "statusCode", body
      from idempotency_keys where user_id = ${userId} and key = ${key}`,
    (rows) => (rows[0] as StoredAnswer) ?? null,
  )

export const saveAnswer = (userId: string, key: string, statusCode: number, body: unknown) =>
  command(q`update idempotency_keys set status_code = ${statusCode}, body = ${JSON.stringify(body)}::jsonb
    where user_id = ${userId} and key = ${key}`)

/** Forgets answers older than `hours`; returns how many. */
export async function deleteOlderThan(ex: Executor, hours: number): Promise<number> {
  const r = await ex.execute(
    sql`delete from idempotency_keys where created_at < now() - make_interval(hours => ${hours}) returning 1`,
  )
  return r.rows.length
}

/** Stored answers of idempotent requests, keyed by (user, Idempotency-Key). */
import { sql } from 'drizzle-orm'
import type { Executor, Tx } from '../db/client.ts'

export interface StoredAnswer {
  requestHash: string
  statusCode: number
  body: unknown
}

/**
 * Claims the key inside the caller's transaction. When another transaction holds an uncommitted
 * claim of the same key, this INSERT waits on the primary key until that one ends; it then sees the
 * committed row (false) or, if that one rolled back, claims the key itself (true).
 */
export async function claimKey(tx: Tx, userId: string, key: string, requestHash: string): Promise<boolean> {
  const r = await tx.execute(sql`insert into idempotency_keys (user_id, key, request_hash)
    values (${userId}, ${key}, ${requestHash}) on conflict do nothing returning 1`)
  return r.rows.length > 0
}

export async function findAnswer(tx: Tx, userId: string, key: string): Promise<StoredAnswer | null> {
  const r = await tx.execute<{ requestHash: string; statusCode: number; body: unknown }>(sql`
    select request_hash as "requestHash", status_code as "statusCode", body
    from idempotency_keys where user_id = ${userId} and key = ${key}`)
  return r.rows[0] ?? null
}

export async function saveAnswer(tx: Tx, userId: string, key: string, statusCode: number, body: unknown): Promise<void> {
  await tx.execute(sql`update idempotency_keys set status_code = ${statusCode}, body = ${JSON.stringify(body)}::jsonb
    where user_id = ${userId} and key = ${key}`)
}

/** Forgets answers older than `hours`; returns how many. */
export async function deleteOlderThan(ex: Executor, hours: number): Promise<number> {
  const r = await ex.execute(
    sql`delete from idempotency_keys where created_at < now() - make_interval(hours => ${hours}) returning 1`,
  )
  return r.rows.length
}

/** Reservations (holds): rows in, plain objects out. */
import { sql } from 'drizzle-orm'
import type { Executor, Tx } from '../db/client.ts'
import { intArray, iso, reservationStatusSql } from './sql.ts'

export type StoredStatus = 'HELD' | 'CANCELLED' | 'PAID' | 'EXPIRED'

export interface ReservationRow {
  id: number
  userId: string
  concertId: number
  scheduleId: number
  seatNumber: number
  price: number
  /** As stored; see `live` for whether a HELD row is still in time. */
  status: StoredStatus
  expiresAt: string
  paymentId: number | null
  /** HELD and not yet expired, at the transaction's clock. */
  live: boolean
}

const columns = sql`id, user_id as "userId", concert_id as "concertId", schedule_id as "scheduleId",
  seat_number as "seatNumber", price, status, ${iso(sql`expires_at`)} as "expiresAt", payment_id as "paymentId",
  (status = 'HELD' and expires_at > now()) as live`

export async function countLiveHolds(tx: Tx, userId: string): Promise<number> {
  const r = await tx.execute<{ n: number }>(
    sql`select count(*)::int as n from reservations where user_id = ${userId} and status = 'HELD' and expires_at > now()`,
  )
  return r.rows[0]?.n ?? 0
}

/** A HELD row left on a seat that was just re-taken has run out: record it as EXPIRED. */
export async function expireHeldOnSeat(tx: Tx, scheduleId: number, seatNumber: number): Promise<void> {
  await tx.execute(sql`update reservations set status = 'EXPIRED'
    where schedule_id = ${scheduleId} and seat_number = ${seatNumber} and status = 'HELD'`)
}

export async function insertReservation(
  tx: Tx,
  r: { userId: string; concertId: number; scheduleId: number; seatNumber: number; price: number; expiresAt: string },
): Promise<ReservationRow> {
  const res = await tx.execute<ReservationRow & Record<string, unknown>>(sql`
    insert into reservations (user_id, concert_id, schedule_id, seat_number, price, status, expires_at)
    values (${r.userId}, ${r.concertId}, ${r.scheduleId}, ${r.seatNumber}, ${r.price}, 'HELD', ${r.expiresAt})
    returning ${columns}`)
  return res.rows[0]!
}

export async function findOwnReservation(
  ex: Executor,
  args: { id: number; userId: string; concertId: number; forUpdate?: boolean },
): Promise<ReservationRow | null> {
  const lock = args.forUpdate ? sql`for update` : sql``
  const r = await ex.execute<ReservationRow & Record<string, unknown>>(sql`select ${columns} from reservations
    where id = ${args.id} and user_id = ${args.userId} and concert_id = ${args.concertId} ${lock}`)
  return r.rows[0] ?? null
}

/**
 * Locks the caller's reservations among `ids`, in id order. Callers lock the seats first
 * (seat → reservation everywhere), so holds, releases and payments cannot deadlock.
 */
export async function lockOwnReservations(
  tx: Tx,
  args: { ids: number[]; userId: string; concertId: number },
): Promise<ReservationRow[]> {
  const r = await tx.execute<ReservationRow & Record<string, unknown>>(sql`select ${columns} from reservations
    where id = any(${intArray(args.ids)}) and user_id = ${args.userId} and concert_id = ${args.concertId}
    order by id for update`)
  return r.rows
}

export async function setStatus(tx: Tx, id: number, status: StoredStatus): Promise<void> {
  await tx.execute(sql`update reservations set status = ${status} where id = ${id}`)
}

export interface ReservationView {
  id: number
  concertId: number
  scheduleId: number
  seatNumber: number
  price: number
  status: StoredStatus
  expiresAt: string
}

export async function listForUser(ex: Executor, userId: string): Promise<ReservationView[]> {
  const r = await ex.execute<ReservationView & Record<string, unknown>>(sql`
    select id, concert_id as "concertId", schedule_id as "scheduleId", seat_number as "seatNumber", price,
      ${reservationStatusSql} as status, ${iso(sql`expires_at`)} as "expiresAt"
    from reservations where user_id = ${userId} order by id desc`)
  return r.rows
}

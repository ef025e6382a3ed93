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

/**
 * The user's live holds, and whether the schedule is one of this concert's, in one round trip
 * (a hold's 404s are decided before its hold limit, as ever).
 */
export async function countLiveHolds(
  tx: Tx,
  args: { userId: string; concertId: number; scheduleId: number },
): Promise<{ live: number; scheduleFound: boolean }> {
  const r = await tx.execute<{ live: number; scheduleFound: boolean }>(sql`
    select (select count(*) from reservations
        where user_id = ${args.userId} and status = 'HELD' and expires_at > now())::int as live,
      exists (select 1 from schedules where id = ${args.scheduleId} and concert_id = ${args.concertId}) as "scheduleFound"`)
  return r.rows[0]!
}

/**
 * Inserts the HELD reservation `id` (drawn by `claimSeat`, whose seat row lock the caller holds), first
 * marking EXPIRED any HELD row left on that seat — it has run out, or the seat would not have been
 * free. One statement; the insert reads the count of expired rows, so the expiry is done before it
 * (the partial unique index allows one HELD row per seat).
 */
export async function insertReservation(
  tx: Tx,
  r: Pick<ReservationRow, 'id' | 'userId' | 'concertId' | 'scheduleId' | 'seatNumber' | 'price' | 'expiresAt'>,
): Promise<ReservationRow> {
  const res = await tx.execute<ReservationRow & Record<string, unknown>>(sql`
    with expired as (
      update reservations set status = 'EXPIRED'
      where schedule_id = ${r.scheduleId} and seat_number = ${r.seatNumber} and status = 'HELD'
      returning 1
    )
    insert into reservations (id, user_id, concert_id, schedule_id, seat_number, price, status, expires_at)
    select ${r.id}::int, ${r.userId}::text, ${r.concertId}::int, ${r.scheduleId}::int, ${r.seatNumber}::int,
      ${r.price}::bigint, 'HELD', ${r.expiresAt}::timestamptz
    from (select count(*) from expired) as done
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

/** A reservation as the caller's history shows it (status already EXPIRED when a hold ran out). */
export type ReservationView = Pick<ReservationRow, 'id' | 'concertId' | 'scheduleId' | 'seatNumber' | 'price' | 'status' | 'expiresAt'>

export async function listForUser(ex: Executor, userId: string): Promise<ReservationView[]> {
  const r = await ex.execute<ReservationView & Record<string, unknown>>(sql`
    select id, concert_id as "concertId", schedule_id as "scheduleId", seat_number as "seatNumber", price,
      ${reservationStatusSql} as status, ${iso(sql`expires_at`)} as "expiresAt"
    from reservations where user_id = ${userId} order by id desc`)
  return r.rows
}

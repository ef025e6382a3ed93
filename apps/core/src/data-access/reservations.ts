/** Reservations (holds and what became of them): statements in, plain objects out. */
import type { ReservationStatus } from '@rushgate/shared'
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/client.ts'
import { q, raw, type Statement, statement } from '../db/statements.ts'
import { holdLive, iso, isoText, reservationPlace, reservationPlaceSql, reservationStatusSql } from './sql.ts'

export type StoredStatus = 'HELD' | 'CANCELLED' | 'PAID' | 'EXPIRED' | 'REFUNDED'

/** Where a reservation's place is (docs/api.md, "A place"). */
export interface Place {
  section: string
  row: string | null
  seat: number
  grade: string
  label: string
}

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
  /** The hold was extended once already. */
  extended: boolean
  /** HELD and not yet expired, when the statement ran. */
  live: boolean
  place: Place
}

/** The columns of a ReservationRow, for `select` and `returning` on the reservations table. */
export const reservationColumns = raw(`reservations.id, reservations.user_id as "userId",
  reservations.concert_id as "concertId", reservations.schedule_id as "scheduleId",
  reservations.seat_number as "seatNumber", reservations.price, reservations.status,
  ${isoText('reservations.expires_at')} as "expiresAt", reservations.payment_id as "paymentId",
  reservations.extended_at is not null as extended, ${holdLive} as live, ${reservationPlace.text} as place`)

/**
 * Locks the caller's reservations among `ids`, in id order. Callers lock the seats first
 * (seat → reservation everywhere), so holds, releases and payments cannot deadlock.
 */
export const lockOwnReservations = (args: { ids: number[]; userId: string; concertId: number }): Statement<ReservationRow[]> =>
  statement(
    q`select ${reservationColumns} from reservations
      where id = any(${args.ids}) and user_id = ${args.userId} and concert_id = ${args.concertId}
      order by id for update`,
    (rows) => rows as ReservationRow[],
  )

/** A reservation as the caller's history shows it (status already EXPIRED when a hold ran out). */
export interface ReservationView {
  id: number
  concertId: number
  scheduleId: number
  seatNumber: number
  price: number
  status: ReservationStatus
  expiresAt: string
  place: Place
}

export async function listForUser(ex: Executor, userId: string): Promise<ReservationView[]> {
  const r = await ex.execute<ReservationView & Record<string, unknown>>(sql`
    select id, concert_id as "concertId", schedule_id as "scheduleId", seat_number as "seatNumber", price,
      ${reservationStatusSql} as status, ${iso(sql`expires_at`)} as "expiresAt", ${reservationPlaceSql} as place
    from reservations where user_id = ${userId} order by id desc`)
  return r.rows
}

/** Concerts as the administration sees them: creation with dates and seats, the ticket limit. */
import { sql } from 'drizzle-orm'
import type { Executor, Tx } from '../db/client.ts'
import { q, type Statement, statement } from '../db/statements.ts'
import { iso } from './sql.ts'

export async function insertConcert(tx: Tx, c: { title: string; venue: string }): Promise<number> {
  const r = await tx.execute<{ id: number }>(sql`insert into concerts (title, venue) values (${c.title}, ${c.venue}) returning id`)
  return r.rows[0]!.id
}

export async function insertSchedule(
  tx: Tx,
  s: { concertId: number; startsAt: string; totalSeats: number; price: number },
): Promise<{ id: number; startsAt: string }> {
  const r = await tx.execute<{ id: number; startsAt: string }>(sql`
    insert into schedules (concert_id, starts_at, total_seats, price)
    values (${s.concertId}, ${s.startsAt}, ${s.totalSeats}, ${s.price})
    returning id, ${iso(sql`starts_at`)} as "startsAt"`)
  return r.rows[0]!
}

/** Seats 1..count of a schedule, in one statement. */
export async function insertSeats(tx: Tx, scheduleId: number, count: number, price: number): Promise<void> {
  await tx.execute(sql`insert into seats (schedule_id, seat_number, price)
    select ${scheduleId}, n, ${price} from generate_series(1, ${count}::int) as n`)
}

export interface AdminConcertRow {
  id: number
  title: string
  venue: string
  schedules: number
  maxTicketsPerUser: number | null
}

/** Sets (or clears) the ticket limit; null when the concert does not exist. */
export async function setTicketLimit(ex: Executor, concertId: number, limit: number | null): Promise<AdminConcertRow | null> {
  const r = await ex.execute<AdminConcertRow & Record<string, unknown>>(sql`
    update concerts set max_tickets_per_user = ${limit} where id = ${concertId}
    returning id, title, venue, (select count(*) from schedules s where s.concert_id = concerts.id)::int as schedules,
      max_tickets_per_user as "maxTicketsPerUser"`)
  return r.rows[0] ?? null
}

export const concertExists = (concertId: number): Statement<boolean> =>
  statement(q`select 1 from concerts where id = ${concertId}`, (rows) => rows.length > 0)

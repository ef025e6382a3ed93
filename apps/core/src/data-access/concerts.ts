/** Creation of concerts, their dates and seats. */
import { sql } from 'drizzle-orm'
import type { Tx } from '../db/client.ts'
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

/** The sales report's reads: seat counts and revenue per date, payments and refunds of a concert. */
import type { SalesReport } from '@rushgate/shared'
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/client.ts'
import { iso, seatFreeSql, seatHeldSql } from './sql.ts'

type ScheduleSales = SalesReport['schedules'][number]

/**
 * One row per date, in start order. A schedule's revenue is the price of its seats sold now: a
 * refunded reservation is no longer PAID, so "paid minus refunded" needs no second sum.
 */
export async function scheduleSales(ex: Executor, concertId: number): Promise<ScheduleSales[]> {
  const r = await ex.execute<ScheduleSales & Record<string, unknown>>(sql`
    select s.id, ${iso(sql`s.starts_at`)} as "startsAt", s.total_seats as "totalSeats",
      count(*) filter (where ${seatFreeSql})::int as available,
      count(*) filter (where ${seatHeldSql})::int as held,
      count(*) filter (where seats.sold)::int as sold,
      (select coalesce(sum(r.price), 0) from reservations r where r.schedule_id = s.id and r.status = 'PAID')::bigint as revenue
    from schedules s join seats on seats.schedule_id = s.id
    where s.concert_id = ${concertId}
    group by s.id order by s.starts_at, s.id`)
  return r.rows
}

/**
 * Places sold now and their revenue per grade over all the concert's dates, every grade listed (in
 * plan order) even when nothing of it sold. A grade's code names the same grade on every date.
 */
export async function gradeSales(ex: Executor, concertId: number): Promise<SalesReport['byGrade']> {
  const r = await ex.execute<SalesReport['byGrade'][number] & Record<string, unknown>>(sql`
    select g.code as grade, coalesce(p.sold, 0)::int as sold, coalesce(p.revenue, 0)::bigint as revenue
    from (select grades.code, min(grades.position) as position from grades join schedules s on s.id = grades.schedule_id
      where s.concert_id = ${concertId} group by grades.code) g
    left join (select sections.grade, count(*) as sold, sum(r.price) as revenue
      from reservations r
        join seats on seats.schedule_id = r.schedule_id and seats.seat_number = r.seat_number
        join sections on sections.id = seats.section_id
      where r.concert_id = ${concertId} and r.status = 'PAID' group by sections.grade) p on p.grade = g.code
    order by g.position, g.code`)
  return r.rows
}

export interface ConcertTotals {
  maxTicketsPerUser: number | null
  payments: number
  refunds: number
  revenue: number
}

/** Null when the concert does not exist. */
export async function concertTotals(ex: Executor, concertId: number): Promise<ConcertTotals | null> {
  const r = await ex.execute<ConcertTotals & Record<string, unknown>>(sql`
    select c.max_tickets_per_user as "maxTicketsPerUser",
      count(p.id)::int as payments,
      count(p.id) filter (where p.status = 'REFUNDED')::int as refunds,
      coalesce(sum(p.amount) filter (where p.status = 'PAID'), 0)::bigint as revenue
    from concerts c left join payments p on p.concert_id = c.id
    where c.id = ${concertId}
    group by c.id`)
  return r.rows[0] ?? null
}

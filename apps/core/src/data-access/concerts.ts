/** Concerts as the administration sees them: creation with dates and seats, the ticket limit. */
import { sql } from 'drizzle-orm'
import type { Executor, Tx } from '../db/client.ts'
import { q, type Statement, statement } from '../db/statements.ts'
import type { Plan } from '../domain/plan.ts'
import { intArray, iso, textArray } from './sql.ts'

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

/**
 * A date's grades, sections and places, in three statements whatever the plan's size: the places
 * come from `generate_series` over the plan's rows (a standing section is one row without a label),
 * so a 100,000-place date is one insert, not 100,000.
 */
export async function insertPlan(tx: Tx, scheduleId: number, plan: Plan): Promise<void> {
  const { grades, sections } = plan
  await tx.execute(sql`insert into grades (schedule_id, code, position, name, price)
    select ${scheduleId}, g.code, g.position, g.name, g.price
    from unnest(${textArray(grades.map((g) => g.code))}, ${textArray(grades.map((g) => g.name))},
      ${sql.param(grades.map((g) => g.price))}::bigint[]) with ordinality as g(code, name, price, position)`)
  await tx.execute(sql`insert into sections (schedule_id, code, position, name, grade, standing, places, row_count, first_seat)
    select ${scheduleId}, s.code, s.position, s.name, s.grade, s.standing, s.places, s.row_count, s.first_seat
    from unnest(${textArray(sections.map((s) => s.code))}, ${textArray(sections.map((s) => s.name))},
      ${textArray(sections.map((s) => s.grade))}, ${sql.param(sections.map((s) => s.rows === null))}::boolean[],
      ${intArray(sections.map((s) => s.places))}, ${sql.param(sections.map((s) => s.rows?.length ?? null))}::int[],
      ${intArray(sections.map((s) => s.firstSeat))})
      with ordinality as s(code, name, grade, standing, places, row_count, first_seat, position)`)
  const rows: { code: string; number: number | null; label: string | null; seats: number; first: number }[] = []
  for (const s of sections) {
    if (s.rows === null) {
      rows.push({ code: s.code, number: null, label: null, seats: s.places, first: s.firstSeat })
      continue
    }
    let first = s.firstSeat
    s.rows.forEach((r, i) => {
      rows.push({ code: s.code, number: i + 1, label: r.label, seats: r.seats, first })
      first += r.seats
    })
  }
  await tx.execute(sql`insert into seats (schedule_id, seat_number, price, section_id, row_number, row_label, seat, row_seats)
    select ${scheduleId}, r.first + n - 1, g.price, sec.id, r.number, r.label, n, case when r.number is null then null else r.seats end
    from unnest(${textArray(rows.map((r) => r.code))}, ${sql.param(rows.map((r) => r.number))}::int[],
      ${sql.param(rows.map((r) => r.label))}::text[], ${intArray(rows.map((r) => r.seats))}, ${intArray(rows.map((r) => r.first))})
      as r(code, number, label, seats, first)
    join sections sec on sec.schedule_id = ${scheduleId} and sec.code = r.code
    join grades g on g.schedule_id = ${scheduleId} and g.code = sec.grade
    cross join lateral generate_series(1, r.seats) as n
    order by r.first + n`)
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

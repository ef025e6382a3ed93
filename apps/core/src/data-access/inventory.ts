/**
 * The inventory read of the admission tick: for each concert, its dates not started, their free
 * places, the places under a live hold and the users holding them — at most a few milliseconds
 * however many places a date has (load-tests/RESULTS.md gives the plan):
 * - places and sold places are `schedule_stock` (a row per date), plus the changes the triggers on
 *   `seats` appended since the last read, which this same statement folds in (`stock_changes`);
 * - live holds are a range of the partial index `reservations_live_holds` (HELD, by expiry), so
 *   their number, not the number of seats, is what the read costs. A hold never outlives its
 *   show's start, so every live hold is on a date not started.
 * Concerts that do not exist are left out.
 *
 * Two reads at once (two ticks that overlap on a busy deployment) take turns, on an advisory lock
 * held to the end of the read's transaction: a read that folds the changes another is folding would
 * otherwise wait for those rows, find them gone, and add the stock as it was before that other read
 * — places just created would read as none, and the concert as sold out. After the lock, the read's
 * statement starts from what the read before it committed.
 */
import type { ConcertInventory } from '@rushgate/shared'
import { type SQL, sql } from 'drizzle-orm'
import type { Executor } from '../db/client.ts'
import { intArray } from './sql.ts'

/** Arbitrary constant key of the transaction-level advisory lock the inventory reads take turns on. */
const INVENTORY_LOCK_KEY = 7_041_903_118

export async function readInventory(ex: Executor, concertIds: number[]): Promise<ConcertInventory[]> {
  return ex.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${INVENTORY_LOCK_KEY})`)
    const r = await tx.execute<ConcertInventory & Record<string, unknown>>(inventorySql(concertIds))
    return r.rows
  })
}

/** The read's one statement (the load tests EXPLAIN it). */
export function inventorySql(concertIds: number[]): SQL {
  const ids = intArray(concertIds)
  return sql`
    with folded as (
      delete from stock_changes c using schedules s
      where s.id = c.schedule_id and s.concert_id = any(${ids})
      returning c.schedule_id, c.places, c.sold
    ), changes as (
      select schedule_id, sum(places)::int as places, sum(sold)::int as sold from folded group by schedule_id
    ), kept as (
      insert into schedule_stock as st (schedule_id, places, sold) select schedule_id, places, sold from changes
      on conflict (schedule_id) do update set places = st.places + excluded.places, sold = st.sold + excluded.sold
    ), dates as (
      -- schedule_stock as this statement's snapshot saw it, plus what it just folded in.
      select s.concert_id, count(*)::int as dates,
        sum(coalesce(st.places, 0) + coalesce(ch.places, 0) - coalesce(st.sold, 0) - coalesce(ch.sold, 0))::int as unsold
      from schedules s
        left join schedule_stock st on st.schedule_id = s.id
        left join changes ch on ch.schedule_id = s.id
      where s.concert_id = any(${ids}) and s.starts_at > statement_timestamp()
      group by s.concert_id
    ), holds as (
      select concert_id, count(*)::int as held, count(distinct user_id)::int as holders
      from reservations
      where concert_id = any(${ids}) and status = 'HELD' and expires_at > statement_timestamp()
      group by concert_id
    )
    select c.id as "concertId", coalesce(d.dates, 0) as dates,
      greatest(0, coalesce(d.unsold, 0) - coalesce(h.held, 0)) as available,
      coalesce(h.held, 0) as held, coalesce(h.holders, 0) as holders
    from concerts c left join dates d on d.concert_id = c.id left join holds h on h.concert_id = c.id
    where c.id = any(${ids})
    order by c.id`
}

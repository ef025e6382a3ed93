/** Administration: creating a concert with its dates and seats, its ticket limit, its sales report. */
import { type AdminConcert, ApiError, type CreatedConcert, type NewConcert, type SalesReport } from '@rushgate/shared'
import * as concerts from '../data-access/concerts.ts'
import * as sales from '../data-access/sales.ts'
import type { Db, Executor } from '../db/client.ts'

export async function createConcert(db: Db, input: NewConcert): Promise<CreatedConcert> {
  return db.transaction(async (tx) => {
    const id = await concerts.insertConcert(tx, input)
    const created: CreatedConcert['schedules'] = []
    for (const s of input.schedules) {
      const schedule = await concerts.insertSchedule(tx, {
        concertId: id,
        startsAt: s.startsAt,
        totalSeats: s.seats,
        price: s.price,
      })
      await concerts.insertSeats(tx, schedule.id, s.seats, s.price)
      created.push({ id: schedule.id, startsAt: schedule.startsAt, totalSeats: s.seats, price: s.price })
    }
    return { id, title: input.title, venue: input.venue, schedules: created }
  })
}

/**
 * Sets the concert's ticket limit. Holds taken from the next request on obey it; seats already
 * bought or held are left as they are (lowering the limit takes nothing away from anyone).
 */
export async function setTicketLimit(db: Executor, concertId: number, limit: number | null): Promise<AdminConcert> {
  const concert = await concerts.setTicketLimit(db, concertId, limit)
  if (!concert) throw new ApiError('CONCERT_NOT_FOUND', `concert ${concertId} not found`)
  return concert
}

export async function salesReport(db: Executor, concertId: number): Promise<SalesReport> {
  const [totals, schedules] = await Promise.all([sales.concertTotals(db, concertId), sales.scheduleSales(db, concertId)])
  if (!totals) throw new ApiError('CONCERT_NOT_FOUND', `concert ${concertId} not found`)
  return { concertId, maxTicketsPerUser: totals.maxTicketsPerUser, schedules, payments: totals.payments, refunds: totals.refunds, revenue: totals.revenue }
}

/** Administration: creating a concert with its dates and seats, its ticket limit, its sales report. */
import { type AdminConcert, ApiError, type CreatedConcert, type NewConcert, type SalesReport } from '@rushgate/shared'
import * as concerts from '../data-access/concerts.ts'
import * as sales from '../data-access/sales.ts'
import type { Db, Executor } from '../db/client.ts'
import { plansOf } from './plan.ts'

export async function createConcert(db: Db, input: NewConcert): Promise<CreatedConcert> {
  // Checked whole before anything is written; then one transaction: no half-created concert.
  const plans = plansOf(input)
  return db.transaction(async (tx) => {
    const id = await concerts.insertConcert(tx, input)
    const created: CreatedConcert['schedules'] = []
    for (const [i, s] of input.schedules.entries()) {
      const plan = plans[i]!
      const price = Math.min(...plan.grades.map((g) => g.price))
      const schedule = await concerts.insertSchedule(tx, { concertId: id, startsAt: s.startsAt, totalSeats: plan.places, price })
      await concerts.insertPlan(tx, schedule.id, plan)
      const grades = plan.grades.map((g) => ({
        ...g,
        total: plan.sections.filter((section) => section.grade === g.code).reduce((sum, section) => sum + section.places, 0),
      }))
      created.push({ id: schedule.id, startsAt: schedule.startsAt, totalSeats: plan.places, price, grades })
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
  const [totals, schedules, byGrade] = await Promise.all([
    sales.concertTotals(db, concertId),
    sales.scheduleSales(db, concertId),
    sales.gradeSales(db, concertId),
  ])
  if (!totals) throw new ApiError('CONCERT_NOT_FOUND', `concert ${concertId} not found`)
  return {
    concertId,
    maxTicketsPerUser: totals.maxTicketsPerUser,
    schedules,
    payments: totals.payments,
    refunds: totals.refunds,
    revenue: totals.revenue,
    byGrade,
  }
}

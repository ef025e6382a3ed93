/** Administration: creating a concert with its dates and numbered seats, in one transaction. */
import type { CreatedConcert, NewConcert } from '@rushgate/shared'
import * as concerts from '../data-access/concerts.ts'
import type { Db } from '../db/client.ts'

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

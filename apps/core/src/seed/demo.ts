/** Demo data: 3 concerts × 4 dates × 50 seats. Idempotent: concerts whose title exists are skipped. */
import type { NewConcert } from '@rushgate/shared'
import { findConcertsByTitle } from '../data-access/catalog.ts'
import type { Db } from '../db/client.ts'
import { createConcert } from '../domain/admin.ts'

const DAY_MS = 86_400_000

function dates(firstInDays: number, hourUtc: number, price: number): NewConcert['schedules'] {
  const base = new Date()
  base.setUTCHours(hourUtc, 0, 0, 0)
  return [0, 1, 7, 8].map((offset) => ({
    startsAt: new Date(base.getTime() + (firstInDays + offset) * DAY_MS).toISOString(),
    seats: 50,
    price,
  }))
}

export function demoConcerts(): NewConcert[] {
  return [
    { title: 'Seoul Lights Live', venue: 'Olympic Hall, Seoul', schedules: dates(30, 10, 110_000) },
    { title: 'Han River Jazz Night', venue: 'Sejong Center, Seoul', schedules: dates(45, 11, 77_000) },
    { title: 'Busan Summer Rock', venue: 'BEXCO Auditorium, Busan', schedules: dates(60, 9, 99_000) },
  ]
}

/** Creates the demo concerts that do not exist yet; returns the titles created. */
export async function seedDemo(db: Db): Promise<string[]> {
  const wanted = demoConcerts()
  const existing = new Set(await findConcertsByTitle(db, wanted.map((c) => c.title)))
  const created: string[] = []
  for (const concert of wanted) {
    if (existing.has(concert.title)) continue
    await createConcert(db, concert)
    created.push(concert.title)
  }
  return created
}

/**
 * Demo data: 3 concerts × 4 dates × 50 seats, and a stadium show with a real plan (grades, a standing
 * floor, seated sections) on 2 dates of 2,700 places. Idempotent: concerts whose title exists are skipped.
 */
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

/** Rows `1`…`count` of `seats` seats. */
const rows = (count: number, seats: number) => Array.from({ length: count }, (_, i) => ({ row: String(i + 1), seats }))

function stadiumShow(): NewConcert {
  const starts = dates(75, 10, 0).slice(0, 2)
  return {
    title: 'K-Wave Stadium Tour',
    venue: 'KSPO Dome, Seoul',
    grades: [
      { code: 'VIP', name: 'VIP석', price: 198_000 },
      { code: 'R', name: 'R석', price: 165_000 },
      { code: 'S', name: 'S석', price: 132_000 },
    ],
    sections: [
      { code: 'F1', name: 'Floor standing', grade: 'VIP', standing: 1500 },
      { code: 'A', name: 'Block A', grade: 'R', rows: rows(10, 30) },
      { code: 'B', name: 'Block B', grade: 'R', rows: rows(10, 30) },
      { code: 'C', name: 'Block C', grade: 'S', rows: rows(10, 30) },
      { code: 'D', name: 'Block D', grade: 'S', rows: rows(10, 30) },
    ],
    schedules: starts.map((s) => ({ startsAt: s.startsAt })),
  }
}

export function demoConcerts(): NewConcert[] {
  return [
    { title: 'Seoul Lights Live', venue: 'Olympic Hall, Seoul', schedules: dates(30, 10, 110_000) },
    { title: 'Han River Jazz Night', venue: 'Sejong Center, Seoul', schedules: dates(45, 11, 77_000) },
    { title: 'Busan Summer Rock', venue: 'BEXCO Auditorium, Busan', schedules: dates(60, 9, 99_000) },
    stadiumShow(),
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

/** Catalog use cases: concerts, their dates and seats. Unknown ids are 404 with their own code. */
import {
  ApiError,
  type ConcertSummary,
  type Schedule,
  type Seat,
} from '@rushgate/shared'
import * as catalog from '../data-access/catalog.ts'
import type { Executor } from '../db/client.ts'

export async function listConcerts(db: Executor): Promise<ConcertSummary[]> {
  return catalog.listConcerts(db)
}

export async function getConcert(db: Executor, concertId: number): Promise<ConcertSummary> {
  const concert = await catalog.findConcert(db, concertId)
  if (!concert) throw new ApiError('CONCERT_NOT_FOUND', `concert ${concertId} not found`)
  return concert
}

/** 404 CONCERT_NOT_FOUND, else 404 SCHEDULE_NOT_FOUND when the date is not one of that concert's. */
export async function requireSchedule(db: Executor, concertId: number, scheduleId: number): Promise<void> {
  if (await catalog.scheduleBelongsTo(db, concertId, scheduleId)) return
  await getConcert(db, concertId)
  throw new ApiError('SCHEDULE_NOT_FOUND', `schedule ${scheduleId} not found for concert ${concertId}`)
}

export async function listSchedules(db: Executor, concertId: number): Promise<Schedule[]> {
  await getConcert(db, concertId)
  return catalog.listSchedules(db, concertId)
}

export async function listSeats(db: Executor, concertId: number, scheduleId: number): Promise<Seat[]> {
  await requireSchedule(db, concertId, scheduleId)
  return catalog.listSeats(db, scheduleId)
}

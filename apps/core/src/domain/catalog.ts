/** Catalog use cases: concerts, their dates and seats. Unknown ids are 404 with their own code. */
import { ApiError, type ConcertSummary } from '@rushgate/shared'
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

/** The dates as JSON text (see `catalog.schedulesJson`); 404 CONCERT_NOT_FOUND. */
export async function schedulesJson(db: Executor, concertId: number): Promise<string> {
  const json = await catalog.schedulesJson(db, concertId)
  if (json === null) throw new ApiError('CONCERT_NOT_FOUND', `concert ${concertId} not found`)
  return json
}

/** The seat map as JSON text (see `catalog.seatMapJson`); the 404s of `requireSchedule`. */
export async function seatMapJson(db: Executor, concertId: number, scheduleId: number): Promise<catalog.SeatMapJson> {
  const map = await catalog.seatMapJson(db, concertId, scheduleId)
  if (map !== null) return map
  await requireSchedule(db, concertId, scheduleId)
  throw new Error(`schedule ${scheduleId} of concert ${concertId} vanished while reading its seats`)
}

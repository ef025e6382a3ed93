/** Catalog use cases: concerts, their dates and seats. Unknown ids are 404 with their own code. */
import { ApiError, type ConcertSummary, MAX_WHOLE_MAP_PLACES } from '@rushgate/shared'
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

/**
 * The seat map as JSON text: one section's places (`section`), or the whole date when it has at most
 * MAX_WHOLE_MAP_PLACES (a stadium's whole map would be megabytes to every fan on every refresh).
 * The 404s of `requireSchedule`, then 404 SECTION_NOT_FOUND; too large: 400 VALIDATION_ERROR.
 */
export async function seatMapJson(db: Executor, concertId: number, scheduleId: number, section: string | null): Promise<catalog.SeatMapJson> {
  const scope = await catalog.mapScope(db, concertId, scheduleId, section)
  if (!scope) {
    await requireSchedule(db, concertId, scheduleId)
    throw new Error(`schedule ${scheduleId} of concert ${concertId} vanished while reading its seats`)
  }
  if (section === null) {
    if (scope.totalSeats > MAX_WHOLE_MAP_PLACES) {
      throw new ApiError(
        'VALIDATION_ERROR',
        `section: required for a date of more than ${MAX_WHOLE_MAP_PLACES} places (this one has ${scope.totalSeats}); the sections summary lists them`,
      )
    }
    return catalog.seatMapJson(db, scheduleId, 1, scope.totalSeats)
  }
  if (!scope.section) throw new ApiError('SECTION_NOT_FOUND', `section ${section} not found in schedule ${scheduleId}`)
  const { standing, places, firstSeat } = scope.section
  if (standing && places > MAX_WHOLE_MAP_PLACES) {
    throw new ApiError(
      'VALIDATION_ERROR',
      `section: ${section} is a standing section of ${places} places, held by quantity (POST …/holds with section and quantity); its counts are in the sections summary`,
    )
  }
  return catalog.seatMapJson(db, scheduleId, firstSeat, firstSeat + places - 1)
}

/** The sections summary as JSON text (see `catalog.sectionsJson`); the 404s of `requireSchedule`. */
export async function sectionsJson(db: Executor, concertId: number, scheduleId: number): Promise<catalog.SeatMapJson> {
  const summary = await catalog.sectionsJson(db, concertId, scheduleId)
  if (summary !== null) return summary
  await requireSchedule(db, concertId, scheduleId)
  throw new Error(`schedule ${scheduleId} of concert ${concertId} vanished while reading its sections`)
}

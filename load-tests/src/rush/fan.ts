/**
 * An admitted fan of a rush on a seating plan: reads the sections summary, takes the first of its
 * grades with room for the whole group, and holds the group in one request — best available, seats
 * picked from a section's map (a block of adjacent free seats in a front row when there is one), or
 * standing places by quantity — then pays. A refused hold (someone was faster, or the summary was
 * up to a second old) reads the summary again and tries again; a grade found full is skipped after.
 * Every hold request is counted, and whether the first one succeeded, by how it was asked.
 */
import { randomUUID } from 'node:crypto'
import { errorCode, type GroupHoldRequest, type Seat, type SectionsSummary } from '../client.ts'
import { type Fan, type FanMode, modeOf } from './plan.ts'
import { call, ended, ticket, type UserDeps, type UserRecord } from './user.ts'

type Step = UserRecord['outcome'] | 'active'

export async function buyPlaces(rec: UserRecord, d: UserDeps, token: string, fan: Fan): Promise<Step> {
  const { api, concertId } = d
  const schedules = await call(d, 'schedules', () => api.schedules(rec.id, concertId, token))
  if (schedules.status === 410) return ended(rec, d, schedules)
  if (schedules.status !== 200 || !schedules.body[0]) return 'failed'
  const scheduleId = schedules.body[0].id
  const full = new Set<string>()
  /** best available: asked together first; after a NOT_ENOUGH_SEATS, anywhere in the grade */
  const apart = new Set<string>()
  for (let round = 0; round < 30; round++) {
    if (d.aborted()) return 'aborted'
    const summary = await call(d, 'sections', () => api.sections(rec.id, concertId, scheduleId, token))
    if (summary.status === 410) return ended(rec, d, summary)
    if (summary.status !== 200) return 'failed'
    const choice = choose(summary.body, fan, full)
    if (!choice) {
      // Nothing left for the whole group: the fan leaves, as on an empty map.
      rec.emptyMaps++
      await call(d, 'leave', () => api.leave(rec.id, concertId, token))
      return 'empty-map'
    }
    const mode = modeOf(fan, choice.grade)
    let body: GroupHoldRequest
    if (mode === 'standing') body = { scheduleId, section: choice.sections[0]!, quantity: fan.group }
    else if (mode === 'best') body = { scheduleId, bestAvailable: { quantity: fan.group, grade: choice.grade, together: !apart.has(choice.grade) } }
    else {
      const section = choice.sections[Math.floor(Math.random() * Math.min(3, choice.sections.length))]!
      const map = await call(d, 'seats', () => api.sectionSeats(rec.id, concertId, scheduleId, section, token))
      if (map.status === 410) return ended(rec, d, map)
      if (map.status !== 200) return 'failed'
      const seats = pick(map.body, fan.group)
      if (!seats) continue // the summary was older than the map: read both again
      body = { scheduleId, seatNumbers: seats }
    }
    const holdStart = d.now()
    const hold = await call(d, 'hold', () => api.holdPlaces(rec.id, concertId, token, body))
    rec.holdMs.push(d.now() - holdStart)
    rec.holdRequests++
    rec.firstHold ??= { mode, ok: hold.status === 201 }
    if (hold.status === 410) return ended(rec, d, hold)
    if (hold.status === 409) {
      const code = errorCode(hold)
      rec.holdConflicts++
      if (code === 'NOT_ENOUGH_SEATS') {
        if (mode === 'best' && !apart.has(choice.grade)) apart.add(choice.grade)
        else if (mode !== 'pick') full.add(choice.grade)
      }
      if (code === 'SEAT_UNAVAILABLE' || code === 'NOT_ENOUGH_SEATS') continue
      return 'failed'
    }
    if (hold.status !== 201) return 'failed'
    const ids = hold.body.reservations.map((r) => r.id)
    rec.reservationId = ids.at(-1) ?? null
    const paid = await call(d, 'pay', () => api.pay(rec.id, concertId, token, ids, randomUUID()))
    if (paid.status === 201 || paid.status === 200) return ticket(rec, d, paid.body, ids.length)
    if (paid.status === 409 && errorCode(paid) === 'HOLD_EXPIRED') continue
    return 'failed'
  }
  return 'failed'
}

/** The first of the fan's grades with room for the whole group, and its sections that have room, in plan order. */
function choose(summary: SectionsSummary, fan: Fan, full: ReadonlySet<string>): { grade: string; sections: string[] } | null {
  for (const grade of fan.grades) {
    if (full.has(grade)) continue
    const sections = summary.sections.filter((s) => s.grade === grade && s.available >= fan.group).map((s) => s.code)
    if (sections.length > 0) return { grade, sections }
  }
  return null
}

/**
 * What a fan picks on a section's map: a block of `group` adjacent free seats, at random among the
 * blocks of the two front-most rows that have one; else any `group` free seats of the section.
 */
function pick(map: readonly Seat[], group: number): number[] | null {
  const rows = new Map<string, Seat[]>()
  for (const s of map) {
    const row = s.row ?? ''
    if (!rows.has(row)) rows.set(row, [])
    rows.get(row)!.push(s)
  }
  const blocks: number[][] = []
  let rowsWithBlocks = 0
  for (const seats of rows.values()) {
    if (rowsWithBlocks >= 2) break
    seats.sort((a, b) => a.seat - b.seat)
    const before = blocks.length
    for (let i = 0; i + group <= seats.length; i++) {
      const block = seats.slice(i, i + group)
      if (block.every((s, k) => s.status === 'AVAILABLE' && s.seat === block[0]!.seat + k)) blocks.push(block.map((s) => s.seatNumber))
    }
    if (blocks.length > before) rowsWithBlocks++
  }
  if (blocks.length > 0) return blocks[Math.floor(Math.random() * blocks.length)]!
  const free = map.filter((s) => s.status === 'AVAILABLE')
  return free.length >= group ? free.slice(0, group).map((s) => s.seatNumber) : null
}

/** First-try success of one way of asking. */
export interface FirstTry {
  fans: number
  succeeded: number
  /** percent, one decimal; null when no fan asked this way */
  rate: number | null
}

export function firstTries(users: readonly UserRecord[]): Record<FanMode, FirstTry> {
  const out = {} as Record<FanMode, FirstTry>
  for (const mode of ['best', 'pick', 'standing'] as const) {
    const asked = users.filter((u) => u.firstHold?.mode === mode)
    const succeeded = asked.filter((u) => u.firstHold!.ok).length
    out[mode] = { fans: asked.length, succeeded, rate: asked.length === 0 ? null : Math.round((succeeded / asked.length) * 1000) / 10 }
  }
  return out
}

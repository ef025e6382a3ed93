/**
 * Single seats left stranded at the end of a rush on a seating plan: free seats with no free
 * neighbour in their row, which no group of two or more can have. Read through the core's API with
 * the internal credential: the sections summary, then each seated section's map.
 */
import { Api, HttpClient, type Seat, type SectionsSummary } from '../client.ts'
import { Headers as H } from '@rushgate/shared'
import type { Stack } from '../stack.ts'

export interface Leftover {
  /** free seats of seated sections at the end */
  freeSeats: number
  /** of those, seats with no free neighbour in their row */
  stranded: number
  /** free standing places at the end */
  freeStanding: number
}

export async function leftover(stack: Pick<Stack, 'coreUrl' | 'internalToken'>, concertId: number, viewer: string): Promise<Leftover> {
  const http = new HttpClient(stack.coreUrl, 8, { [H.internalToken]: stack.internalToken })
  const api = new Api(http)
  try {
    const schedules = await api.http.call<{ id: number }[]>('GET', `/api/concerts/${concertId}/schedules`, { [H.userId]: viewer })
    const out: Leftover = { freeSeats: 0, stranded: 0, freeStanding: 0 }
    for (const { id } of schedules.body) {
      const summary = await api.http.call<SectionsSummary>('GET', `/api/concerts/${concertId}/schedules/${id}/sections`, { [H.userId]: viewer })
      if (summary.status !== 200) throw new Error(`sections of schedule ${id}: ${summary.status}`)
      for (const section of summary.body.sections) {
        if (section.kind === 'STANDING') {
          out.freeStanding += section.available
          continue
        }
        const map = await api.sectionSeats(viewer, concertId, id, section.code, '')
        if (map.status !== 200) throw new Error(`map of section ${section.code}: ${map.status}`)
        const counted = strandedIn(map.body)
        out.freeSeats += counted.free
        out.stranded += counted.stranded
      }
    }
    return out
  } finally {
    await http.close()
  }
}

/** Free seats of a map, and those whose row neighbours (seat ± 1) are both taken or absent. */
export function strandedIn(map: readonly Seat[]): { free: number; stranded: number } {
  const free = new Set(map.filter((s) => s.status === 'AVAILABLE').map((s) => `${s.row}/${s.seat}`))
  let stranded = 0
  for (const s of map) {
    if (s.status !== 'AVAILABLE') continue
    if (!free.has(`${s.row}/${s.seat - 1}`) && !free.has(`${s.row}/${s.seat + 1}`)) stranded++
  }
  return { free: free.size, stranded }
}

/**
 * Each replica's cache of seat maps and sections summaries (a date's "views": `seats`,
 * `seats?section=A`, `sections`; all change with the date's one version), the read every admitted fan repeats: the core builds a map once
 * per change instead of once per request, and the proxy hop is saved. A cached map is served while
 *   - its version is the one in Redis (a write bumps it: see versions.ts), or it was fetched less than
 *     `staleMs` ago (bounded staleness, so that a rush of holds costs the core one map per schedule per
 *     `staleMs`, not one per hold), and
 *   - none of its holds has run out (the core says when the first one does: a hold expires by
 *     timestamp, with no write to announce it), and
 *   - it is younger than `maxAgeMs`, whatever happened: even a lost bump (a gateway that died between
 *     the core's commit and the bump, a Redis that lost its data) cannot keep a map stale for longer.
 * Concurrent misses of one map and version share one fetch. The hold itself stays the authority: a
 * stale map can only make a seat look free, and the hold answers 409 SEAT_UNAVAILABLE.
 */
import { createHash } from 'node:crypto'
import type { FetchedSeatMap } from '../core/client.ts'

/**
 * What of a date is cached: its whole map, one section's map, or its sections summary — the path
 * after `/schedules/:scheduleId/` at the core. Built only by `mapView` from a validated code.
 */
export type MapView = 'seats' | 'sections' | `seats?section=${string}`

/** The view of a seat-map request: one section's map when `section` is given. */
export function mapView(section: string | undefined): MapView {
  return section === undefined ? 'seats' : `seats?section=${encodeURIComponent(section)}`
}

export interface CachedSeatMap {
  /** The JSON array of seats. */
  body: Buffer
  /** Weak ETag of the body: the same for every encoding of it. */
  etag: string
  /** The version read from Redis before it was fetched. */
  version: string | null
  /** When its fetch began (a conservative age). */
  fetchedAt: number
  /** When its first live hold runs out; Infinity when none is live. */
  changesAt: number
  /** Compressed copies, made on first demand: encoding → bytes. */
  encoded: Map<string, Buffer>
}

export interface SeatMapCacheOptions {
  staleMs: number
  maxAgeMs: number
  /** Maps kept per replica; the one fetched longest ago goes first. */
  maxEntries: number
}

export type CacheOutcome = 'hit' | 'fetch'

export class SeatMapCache {
  private readonly maps = new Map<string, CachedSeatMap>()
  private readonly fetching = new Map<string, Promise<CachedSeatMap>>()

  constructor(
    private readonly fetchMap: (concertId: number, scheduleId: number, view: MapView) => Promise<FetchedSeatMap>,
    private readonly options: SeatMapCacheOptions,
    private readonly count: (outcome: CacheOutcome) => void = () => {},
  ) {}

  /** The view of this schedule as of `version` (read from Redis just before). */
  get(concertId: number, scheduleId: number, version: string | null, view: MapView = 'seats'): Promise<CachedSeatMap> {
    const key = `${concertId}/${scheduleId}/${view}`
    const cached = this.maps.get(key)
    if (cached && this.servable(cached, version, Date.now())) {
      this.count('hit')
      return Promise.resolve(cached)
    }
    const flight = `${key}@${version}`
    let pending = this.fetching.get(flight)
    if (!pending) {
      this.count('fetch')
      pending = this.fetch(key, concertId, scheduleId, view, version).finally(() => this.fetching.delete(flight))
      this.fetching.set(flight, pending)
    }
    return pending
  }

  private servable(map: CachedSeatMap, version: string | null, now: number): boolean {
    const age = now - map.fetchedAt
    if (now >= map.changesAt || age >= this.options.maxAgeMs) return false
    return map.version === version || age < this.options.staleMs
  }

  private async fetch(key: string, concertId: number, scheduleId: number, view: MapView, version: string | null): Promise<CachedSeatMap> {
    const fetchedAt = Date.now()
    const { body, freshForMs } = await this.fetchMap(concertId, scheduleId, view)
    const etag = `W/"${createHash('sha1').update(body).digest('base64url')}"`
    const previous = this.maps.get(key)
    const map: CachedSeatMap = {
      body,
      etag,
      version,
      fetchedAt,
      changesAt: freshForMs === null ? Number.POSITIVE_INFINITY : fetchedAt + freshForMs,
      // Unchanged seats (a refetch after maxAgeMs, a change elsewhere): keep what was compressed.
      encoded: previous?.etag === etag ? previous.encoded : new Map(),
    }
    // Fetches may finish out of order: keep the one that began last.
    if (!previous || previous.fetchedAt <= fetchedAt) {
      this.maps.delete(key)
      this.maps.set(key, map)
      if (this.maps.size > this.options.maxEntries) this.maps.delete(this.maps.keys().next().value!)
    }
    return map
  }
}

/**
 * The gateway's own calls to the core (not the proxied ones): does a concert exist, is the core
 * ready, what is left to sell. Short timeouts on a kept-alive pool: an unreachable core is a quick
 * 503, never a hang.
 */
import { ApiError, type ConcertInventory, type ErrorCode, ErrorCodes, Headers, type LineRecord, type LineRecordWrite } from '@rushgate/shared'
import { Pool } from 'undici'
import type { MapView } from '../seat-maps/cache.ts'

const TIMEOUT_MS = 2000

export interface FetchedSeatMap {
  /** The JSON array of seats, as the core sent it. */
  body: Buffer
  /** ms until its first live hold runs out (then the map changes by itself); null: no live hold. */
  freshForMs: number | null
}

const unavailable = () => new ApiError('UPSTREAM_UNAVAILABLE', 'the ticketing service is unavailable; try again shortly')

export class CoreClient {
  private readonly pool: Pool

  constructor(
    coreUrl: string,
    private readonly internalToken: string,
  ) {
    this.pool = new Pool(coreUrl, {
      connections: 8,
      connectTimeout: 1000,
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
      keepAliveTimeout: 30_000,
    })
  }

  /** true / false from the core's internal `GET /api/concerts/:id`; 503 when it cannot say. */
  async concertExists(concertId: number): Promise<boolean> {
    let statusCode: number
    try {
      const res = await this.pool.request({
        method: 'GET',
        path: `/api/concerts/${concertId}`,
        headers: { [Headers.internalToken]: this.internalToken },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
      statusCode = res.statusCode
      await res.body.dump()
    } catch {
      throw unavailable()
    }
    if (statusCode === 200) return true
    if (statusCode === 404) return false
    throw unavailable()
  }

  /**
   * A schedule's seat map (or another view: see `MapView`), read for the seat-map cache (any user's view is the same). A 4xx of the
   * core (an unknown concert or date) is thrown as that contract error; anything else is a 503.
   */
  async seatMap(concertId: number, scheduleId: number, view: MapView = 'seats'): Promise<FetchedSeatMap> {
    let res: Awaited<ReturnType<Pool['request']>>
    let body: Buffer
    try {
      res = await this.pool.request({
        method: 'GET',
        path: `/api/concerts/${concertId}/schedules/${scheduleId}/${view}`,
        headers: { [Headers.internalToken]: this.internalToken },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
      body = Buffer.from(await res.body.arrayBuffer())
    } catch {
      throw unavailable()
    }
    if (res.statusCode === 200) {
      const fresh = res.headers[Headers.seatMapFreshMs]
      return { body, freshForMs: typeof fresh === 'string' && fresh !== '' ? Number(fresh) : null }
    }
    if (res.statusCode >= 400 && res.statusCode < 500) throw contractError(body)
    throw unavailable()
  }

  /**
   * When the concert's last show begins (epoch ms), from its dates; null when it has none or is
   * unknown. Throws 503 when the core cannot say.
   */
  async lastShowAt(concertId: number): Promise<number | null> {
    let statusCode: number
    let dates: { startsAt: string }[] = []
    try {
      const res = await this.pool.request({
        method: 'GET',
        path: `/api/concerts/${concertId}/schedules`,
        headers: { [Headers.internalToken]: this.internalToken },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
      statusCode = res.statusCode
      if (statusCode === 200) dates = (await res.body.json()) as { startsAt: string }[]
      else await res.body.dump()
    } catch {
      throw unavailable()
    }
    if (statusCode === 404) return null
    if (statusCode !== 200) throw unavailable()
    return dates.length === 0 ? null : Math.max(...dates.map((d) => Date.parse(d.startsAt)))
  }

  /**
   * What each concert has left to sell (the admission tick's one read a tick: `GET /api/inventory`);
   * concerts the core does not know are missing from the map. Throws 503 when the core cannot say
   * within `timeoutMs`.
   */
  async inventory(concertIds: number[], timeoutMs = TIMEOUT_MS): Promise<Map<number, ConcertInventory>> {
    let list: ConcertInventory[]
    try {
      const res = await this.pool.request({
        method: 'GET',
        path: `/api/inventory?concertIds=${concertIds.join(',')}`,
        headers: { [Headers.internalToken]: this.internalToken },
        signal: AbortSignal.timeout(timeoutMs),
      })
      if (res.statusCode !== 200) {
        await res.body.dump()
        throw unavailable()
      }
      list = (await res.body.json()) as ConcertInventory[]
    } catch {
      throw unavailable()
    }
    return new Map(list.map((c) => [c.concertId, c]))
  }

  /** What the core keeps of a line (`GET /api/lines/:id`); null for an unknown concert; 503 when it cannot say. */
  async line(concertId: number): Promise<LineRecord | null> {
    try {
      const res = await this.pool.request({
        method: 'GET',
        path: `/api/lines/${concertId}`,
        headers: { [Headers.internalToken]: this.internalToken },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
      if (res.statusCode === 404) {
        await res.body.dump()
        return null
      }
      if (res.statusCode !== 200) {
        await res.body.dump()
        throw unavailable()
      }
      return (await res.body.json()) as LineRecord
    } catch {
      throw unavailable()
    }
  }

  /** Writes the line's record through to the core (`PUT /api/lines/:id`); 503 when it is not kept. */
  writeLine(concertId: number, record: LineRecordWrite): Promise<void> {
    return this.send('PUT', `/api/lines/${concertId}`, record)
  }

  /** Tells the core that a turn ended by a payment (`POST /api/lines/:id/paid-turns`). */
  paidTurn(concertId: number, userId: string, seq: number): Promise<void> {
    return this.send('POST', `/api/lines/${concertId}/paid-turns`, { userId, seq })
  }

  private async send(method: 'PUT' | 'POST', path: string, body: unknown): Promise<void> {
    let statusCode: number
    try {
      const res = await this.pool.request({
        method,
        path,
        headers: { [Headers.internalToken]: this.internalToken, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
      statusCode = res.statusCode
      await res.body.dump()
    } catch {
      throw unavailable()
    }
    if (statusCode !== 204) throw unavailable()
  }

  /** The core's own readiness (it checks Postgres). */
  async ready(timeoutMs = 1000): Promise<boolean> {
    try {
      const res = await this.pool.request({ method: 'GET', path: '/health/ready', signal: AbortSignal.timeout(timeoutMs) })
      await res.body.dump()
      return res.statusCode === 200
    } catch {
      return false
    }
  }

  /** All concerts the core has (the public catalogue), for rebuilding the Redis set at boot. */
  async concertIds(): Promise<number[]> {
    const res = await this.pool.request({
      method: 'GET',
      path: '/api/concerts',
      headers: { [Headers.internalToken]: this.internalToken },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    if (res.statusCode !== 200) {
      await res.body.dump()
      return []
    }
    const list = (await res.body.json()) as { id: number }[]
    return list.map((c) => c.id)
  }

  close(): Promise<void> {
    return this.pool.close()
  }
}

/** The core's 4xx body as the contract error it is (an unreadable one is the core misbehaving: 503). */
function contractError(body: Buffer): ApiError {
  try {
    const { code, message, statusCode: _s, ...extra } = JSON.parse(body.toString('utf8')) as Record<string, unknown>
    if (typeof code === 'string' && code in ErrorCodes && typeof message === 'string') return new ApiError(code as ErrorCode, message, extra)
  } catch {}
  return unavailable()
}

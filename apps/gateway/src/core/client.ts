/**
 * The gateway's own calls to the core (not the proxied ones): does a concert exist, is the core
 * ready. Short timeouts on a kept-alive pool: an unreachable core is a quick 503, never a hang.
 */
import { ApiError, Headers } from '@rushgate/shared'
import { Pool } from 'undici'

const TIMEOUT_MS = 2000

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
      throw new ApiError('UPSTREAM_UNAVAILABLE', 'the ticketing service is unavailable; try again shortly')
    }
    if (statusCode === 200) return true
    if (statusCode === 404) return false
    throw new ApiError('UPSTREAM_UNAVAILABLE', 'the ticketing service is unavailable; try again shortly')
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

/**
 * Which concerts exist, asked in order of cost: this process's memory, the Redis set, the core.
 * The core is the source of truth, so the gateway still knows every concert after Redis lost
 * its data; a concert found only at the core is written back to the Redis set, which is what
 * the admission tick walks.
 */
import { ApiError } from '@rushgate/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { CoreClient } from '../core/client.ts'
import type { RedisClient } from '../redis/client.ts'
import type { RedisKeys } from '../redis/keys.ts'

/** How often a concert in use is re-added to the Redis set (in case Redis lost it). */
const REASSERT_MS = 10_000
/** How long "no such concert" is believed without asking the core again. */
const NEGATIVE_TTL_MS = 1000

export class ConcertRegistry {
  /** concertId → when it was last (re)written to the Redis set. */
  private readonly known = new Map<number, number>()
  private readonly unknown = new Map<number, number>()

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly core: CoreClient,
    private readonly log: FastifyBaseLogger,
  ) {
    // A Redis that comes back may have come back empty: put every concert this process knows back.
    redis.on('ready', () => {
      if (this.known.size === 0) return
      this.registerMany([...this.known.keys()]).catch((err: Error) => {
        this.log.warn({ err: err.message }, 'could not re-register concerts after a reconnect')
      })
    })
  }

  /** Throws 404 CONCERT_NOT_FOUND unless the concert exists. */
  async assertExists(concertId: number): Promise<void> {
    const now = Date.now()
    const seen = this.known.get(concertId)
    if (seen !== undefined) {
      if (now - seen > REASSERT_MS) {
        this.known.set(concertId, now)
        // Not awaited: it only repairs the set after a Redis data loss.
        this.redis.sadd(this.keys.concerts, String(concertId)).catch((err: Error) => {
          this.log.warn({ err: err.message }, 'could not re-register a concert in redis')
        })
      }
      return
    }
    const negative = this.unknown.get(concertId)
    if (negative !== undefined && negative > now) throw notFound(concertId)
    if ((await this.redis.sismember(this.keys.concerts, String(concertId))) === 1) {
      this.known.set(concertId, now)
      return
    }
    if (await this.core.concertExists(concertId)) {
      await this.register(concertId)
      return
    }
    if (this.unknown.size > 10_000) this.unknown.clear()
    this.unknown.set(concertId, now + NEGATIVE_TTL_MS)
    throw notFound(concertId)
  }

  async register(concertId: number): Promise<void> {
    await this.redis.sadd(this.keys.concerts, String(concertId))
    this.unknown.delete(concertId)
    this.known.set(concertId, Date.now())
  }

  async registerMany(concertIds: number[]): Promise<void> {
    if (concertIds.length === 0) return
    await this.redis.sadd(this.keys.concerts, ...concertIds.map(String))
    const now = Date.now()
    for (const id of concertIds) this.known.set(id, now)
  }

  /** Every concert in the Redis set. */
  async list(): Promise<number[]> {
    const ids = await this.redis.smembers(this.keys.concerts)
    return ids.map(Number).filter((id) => Number.isInteger(id) && id > 0)
  }
}

function notFound(concertId: number): ApiError {
  return new ApiError('CONCERT_NOT_FOUND', `concert ${concertId} does not exist`)
}

/**
 * The version of each schedule's seat map, in Redis, shared by every replica: the gateway that
 * forwards a write bumps it before the client hears the answer, and every replica compares it
 * with the version of the map it has cached. One GET per map request, sent beside the token check.
 */
import type { SeatMapRef } from '@rushgate/shared'
import type { RedisClient } from '../redis/client.ts'
import type { RedisKeys } from '../redis/keys.ts'

export class SeatMapVersions {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** The current version; null while no write has touched the map (or after Redis lost its data). */
  read(concertId: number, scheduleId: number): Promise<string | null> {
    return this.redis.get(this.keys.seatMapVersion(concertId, scheduleId))
  }

  /** Marks these seat maps changed, for every replica. */
  async bump(maps: readonly SeatMapRef[]): Promise<void> {
    await Promise.all(maps.map((m) => this.redis.incr(this.keys.seatMapVersion(m.concertId, m.scheduleId))))
  }
}

/**
 * Lines the admission tick no longer visits: empty (nobody waiting, in the pre-queue or active)
 * and with every show of the concert begun, so nothing is left to sell. A join into such a line
 * takes it out of the set again, and the next tick visits it.
 *
 * No join may be lost between "the line is empty" and "skip it". The tick adds the concert to the
 * set first and then looks at the line again, taking it out if anyone is there; a join wakes the
 * line after its place exists. Whichever order the two run in, a line with a place ends up out of
 * the set. A join wakes the line only when it found nobody ahead (its place estimate is 1, or it
 * became active at once): into a line with people the line was not idle, so the hot path of a
 * rush pays nothing for this.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { CoreClient } from '../core/client.ts'
import type { RedisClient } from '../redis/client.ts'
import type { RedisKeys } from '../redis/keys.ts'

export class IdleLines {
  /** concertId → when its last show begins (null: no dates); the dates of a concert do not change. */
  private readonly lastShow = new Map<number, number | null>()

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly core: Pick<CoreClient, 'lastShowAt'>,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** The concerts the tick skips. */
  async list(): Promise<Set<number>> {
    return new Set((await this.redis.smembers(this.keys.idleConcerts)).map(Number))
  }

  /**
   * After a tick left the line empty: if every show has begun, the line goes idle. Returns whether
   * it did.
   */
  async consider(concertId: number, now = Date.now()): Promise<boolean> {
    const last = await this.lastShowAt(concertId)
    if (last === undefined || last === null || last > now) return false
    const id = String(concertId)
    await this.redis.sadd(this.keys.idleConcerts, id)
    // A join may have come between the tick's sample and the SADD: look again.
    if (!(await this.isEmpty(concertId))) {
      await this.redis.srem(this.keys.idleConcerts, id)
      return false
    }
    this.log.info({ concertId }, 'line idle: empty, every show begun; the tick skips it until a join')
    return true
  }

  /** A join found nobody ahead of it: the line may have been idle. */
  async wake(concertId: number): Promise<void> {
    await this.redis.srem(this.keys.idleConcerts, String(concertId))
  }

  private async isEmpty(concertId: number): Promise<boolean> {
    const k = this.keys.concert(concertId)
    const [pre, waiting, active] = await Promise.all([
      this.redis.zcard(k.prequeue),
      this.redis.zcard(k.waiting),
      this.redis.zcard(k.active),
    ])
    return pre + waiting + active === 0
  }

  /** undefined while the core cannot say (the line stays visited). */
  private async lastShowAt(concertId: number): Promise<number | null | undefined> {
    if (this.lastShow.has(concertId)) return this.lastShow.get(concertId)
    try {
      const last = await this.core.lastShowAt(concertId)
      this.lastShow.set(concertId, last)
      return last
    } catch {
      return undefined
    }
  }
}

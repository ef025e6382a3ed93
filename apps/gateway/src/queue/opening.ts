/**
 * The opening of a line (contract § The opening): at opensAt the pre-queue is ordered by the draw
 * and placed, in that order, ahead of everyone who joins afterwards. Lua in Redis has no
 * HMAC-SHA256, so the order is computed here and the scripts only place it:
 *
 *   open-begin-2   freezes the pre-queue (joins from then on line up behind) and hands out the seed;
 *   open-place-4   places one slice of the order at the rank where the last slice ended, moving each
 *                  user only while still in the pre-queue; the slice that empties it sets openedAt.
 *
 * So the opening happens once however many runs overlap or restart: the tick's job retried on
 * another replica, a replica killed halfway (the next tick reads what is left of the pre-queue —
 * always the tail of the order — and goes on from the rank reached), Redis restarted in between
 * (with its data: every step is one atomic script, so nothing is half-written). Every key is in the
 * concert's hash tag, so each script stays in one Redis Cluster slot.
 */
import { hostname } from 'node:os'
import { ApiError, type Draw } from '@rushgate/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from '../redis/client.ts'
import type { ConcertKeys, RedisKeys } from '../redis/keys.ts'
import { drawOrder } from './draw.ts'
import type { LineScripts } from './scripts.ts'

/** Pre-queue members read per ZRANGE while collecting it. */
const READ_PAGE = 100_000
const RUNNER = `${hostname()}:${process.pid}`

export class Opening {
  constructor(
    private readonly redis: RedisClient & LineScripts,
    private readonly keys: RedisKeys,
    /** Users placed per script call: bounds how long one call holds Redis. */
    private readonly batch: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Opens the concert's line if its opening is due, to the end; false when it is not due. */
  async run(concertId: number): Promise<boolean> {
    const k = this.keys.concert(concertId)
    const started = Date.now()
    const [begun, seed, from] = await this.redis.rgOpenBegin(k.settings, k.state, started, RUNNER)
    if (begun === 'OPENED') return true
    if (begun !== 'OPENING' || !seed) return false
    let placed = Number(from)
    for (;;) {
      const order = drawOrder(seed, await this.prequeue(k))
      let next = 0
      let resync = false
      do {
        const slice = order.slice(next, next + this.batch)
        const [outcome, at] = await this.redis.rgOpenPlace(k.waiting, k.prequeue, k.state, k.draw, Date.now(), placed, ...slice)
        placed = Number(at)
        if (outcome === 'OPENED') {
          this.log.info({ concertId, placed, ms: Date.now() - started }, 'line opened: pre-queue drawn and placed')
          return true
        }
        // Another run placed a slice meanwhile: read what is left and go on from where it stands.
        resync = outcome === 'RESYNC'
        next += slice.length
      } while (!resync && next < order.length)
    }
  }

  /** The draw of an opened line: its seed, commitment and order (409 NOT_OPEN_YET before). */
  async draw(concertId: number): Promise<Draw> {
    const k = this.keys.concert(concertId)
    const [[openedAt, seed, seedCommitment], order] = await Promise.all([
      this.redis.hmget(k.state, 'openedAt', 'seed', 'seedCommitment'),
      this.redis.lrange(k.draw, 0, -1),
    ])
    if (!openedAt || !seed || !seedCommitment) {
      throw new ApiError(
        'NOT_OPEN_YET',
        openedAt ? `concert ${concertId}'s line opened without a draw (it had no opensAt)` : `concert ${concertId}'s line has not opened yet`,
      )
    }
    return { seed, seedCommitment, order }
  }

  /** Every user still in the pre-queue, paged by score (s) so that users leaving meanwhile skip nobody. */
  private async prequeue(k: ConcertKeys): Promise<string[]> {
    const users: string[] = []
    let min = '-inf'
    for (;;) {
      const page = await this.redis.zrangebyscore(k.prequeue, min, '+inf', 'WITHSCORES', 'LIMIT', 0, READ_PAGE)
      for (let i = 0; i < page.length; i += 2) users.push(page[i]!)
      if (page.length < READ_PAGE * 2) return users
      min = `(${page[page.length - 1]}`
    }
  }
}

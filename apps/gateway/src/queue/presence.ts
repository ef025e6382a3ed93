/**
 * Presence: which places are still asked for. A poll (or an open event stream) only marks its turn
 * in this process's memory — `markSeen`, no Redis call — and every PRESENCE_FLUSH_MS the marks of
 * each concert go to Redis in one BITFIELD command, as "seen at this second" in the line's `seen`
 * array (u32 per turn s: 4 bytes a turn, not an entry per user). The admission tick, a poll and a
 * re-entry read that array to tell an abandoned place (scripts/shared.lua, isGhost).
 *
 * The second written is the flush's, rounded up: never earlier than the poll itself, so delaying
 * the write can only make a place look more alive, never abandoned. Marks not flushed when a
 * process dies are lost; a client that keeps polling is marked again by whichever replica it
 * reaches next, well within ghostAfterSeconds (pollAfterMs stays under a fifth of it).
 */
import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from '../redis/client.ts'
import type { RedisKeys } from '../redis/keys.ts'

/** How often marks are written: a fifth of the shortest ghostAfterSeconds (1 s). */
export const PRESENCE_FLUSH_MS = 200
/** Marks per BITFIELD command: a burst of polls is split rather than sent as one huge command. */
const MARKS_PER_COMMAND = 10_000

export class Presence {
  private pending = new Map<number, Set<number>>()
  private timer: NodeJS.Timeout | null = null
  private flushing: Promise<void> = Promise.resolve()
  private lastLogged = 0

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** The place of turn `seq` in this concert's line was asked for just now. */
  markSeen(concertId: number, seq: number): void {
    let marks = this.pending.get(concertId)
    if (!marks) {
      marks = new Set()
      this.pending.set(concertId, marks)
    }
    marks.add(seq)
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), PRESENCE_FLUSH_MS)
    this.timer.unref()
  }

  /** Writes every pending mark: one BITFIELD per concert (more only past MARKS_PER_COMMAND). */
  flush(): Promise<void> {
    if (this.pending.size === 0) return this.flushing
    const batch = this.pending
    this.pending = new Map()
    const second = String(Math.ceil(Date.now() / 1000))
    const writes: Promise<unknown>[] = []
    for (const [concertId, marks] of batch) {
      const key = this.keys.concert(concertId).seen
      let args: string[] = []
      for (const seq of marks) {
        args.push('SET', 'u32', `#${seq}`, second)
        if (args.length >= MARKS_PER_COMMAND * 4) {
          writes.push(this.redis.call('BITFIELD', key, ...args))
          args = []
        }
      }
      if (args.length > 0) writes.push(this.redis.call('BITFIELD', key, ...args))
    }
    this.flushing = Promise.all(writes).then(
      () => {},
      (err: Error) => {
        // Redis unreachable: these marks are lost; the polls that made them were answered 503 too.
        const now = Date.now()
        if (now - this.lastLogged > 5000) {
          this.lastLogged = now
          this.log.warn({ err: err.message }, 'could not write presence marks')
        }
      },
    )
    return this.flushing
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.flush()
  }
}

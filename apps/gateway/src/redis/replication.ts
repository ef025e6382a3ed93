/**
 * REDIS_WAIT_REPLICAS: a join, a leave and an admission tick count as done only once that many
 * replicas have their writes, or REDIS_WAIT_TIMEOUT_MS passed (a timeout still answers, counted in
 * rushgate_redis_wait_timeouts_total). WAIT inside a script does not block, so it is a command of
 * its own, and it blocks the connection that sends it: it goes on a connection of its own, never on
 * the one every request shares. WAIT counts the replicas that acknowledged that connection's own
 * last write, so each round writes a key in the concert's slot (which also routes it to the
 * concert's node in a cluster) and WAITs in the same pipeline; the offset it waits for is past every
 * write answered before the round began. Rounds are per concert and one at a time: whoever asks
 * while one is out waits for the next, so a rush's joins share a few WAITs (a group commit).
 */
import { Cluster } from 'ioredis'
import type { Metrics } from '../metrics.ts'
import type { RedisClient } from './client.ts'
import type { RedisKeys } from './keys.ts'

interface Round {
  resolve(): void
  reject(err: unknown): void
}

export class Replication {
  /** Per concert: whether a round is out, and who waits for the next one. */
  private readonly rounds = new Map<number, { out: boolean; next: Round[] }>()

  constructor(
    /** A connection of its own (WAIT blocks it); null when REDIS_WAIT_REPLICAS is 0. */
    private readonly redis: RedisClient | null,
    private readonly keys: RedisKeys,
    private readonly replicas: number,
    private readonly timeoutMs: number,
    private readonly metrics: Pick<Metrics, 'redisWaitTimeouts'>,
  ) {}

  /** Resolves once the concert's writes answered so far reached the replicas, or the timeout passed; rejects when Redis cannot be reached. */
  after(concertId: number): Promise<void> {
    if (this.replicas === 0 || !this.redis) return Promise.resolve()
    let rounds = this.rounds.get(concertId)
    if (!rounds) {
      rounds = { out: false, next: [] }
      this.rounds.set(concertId, rounds)
    }
    const waiting = rounds
    return new Promise<void>((resolve, reject) => {
      waiting.next.push({ resolve, reject })
      if (!waiting.out) this.send(concertId, waiting)
    })
  }

  private send(concertId: number, rounds: { out: boolean; next: Round[] }): void {
    const waiters = rounds.next
    rounds.next = []
    rounds.out = true
    const settle = (err: unknown) => {
      for (const waiter of waiters) err ? waiter.reject(err) : waiter.resolve()
      if (rounds.next.length > 0) this.send(concertId, rounds)
      else {
        rounds.out = false
        this.rounds.delete(concertId)
      }
    }
    this.round(concertId)
      .catch(async (err: unknown) => {
        // A cluster that moved the concert's slot (a replica promoted): ioredis follows a MOVED for a
        // lone command, or for a pipeline whose other commands only read, but not for this SET and
        // WAIT; nor does it learn the new map from it. Learn it, and send the round once more there.
        const redis = this.redis
        if (!(redis instanceof Cluster) || !isRedirection(err)) throw err
        await new Promise<void>((resolve) => redis.refreshSlotsCache(() => resolve()))
        return this.round(concertId)
      })
      .then(
        () => settle(null),
        (err: unknown) => settle(err),
      )
  }

  /** One SET in the concert's slot and a WAIT behind it; rejects with the first error of either. */
  private async round(concertId: number): Promise<void> {
    // A round that Redis never answers (a pipeline caught in a failover) must not hold every later
    // join, leave and tick of the concert: it fails after the WAIT's own bound and a second more.
    let timer: NodeJS.Timeout | undefined
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Command timed out')), this.timeoutMs + 1000)
    })
    const exec = this.redis!.pipeline()
      .set(this.keys.replicated(concertId), Date.now(), 'PX', 60_000)
      .wait(this.replicas, this.timeoutMs)
      .exec()
    const results = await Promise.race([exec, bound]).finally(() => clearTimeout(timer))
    const [setErr] = results?.[0] ?? [new Error('no reply')]
    const [waitErr, acknowledged] = results?.[1] ?? [new Error('no reply')]
    const err = setErr ?? waitErr
    if (err) throw err
    if (Number(acknowledged) < this.replicas) this.metrics.redisWaitTimeouts.inc()
  }
}

/** MOVED or ASK: the cluster serves the slot elsewhere than the client's map says. */
function isRedirection(err: unknown): boolean {
  return err instanceof Error && /^(MOVED|ASK) /.test(err.message)
}

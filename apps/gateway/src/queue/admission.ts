/**
 * The admission tick: a BullMQ job scheduler upserted at boot by every replica (idempotent: one
 * schedule for the deployment), and a worker (concurrency 1) on every replica; whichever takes a
 * tick's job first reads what every visited concert has left to sell (one request to the core for
 * all of them) and the core's latency as every gateway measured it (core/latency.ts), then runs
 * the admission script once per concert with them. The script remembers the last tick it
 * processed, so a retried or duplicated job never admits twice. A line whose opening is due is
 * opened first (opening.ts), within the same tick; a concert found sold out has every live turn
 * ended within the tick (sold-out-6.lua) before the snapshot tells the replicas. Each processed
 * line leaves a sample in its history (history.ts); an empty line whose shows have all begun is
 * skipped from then on until a join wakes it (idle-lines.ts).
 */
import { type ConcertInventory, MAX_INVENTORY_CONCERTS, TARGET_LATENCY_DEFAULT_MS } from '@rushgate/shared'
import { type Job, Queue, Worker } from 'bullmq'
import type { FastifyBaseLogger } from 'fastify'
import type { GatewayConfig } from '../config.ts'
import type { CoreClient } from '../core/client.ts'
import type { CoreLatency, CoreWindow } from '../core/latency.ts'
import type { Metrics } from '../metrics.ts'
import type { RedisKeys } from '../redis/keys.ts'
import type { RedisClient } from '../redis/client.ts'
import type { Replication } from '../redis/replication.ts'
import type { ConcertRegistry } from './concerts.ts'
import { HEAD_PLACES, SNAPSHOT_EXPIRIES } from './line-mirror.ts'
import type { LineHistoryLog } from './history.ts'
import type { IdleLines } from './idle-lines.ts'
import type { LineRestore } from './line-restore.ts'
import type { Opening } from './opening.ts'
import type { LineScripts } from './scripts.ts'

export const ADMISSION_QUEUE = 'admission'
const SCHEDULER_ID = 'admission'
/** Abandoned places one tick skips at most, beyond the users it admits: bounds the script's run. */
export const GHOST_SKIPS_PER_TICK = 10_000
/** Turns of a sold-out concert one call of sold-out-6.lua ends: bounds that call's run. */
export const SOLD_OUT_BATCH = 5000
/** How often each replica checks that the schedule of ticks exists (a Redis that lost its data lost it). */
export const SCHEDULE_CHECK_MS = 5000
/** Bounds the inventory read: a core that cannot answer in time leaves the tick on the last read. */
const INVENTORY_TIMEOUT_MS = { min: 250, max: 2000 }

/** One admission script's answer for a line, as the tick uses it. */
type Admitted = [admitted: number, expired: number, abandoned: number]

export interface AdmissionDeps {
  config: GatewayConfig
  keys: RedisKeys
  /** Fast-failing client the scripts run on. */
  redis: RedisClient & LineScripts
  /** BullMQ's own connection (retries for ever). */
  bullConnection: RedisClient
  concerts: ConcertRegistry
  /** Where the inventory comes from. */
  core: Pick<CoreClient, 'inventory'>
  /** The core's latency as every gateway measured it. */
  latency: Pick<CoreLatency, 'read'>
  opening: Opening
  /** Restores a line whose state Redis lost. */
  restore: LineRestore
  /** Where each processed tick leaves a sample of the line. */
  history: LineHistoryLog
  /** Empty lines with every show begun, which the tick skips. */
  idle: IdleLines
  metrics: Metrics
  log: FastifyBaseLogger
  /** REDIS_WAIT_REPLICAS: a line's tick counts as done once the replicas have it. */
  replication?: Pick<Replication, 'after'>
}

export class Admission {
  private readonly queue: Queue
  private readonly worker: Worker
  private checkTimer: NodeJS.Timeout | null = null

  constructor(private readonly deps: AdmissionDeps) {
    const { keys, bullConnection, log } = deps
    const connection = bullConnection as never
    this.queue = new Queue(ADMISSION_QUEUE, { connection, prefix: keys.bullPrefix })
    this.worker = new Worker(ADMISSION_QUEUE, (job) => this.tick(job), {
      connection,
      prefix: keys.bullPrefix,
      concurrency: 1,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
      autorun: false,
    })
    this.queue.on('error', (err) => log.error({ err: err.message }, 'admission queue error'))
    this.worker.on('error', (err) => log.error({ err: err.message }, 'admission worker error'))
    this.worker.on('failed', (job, err) => log.warn({ err: err.message, job: job?.id }, 'admission tick failed'))
  }

  /** Upserts the schedule (waiting at most `waitMs` for Redis) and starts the worker. */
  async start(waitMs = 3000): Promise<void> {
    await Promise.race([this.schedule(), new Promise((r) => setTimeout(r, waitMs).unref())])
    // A Redis that restarted without its data lost the schedule too: upsert it again on every
    // reconnect (idempotent, like the upsert of each replica at boot).
    this.deps.bullConnection.on('ready', () => void this.schedule())
    // A flush (or a failover to a replica that lacked it) loses it with the connection still up.
    this.checkTimer = setInterval(() => void this.checkSchedule(), SCHEDULE_CHECK_MS).unref()
    this.worker.run().catch((err: Error) => this.deps.log.error({ err: err.message }, 'admission worker stopped'))
  }

  private schedule(): Promise<unknown> {
    return this.queue
      .upsertJobScheduler(
        SCHEDULER_ID,
        { every: this.deps.config.admitIntervalMs },
        { name: 'tick', opts: { attempts: 1, removeOnComplete: true, removeOnFail: true } },
      )
      .catch((err: Error) => this.deps.log.error({ err: err.message }, 'could not schedule admission ticks'))
  }

  /** Upserts the schedule when it is missing (an upsert each time would move its next run). */
  private async checkSchedule(): Promise<void> {
    try {
      if (await this.queue.getJobScheduler(SCHEDULER_ID)) return
      this.deps.log.warn('the admission schedule was gone from redis: created again')
      await this.schedule()
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'could not check the admission schedule')
    }
  }

  /** One tick: every known concert, one script call each (run concurrently; each is atomic). */
  async tick(job: Pick<Job, 'opts' | 'timestamp'>): Promise<number> {
    const { concerts, metrics } = this.deps
    // The scheduled time of this iteration: the same for every copy of the job.
    const tickAt = job.opts.prevMillis ?? job.timestamp
    const [listed, idle] = await Promise.all([concerts.list(), this.deps.idle.list()])
    // A Redis that lost its data lost the set of lines with it: the lines this replica has met are
    // visited anyway, so that this tick finds them gone and restores them (and every replica stops
    // answering their polls from memory) instead of the polls finding it once the snapshots go stale.
    const all = [...new Set([...listed, ...this.deps.restore.lines()])]
    const ids = all.filter((id) => !idle.has(id))
    // The active counts first, then the inventory: a turn is paid in the core before it leaves the
    // active set, so counted in this order no paid turn is missing from both (see admit-9.lua, (e)).
    const activeBefore = await this.activeCounts(ids)
    const [stock, windows] = await Promise.all([this.inventory(ids), Promise.all(ids.map((id) => this.coreWindow(id, tickAt)))])
    const results = await Promise.all(
      ids.map((id, i) =>
        this.admit(id, tickAt, stock?.get(id) ?? null, windows[i]!, activeBefore[i] ?? null).catch((err: Error): Admitted => {
          // One line's failure (an opening interrupted, say) leaves the others' tick alone.
          this.deps.log.warn({ err: err.message, concertId: id }, 'admission of a line failed')
          return [0, 0, 0]
        }),
      ),
    )
    let total = 0
    results.forEach(([admitted, , abandoned], i) => {
      const concert = String(ids[i])
      if (admitted > 0) {
        metrics.admissions.inc({ concert }, admitted)
        total += admitted
      }
      if (abandoned > 0) metrics.abandoned.inc({ concert }, abandoned)
    })
    return total
  }

  /**
   * What every concert of this tick has left to sell, in one request (a few if there are more than
   * a request may name); null when the core cannot say: the lines then keep the last read.
   */
  private async inventory(ids: number[]): Promise<Map<number, ConcertInventory> | null> {
    if (ids.length === 0) return new Map()
    const timeoutMs = Math.min(INVENTORY_TIMEOUT_MS.max, Math.max(INVENTORY_TIMEOUT_MS.min, this.deps.config.admitIntervalMs))
    const chunks: number[][] = []
    for (let i = 0; i < ids.length; i += MAX_INVENTORY_CONCERTS) chunks.push(ids.slice(i, i + MAX_INVENTORY_CONCERTS))
    try {
      const maps = await Promise.all(chunks.map((chunk) => this.deps.core.inventory(chunk, timeoutMs)))
      return new Map(maps.flatMap((m) => [...m]))
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'could not read the inventory; the lines keep the last read')
      return null
    }
  }

  /** Each line's active set size (one ZCARD a concert); null where it could not be read. */
  private activeCounts(ids: number[]): Promise<(number | null)[]> {
    const { keys, redis } = this.deps
    return Promise.all(ids.map((id) => redis.zcard(keys.concert(id).active).catch(() => null)))
  }

  /** The core's latency for this concert over the last ticks; none when it cannot be read. */
  private async coreWindow(concertId: number, tickAt: number): Promise<CoreWindow> {
    try {
      return await this.deps.latency.read(concertId, tickAt)
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, concertId }, 'could not read the core latency')
      return { p95: null, errors: 0, count: 0 }
    }
  }

  private async admit(concertId: number, tickAt: number, stock: ConcertInventory | null, core: CoreWindow, activeBefore: number | null): Promise<Admitted> {
    const { config, keys, redis, opening } = this.deps
    const k = keys.concert(concertId)
    const inventory = stock ? [stock.available, stock.held, stock.holders, stock.dates] : ['', '', '', '']
    const run = () =>
      redis.rgAdmit(
        k.waiting,
        k.active,
        k.activeSeq,
        k.settings,
        k.state,
        k.seen,
        k.ended,
        k.seq,
        k.epoch,
        Date.now(),
        tickAt,
        config.admitBatch,
        config.activeTtlSeconds,
        config.ghostAfterSeconds,
        GHOST_SKIPS_PER_TICK,
        '1',
        ...inventory,
        core.p95 ?? '',
        core.errors,
        TARGET_LATENCY_DEFAULT_MS,
        activeBefore ?? '',
      )
    // The sample is sent with the admission, in the same write: Redis runs it just after, so it
    // sees the line as this tick left it. A tick already processed (-1) is refused by its id.
    const [first, size] = await Promise.all([run(), this.record(concertId, tickAt)])
    if (size && size.waiting + size.active === 0) await this.deps.idle.consider(concertId)
    let result = first
    if (result[0] === -3) {
      // The line's state is gone: restored (settings, seed, a grace for its places), then this tick.
      await this.deps.restore.ensure(concertId)
      result = await run()
    }
    if (result[0] === -2) {
      // The opening is due: place the drawn pre-queue, then admit from it in this same tick.
      if (!(await opening.run(concertId))) return [0, 0, 0]
      result = await run()
    }
    if (result[0] < 0) return [0, 0, 0]
    // Sold out: every turn live now ends before the replicas hear of it, and the core keeps the
    // highest turn then, so that no token at or below it rebuilds a place after a loss.
    if (result[4] === 1) {
      await this.endTurns(concertId)
      const soldOutSeq = Number(await redis.hget(k.state, 'soldOutSeq'))
      if (soldOutSeq > 0) await this.deps.restore.keepSoldOut(concertId, soldOutSeq)
    }
    // Every replica learns the line as it now stands from one message (line-mirror.ts).
    await redis.rgSnapshot(
      k.waiting,
      k.active,
      k.settings,
      k.state,
      k.epoch,
      k.seq,
      keys.lineChannel,
      concertId,
      tickAt,
      HEAD_PLACES,
      SNAPSHOT_EXPIRIES,
      ...(result[3] ?? []),
    )
    // The admissions are made whatever the WAIT says: a failure is logged, the tick's count kept.
    await this.deps.replication
      ?.after(concertId)
      .catch((err: Error) => this.deps.log.warn({ err: err.message, concertId }, 'could not wait for the replicas after a tick'))
    return [result[0], result[1], result[2]]
  }

  /** Ends every live turn of a sold-out concert, a slice per call (sold-out-6.lua). */
  private async endTurns(concertId: number): Promise<void> {
    const k = this.deps.keys.concert(concertId)
    for (;;) {
      const left = await this.deps.redis.rgSoldOut(k.prequeue, k.waiting, k.active, k.activeSeq, k.ended, k.state, SOLD_OUT_BATCH)
      if (left === 0) return
    }
  }

  /** The line's sample of this tick; its size, or null when it could not be written. */
  private async record(concertId: number, tickAt: number): Promise<{ waiting: number; active: number } | null> {
    try {
      return await this.deps.history.record(concertId, tickAt)
    } catch (err) {
      // The history is for watching: a failed sample leaves admission alone.
      this.deps.log.warn({ err: (err as Error).message, concertId }, 'could not record the line history')
      return null
    }
  }

  async close(): Promise<void> {
    if (this.checkTimer) clearInterval(this.checkTimer)
    await this.worker.close()
    await this.queue.close()
  }
}

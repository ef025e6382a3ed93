/**
 * The core's latency as every gateway sees it, for adaptive admission: each replica times the
 * requests it forwards to the core for a concert (core/forward.ts, and the seat maps its cache
 * fetches) into a fixed-bucket histogram, and once per window — a tick's span, aligned to the
 * ticks — writes that window's histogram as one field of the concert's window hash in Redis. The
 * admission tick reads the last WINDOWS windows of every replica and merges them: bucket counts add
 * up exactly, so the p95 of the merge is the deployment's p95, not one replica's.
 *
 * Cost: one script call (HSET + PEXPIRE) per replica per concert per tick, and one (five HGETALL)
 * per concert per tick for the reader, whatever the number of requests; a request costs this
 * replica a Map lookup and an increment. The p95 is a bucket's upper bound: at most 5 % above the
 * true one (buckets grow by RATIO), never below it.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from '../redis/client.ts'
import type { RedisKeys } from '../redis/keys.ts'
import { defineScripts } from '../redis/scripts.ts'

/** Each bucket's upper bound is RATIO times the one before: bucket 0 is up to 1 ms, bucket i up to RATIO^i ms. */
const RATIO = 1.05
const LOG_RATIO = Math.log(RATIO)
/** Windows a tick merges: "the last 5 ticks". */
export const WINDOWS = 5

export interface LatencyScripts {
  rgRecordLatency(key: string, replica: string, summary: string, ttlMs: number): Promise<number>
  rgReadLatency(...keys: string[]): Promise<string[][]>
}

export const withLatencyScripts = defineScripts<LatencyScripts>(new URL('./latency-scripts/', import.meta.url))

export function bucketOf(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(Math.log(ms) / LOG_RATIO - 1e-9)
}

export function bucketUpper(bucket: number): number {
  return Math.ceil(RATIO ** bucket - 1e-9)
}

/** Requests counted by bucket, and how many of them failed (a 5xx, no answer, a timeout). */
export class Histogram {
  readonly counts = new Map<number, number>()
  count = 0
  errors = 0

  add(ms: number, failed: boolean): void {
    const b = bucketOf(ms)
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1)
    this.count++
    if (failed) this.errors++
  }

  /** `errors;bucket:n,bucket:n`: what one replica writes for one window. */
  encode(): string {
    return `${this.errors};${[...this.counts].map(([b, n]) => `${b}:${n}`).join(',')}`
  }

  /** Adds an encoded summary (anything unreadable is skipped). */
  merge(summary: string): void {
    const [errors, buckets = ''] = summary.split(';')
    this.errors += Number(errors) || 0
    for (const entry of buckets.split(',')) {
      const [b, n] = entry.split(':').map(Number)
      if (!Number.isInteger(b) || !Number.isInteger(n) || b! < 0 || n! <= 0) continue
      this.counts.set(b!, (this.counts.get(b!) ?? 0) + n!)
      this.count += n!
    }
  }

  /** The upper bound of the bucket that holds the 95th percentile; null when empty. */
  p95(): number | null {
    if (this.count === 0) return null
    const rank = Math.ceil(this.count * 0.95)
    let seen = 0
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b)!
      if (seen >= rank) return bucketUpper(b)
    }
    return null
  }
}

/** What a tick learns of the core's latency for one concert. */
export interface CoreWindow {
  /** null when no request was measured. */
  p95: number | null
  errors: number
  count: number
}

export class CoreLatency {
  /** Names this process's field in the window hashes. */
  private readonly replica = randomBytes(6).toString('hex')
  private current = new Map<number, Histogram>()
  private timer: NodeJS.Timeout | null = null
  private flushing: Promise<void> = Promise.resolve()

  constructor(
    private readonly redis: RedisClient & LatencyScripts,
    private readonly keys: RedisKeys,
    private readonly intervalMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** One request forwarded to the core for this concert, answered (or failed) after `ms`. */
  record(concertId: number, ms: number, failed: boolean): void {
    let h = this.current.get(concertId)
    if (!h) {
      h = new Histogram()
      this.current.set(concertId, h)
    }
    h.add(ms, failed)
  }

  /**
   * Flushes a tenth of a tick (at least 10 ms) before each tick is due, into the window that tick
   * reads first. A flush that runs late still lands in that window, which the next four ticks read.
   */
  start(): void {
    const lead = Math.max(10, Math.floor(this.intervalMs / 10))
    const next = (after: number) => {
      const boundary = (Math.floor((after + lead) / this.intervalMs) + 1) * this.intervalMs
      this.timer = setTimeout(() => {
        this.flushing = this.flush(boundary / this.intervalMs - 1)
        next(boundary)
      }, Math.max(0, boundary - lead - Date.now()))
      this.timer.unref()
    }
    next(Date.now())
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.flushing
  }

  /** Writes what was measured since the last flush as window `window` of each concert. */
  async flush(window: number): Promise<void> {
    const measured = this.current
    this.current = new Map()
    const ttlMs = (WINDOWS + 2) * this.intervalMs
    await Promise.all(
      [...measured].map(([concertId, h]) =>
        this.redis.rgRecordLatency(this.keys.coreLatency(concertId, window), this.replica, h.encode(), ttlMs).catch((err: Error) => {
          // Only adaptive admission reads these: a lost window leaves requests alone.
          this.log.warn({ err: err.message, concertId }, 'could not record the core latency')
        }),
      ),
    )
  }

  /** The WINDOWS windows before the tick of `tickAt`, of every replica, merged. */
  async read(concertId: number, tickAt: number): Promise<CoreWindow> {
    const last = Math.floor(tickAt / this.intervalMs) - 1
    const keys = Array.from({ length: WINDOWS }, (_, i) => this.keys.coreLatency(concertId, last - i))
    const windows = await this.redis.rgReadLatency(...keys)
    const merged = new Histogram()
    for (const fields of windows) for (let i = 1; i < fields.length; i += 2) merged.merge(fields[i]!)
    return { p95: merged.p95(), errors: merged.errors, count: merged.count }
  }
}

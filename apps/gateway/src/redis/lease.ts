/**
 * A short Redis lease that one process of the deployment holds at a time, for work that must be
 * done once however many replicas run (the line gauges of /metrics: exported by the holder only,
 * so that summing every replica's figures counts each user once). A live holder renews it well
 * before it runs out and keeps it; a holder that stops gives it up, one that dies or loses Redis
 * lets it run out, and then the next replica that asks takes it.
 */
import { randomUUID } from 'node:crypto'
import type { RedisClient } from './client.ts'
import { defineScripts } from './scripts.ts'

/** Long enough to ride out a Redis blip; a dead holder's work resumes elsewhere within this. */
export const LEASE_TTL_MS = 15_000

export interface LeaseScripts {
  /** 1 when the caller holds the lease now (taken or renewed), 0 when another process does. */
  rgHoldLease(key: string, holder: string, ttlMs: number): Promise<number>
  rgReleaseLease(key: string, holder: string): Promise<number>
}

export const withLeaseScripts = defineScripts<LeaseScripts>(new URL('./lease-scripts/', import.meta.url))

export class RedisLease {
  /** This process's id as a holder; random, so a restarted process never inherits a lease. */
  private readonly holder = randomUUID()
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly redis: RedisClient & LeaseScripts,
    private readonly key: string,
    private readonly ttlMs = LEASE_TTL_MS,
  ) {}

  /** Takes or renews the lease; false when another process holds it or Redis cannot be reached. */
  async hold(): Promise<boolean> {
    try {
      return (await this.redis.rgHoldLease(this.key, this.holder, this.ttlMs)) === 1
    } catch {
      return false
    }
  }

  /** Renews the lease every third of its time, so the holder keeps it whatever asks for it when. */
  start(): void {
    if (this.timer) return
    void this.hold()
    this.timer = setInterval(() => void this.hold(), Math.floor(this.ttlMs / 3))
    this.timer.unref()
  }

  /** Stops renewing and gives the lease up, so another replica takes it the next time it asks. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.redis.rgReleaseLease(this.key, this.holder).catch(() => {})
  }
}

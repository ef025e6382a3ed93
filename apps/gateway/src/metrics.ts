/**
 * Prometheus metrics of one gateway process, in a registry of its own (several apps can live in
 * one test process). The per-concert line gauges are read from Redis when scraped.
 */
import { Counter, Gauge, Registry } from 'prom-client'
import type { ConcertRegistry } from './queue/concerts.ts'
import type { RedisClient } from './redis/client.ts'
import type { RedisKeys } from './redis/keys.ts'

export class Metrics {
  readonly registry = new Registry()
  readonly admissions: Counter<'concert'>
  readonly proxied: Counter<'route' | 'method' | 'status'>
  readonly rejected: Counter<'code'>

  constructor(redis: RedisClient, keys: RedisKeys, concerts: ConcertRegistry) {
    const registers = [this.registry]
    this.admissions = new Counter({
      name: 'rushgate_admissions_total',
      help: 'Users moved from the waiting line to active by this process',
      labelNames: ['concert'],
      registers,
    })
    this.proxied = new Counter({
      name: 'rushgate_proxied_requests_total',
      help: 'Requests forwarded to the core, by route and response status',
      labelNames: ['route', 'method', 'status'],
      registers,
    })
    this.rejected = new Counter({
      name: 'rushgate_queue_rejections_total',
      help: 'Requests the active-token check refused before the core, by error code',
      labelNames: ['code'],
      registers,
    })
    // One scrape reads both gauges; the second collect reuses the first's figures.
    let pending: Promise<Map<number, readonly [number, number]>> | null = null
    const readLines = (): Promise<Map<number, readonly [number, number]>> => {
      pending ??= (async () => {
        const ids = await concerts.list()
        const now = Date.now()
        const figures = await Promise.all(
          ids.map(async (id) => {
            const k = keys.concert(id)
            const [waiting, active] = await Promise.all([redis.zcard(k.waiting), redis.zcount(k.active, `(${now}`, '+inf')])
            return [id, [waiting, active]] as const
          }),
        )
        return new Map(figures)
      })().finally(() => setTimeout(() => (pending = null), 0))
      return pending!
    }
    new Gauge({
      name: 'rushgate_queue_waiting',
      help: 'Users waiting in the line, per concert',
      labelNames: ['concert'],
      registers,
      async collect() {
        this.reset()
        for (const [id, [waiting]] of await readLines()) this.set({ concert: String(id) }, waiting)
      },
    })
    new Gauge({
      name: 'rushgate_queue_active',
      help: 'Users holding an active slot, per concert',
      labelNames: ['concert'],
      registers,
      async collect() {
        this.reset()
        for (const [id, [, active]] of await readLines()) this.set({ concert: String(id) }, active)
      },
    })
  }
}

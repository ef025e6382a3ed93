/**
 * Prometheus metrics of one gateway process, in a registry of its own (several apps can live in
 * one test process). The per-concert line gauges are read when scraped, by the function given.
 */
import { Counter, Gauge, Registry } from 'prom-client'

/** concertId → waiting and active users, as one scrape reads them. */
export type LineSizes = Map<number, { waiting: number; active: number }>

export class Metrics {
  readonly registry = new Registry()
  readonly admissions: Counter<'concert'>
  readonly abandoned: Counter<'concert'>
  readonly proxied: Counter<'route' | 'method' | 'status'>
  readonly rejected: Counter<'code'>

  constructor(readLineSizes: () => Promise<LineSizes>) {
    const registers = [this.registry]
    this.admissions = new Counter({
      name: 'rushgate_admissions_total',
      help: 'Users moved from the waiting line to active by this process',
      labelNames: ['concert'],
      registers,
    })
    this.abandoned = new Counter({
      name: 'rushgate_abandoned_total',
      help: 'Places ended by this process because nobody asked for them in ghostAfterSeconds',
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
    let pending: Promise<LineSizes> | null = null
    const readLines = (): Promise<LineSizes> => {
      pending ??= readLineSizes().finally(() => setTimeout(() => (pending = null), 0))
      return pending
    }
    new Gauge({
      name: 'rushgate_queue_waiting',
      help: 'Users waiting in the line, per concert',
      labelNames: ['concert'],
      registers,
      async collect() {
        this.reset()
        for (const [id, { waiting }] of await readLines()) this.set({ concert: String(id) }, waiting)
      },
    })
    new Gauge({
      name: 'rushgate_queue_active',
      help: 'Users holding an active slot, per concert',
      labelNames: ['concert'],
      registers,
      async collect() {
        this.reset()
        for (const [id, { active }] of await readLines()) this.set({ concert: String(id) }, active)
      },
    })
  }
}

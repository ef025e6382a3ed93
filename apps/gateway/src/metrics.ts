/**
 * Prometheus metrics of one gateway process, in a registry of its own (several apps can live in
 * one test process).
 *
 * Two kinds, so that summing over replicas adds up:
 * - Counters count what this process did (admissions it ran, requests it proxied, …): a
 *   deployment's figure is the sum over replicas.
 * - The line gauges (`rushgate_queue_waiting`, `rushgate_queue_active`) are the deployment's own
 *   figures, read from Redis when scraped and the same on every replica. Only one replica at a
 *   time exports them (the reader answers null on the others: see app.ts), so a sum over replicas
 *   counts each user once; they carry `scope="deployment"` so that a dashboard may also take
 *   `max by (concert)`, which stays right while the exporting replica changes.
 */
import { HELD_BACK_REASONS, type HeldBack } from '@rushgate/shared'
import { Counter, Gauge, Registry } from 'prom-client'

/** What the last admission tick learnt and did (null: not known yet). */
export interface LineStock {
  seatsAvailable: number | null
  seatsHeld: number | null
  effectiveAdmitPerTick: number | null
  coreP95Ms: number | null
  heldBack: HeldBack
}

/** concertId → waiting and active users and the line's stock, as one scrape reads them. */
export type LineSizes = Map<number, { waiting: number; active: number } & LineStock>

/** Reads the line sizes for a scrape, or null when this replica does not export them. */
export type LineSizesReader = () => Promise<LineSizes | null>

export class Metrics {
  readonly registry = new Registry()
  readonly admissions: Counter<'concert'>
  /** Places the admission found abandoned (no status asked for `ghostAfterSeconds`) and skipped. */
  readonly abandoned: Counter<'concert'>
  readonly proxied: Counter<'route' | 'method' | 'status'>
  readonly rejected: Counter<'code'>
  readonly seatMaps: Counter<'result'>
  /** Redis WAITs that returned before REDIS_WAIT_REPLICAS replicas acknowledged (redis/replication.ts). */
  readonly redisWaitTimeouts: Counter

  constructor(readLineSizes: LineSizesReader) {
    const registers = [this.registry]
    this.admissions = new Counter({
      name: 'rushgate_admissions_total',
      help: 'Users moved from the waiting line to active by this process',
      labelNames: ['concert'],
      registers,
    })
    this.abandoned = new Counter({
      name: 'rushgate_abandoned_total',
      help: 'Places this process found abandoned (not asked about for ghostAfterSeconds) and took out of the line',
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
    this.seatMaps = new Counter({
      name: 'rushgate_seat_maps_total',
      help: 'Seat maps served: from this replica\'s cache (hit), fetched from the core (fetch), or 304 (not_modified)',
      labelNames: ['result'],
      registers,
    })
    this.redisWaitTimeouts = new Counter({
      name: 'rushgate_redis_wait_timeouts_total',
      help: 'Redis WAITs after a join, a leave or a tick that timed out before REDIS_WAIT_REPLICAS replicas acknowledged',
      registers,
    })
    // One scrape reads both gauges; the second collect reuses the first's figures.
    let pending: Promise<LineSizes | null> | null = null
    const readLines = (): Promise<LineSizes | null> => {
      pending ??= readLineSizes().finally(() => setTimeout(() => (pending = null), 0))
      return pending
    }
    const lineGauge = (name: string, help: string, figure: 'waiting' | 'active') =>
      new Gauge({
        name,
        help,
        labelNames: ['concert', 'scope'],
        registers,
        async collect() {
          this.reset()
          for (const [id, sizes] of (await readLines()) ?? []) this.set({ concert: String(id), scope: 'deployment' }, sizes[figure])
        },
      })
    lineGauge('rushgate_queue_waiting', 'Users waiting in the line, per concert (whole deployment, exported by one replica)', 'waiting')
    lineGauge('rushgate_queue_active', 'Users holding an active slot, per concert (whole deployment, exported by one replica)', 'active')
    // The admission tick's figures, the deployment's too: exported by the same replica, from the same read.
    const stockGauge = (name: string, help: string, figure: Exclude<keyof LineStock, 'heldBack'>) =>
      new Gauge({
        name,
        help,
        labelNames: ['concert', 'scope'],
        registers,
        async collect() {
          this.reset()
          for (const [id, line] of (await readLines()) ?? []) {
            const value = line[figure]
            if (value !== null) this.set({ concert: String(id), scope: 'deployment' }, value)
          }
        },
      })
    stockGauge('rushgate_line_seats_available', 'Free places of the dates not started, at the last tick', 'seatsAvailable')
    stockGauge('rushgate_line_seats_held', 'Places under a live hold, at the last tick', 'seatsHeld')
    stockGauge('rushgate_line_effective_admit_per_tick', 'What the last tick admitted at most (admitPerTick unless adaptive)', 'effectiveAdmitPerTick')
    stockGauge('rushgate_line_core_p95_ms', "The core's p95 latency for the concert over the last 5 ticks, all gateways", 'coreP95Ms')
    new Gauge({
      name: 'rushgate_line_held_back',
      help: 'What limited the last tick: 1 for its reason, 0 for the others',
      labelNames: ['concert', 'scope', 'reason'],
      registers,
      async collect() {
        this.reset()
        for (const [id, line] of (await readLines()) ?? []) {
          for (const reason of HELD_BACK_REASONS) {
            this.set({ concert: String(id), scope: 'deployment', reason }, line.heldBack === reason ? 1 : 0)
          }
        }
      },
    })
  }
}

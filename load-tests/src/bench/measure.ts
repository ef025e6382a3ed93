/** One autocannon run and the row of the report it becomes. */
import autocannon, { type Request } from 'autocannon'
import { groupPerRequest, groupSnapshot, perRequest, snapshot, type Watched, type WatchedGroups } from './cpu.ts'

export interface BenchSettings {
  connections: number
  /** seconds */
  duration: number
  /** seconds of load before each timed measurement, not counted: JIT, connection pools, caches */
  warmup?: number
}

export interface Row {
  bench: string
  name: string
  /** what the row is: the project, the baseline of the same run, or the core reached directly */
  kind: 'project' | 'baseline' | 'core'
  requests: number
  rps: number
  p50: number
  p97_5: number
  p99: number
  /** count of each status code */
  statuses: Record<string, number>
  /** responses whose status is not one the benchmark expects, plus socket errors and timeouts */
  unexpected: number
  /** rps as a fraction of the baseline measured in the same run */
  vsBaseline?: number
  /** rps of the baseline round measured just before the round this row shows */
  baselineRps?: number
  /** rps as a fraction of the same route read straight from the core */
  vsCore?: number
  /** rps as a fraction of pgbench's simple-update tps, measured in the same run */
  vsPgbench?: number
  /** rps of each round and the baseline's rps beside it, when measured in several rounds */
  rounds?: { rps: number; baselineRps: number }[]
  /** µs of CPU per request of each watched process (the server measured, Redis, autocannon) */
  cpu?: Record<string, number>
}

export interface Measurement {
  bench: string
  name: string
  kind?: Row['kind']
  url: string
  requests: Request[]
  /** Statuses that count as success; default any 2xx. */
  expected?: number[]
  /** A fixed number of requests instead of the duration (for steps that use up what was prepared). */
  amount?: number
  /** The name of the measurement of the same route straight from the core, for the `vsCore` ratio. */
  compareToCore?: string
  /** Its own yardstick, when the bench's one-Redis-GET baseline is not the fair one (a large body). */
  baseline?: Measurement
}

export async function measure(m: Measurement, settings: BenchSettings, watch: Watched = {}, groups: WatchedGroups = {}): Promise<Row> {
  const base = { url: m.url, connections: settings.connections, requests: m.requests, timeout: 10 }
  // Steps with a fixed amount use up what was prepared, so they get no warm-up.
  if (settings.warmup && !m.amount) await autocannon({ ...base, duration: settings.warmup })
  const [before, groupsBefore] = [snapshot(watch), await groupSnapshot(groups)]
  const result = await autocannon({ ...base, ...(m.amount ? { amount: m.amount } : { duration: settings.duration }) })
  const cpu = {
    ...perRequest(before, snapshot(watch), result.latency.totalCount),
    ...groupPerRequest(groupsBefore, await groupSnapshot(groups), result.latency.totalCount),
  }
  const statuses: Record<string, number> = {}
  let unexpected = result.errors + result.timeouts
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    statuses[status] = count
    const code = Number(status)
    const ok = m.expected ? m.expected.includes(code) : code >= 200 && code < 300
    if (!ok) unexpected += count
  }
  if (result.errors) statuses.errors = result.errors
  if (result.timeouts) statuses.timeouts = result.timeouts
  const requests = result.latency.totalCount
  const seconds = (new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000
  return {
    bench: m.bench,
    name: m.name,
    kind: m.kind ?? 'project',
    requests,
    // With a fixed amount the run is shorter than a second's sampling; completed / elapsed is exact.
    rps: Math.round(seconds > 0 ? requests / seconds : result.requests.average),
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    statuses,
    unexpected,
    ...(Object.keys(cpu).length > 0 ? { cpu } : {}),
  }
}

/**
 * Several measurements of one route, each beside a baseline measured just before it, become one row:
 * the median round (by ratio to its baseline) gives the figures, so a burst of load from another
 * process on the machine moves one round, not the result. Statuses are summed over the rounds.
 */
export function combineRounds(rounds: { row: Row; baseline: Row }[]): Row {
  const sorted = [...rounds].sort((a, b) => a.row.rps / Math.max(1, a.baseline.rps) - b.row.rps / Math.max(1, b.baseline.rps))
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!
  const statuses: Record<string, number> = {}
  for (const { row } of rounds) for (const [k, v] of Object.entries(row.statuses)) statuses[k] = (statuses[k] ?? 0) + v
  return {
    ...median.row,
    requests: rounds.reduce((n, r) => n + r.row.requests, 0),
    statuses,
    unexpected: rounds.reduce((n, r) => n + r.row.unexpected, 0),
    ...(median.row.kind === 'core'
      ? {}
      : { vsBaseline: median.row.rps / Math.max(1, median.baseline.rps), baselineRps: median.baseline.rps }),
    rounds: rounds.map((r) => ({ rps: r.row.rps, baselineRps: r.baseline.rps })),
  }
}

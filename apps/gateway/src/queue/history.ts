/**
 * The history of each line: one sample per admission tick, written to a Redis stream of the
 * concert by whichever replica ran the tick (so every replica reads the same history), with the
 * line's size and its running admitted and abandoned totals. A read turns the totals into counts
 * since the previous sample, and past HISTORY_MAX_SAMPLES aggregates consecutive ticks evenly.
 *
 * Cost: one script call per concert per tick (two ZCARDs, an HMGET, an XADD that trims by time).
 * Each sample also carries the effectiveAdmitPerTick its tick admitted with and the coreP95Ms it saw;
 * a sample that groups ticks gives the lowest of the one and the highest of the other.
 * Kept: RETENTION_MS, so a full day asked for still finds the sample before its start.
 */
import { HISTORY_MAX_SAMPLES, type HistorySample } from '@rushgate/shared'
import type { RedisClient } from '../redis/client.ts'
import type { RedisKeys } from '../redis/keys.ts'
import { defineScripts } from '../redis/scripts.ts'

/** 25 h: at least 24 h, plus the sample before a day-long span. */
export const RETENTION_MS = 25 * 3600_000
/** Entries read per XRANGE: a long span is read in slices, never as one huge reply. */
const READ_SLICE = 10_000

export interface HistoryScripts {
  rgRecordHistory(...args: (string | number)[]): Promise<[number, number]>
}

export const withHistoryScripts = defineScripts<HistoryScripts>(new URL('./history-scripts/', import.meta.url))

type Entry = [id: string, fields: string[]]

/** One raw entry: the tick's time, the gauges and the running totals. */
interface Raw {
  at: number
  waiting: number
  active: number
  admittedTotal: number
  abandonedTotal: number
  effective: number
  p95: number | null
}

export class LineHistoryLog {
  constructor(
    private readonly redis: RedisClient & HistoryScripts,
    private readonly keys: RedisKeys,
  ) {}

  /** Writes the sample of `tickAt` for a line; answers the line's size (waiting, pre-queue included, and active). */
  async record(concertId: number, tickAt: number): Promise<{ waiting: number; active: number }> {
    const k = this.keys.concert(concertId)
    const [waiting, active] = await this.redis.rgRecordHistory(
      k.prequeue,
      k.waiting,
      k.active,
      k.state,
      k.history,
      tickAt,
      tickAt - RETENTION_MS,
      RETENTION_MS,
    )
    return { waiting, active }
  }

  /** The samples of the last `minutes`, oldest first. */
  async read(concertId: number, minutes: number, now = Date.now()): Promise<HistorySample[]> {
    const key = this.keys.concert(concertId).history
    const from = now - minutes * 60_000
    // The last sample before the span: what its first sample's counts are counted from.
    const before = (await this.redis.xrevrange(key, `(${from}`, '-', 'COUNT', 1)) as Entry[]
    const raws: Raw[] = []
    let start = String(from)
    for (;;) {
      const slice = (await this.redis.xrange(key, start, '+', 'COUNT', READ_SLICE)) as Entry[]
      for (const entry of slice) raws.push(parse(entry))
      if (slice.length < READ_SLICE) break
      start = `(${slice[slice.length - 1]![0]}`
    }
    return aggregate(raws, before[0] ? parse(before[0]) : null)
  }
}

function parse([id, fields]: Entry): Raw {
  const f: Record<string, number> = {}
  for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = Number(fields[i + 1])
  return {
    at: Number(id.slice(0, id.indexOf('-'))),
    waiting: f.w ?? 0,
    active: f.a ?? 0,
    admittedTotal: f.ad ?? 0,
    abandonedTotal: f.ab ?? 0,
    effective: f.e ?? 0,
    p95: f.p ?? null,
  }
}

/**
 * Groups of `size` consecutive ticks, counted back from the newest (so the newest sample is the
 * latest tick; the oldest group may be shorter): gauges of a group's last tick, counts summed —
 * with running totals, the difference between the ends of consecutive groups. Without an earlier
 * sample the counts start from zero (the line's beginning).
 */
export function aggregate(raws: Raw[], before: Raw | null, maxSamples = HISTORY_MAX_SAMPLES): HistorySample[] {
  const size = Math.max(1, Math.ceil(raws.length / maxSamples))
  const ends: number[] = []
  for (let end = raws.length - 1; end >= 0; end -= size) ends.push(end)
  ends.reverse()
  const out: HistorySample[] = []
  let prev = before ?? { admittedTotal: 0, abandonedTotal: 0 }
  let start = 0
  for (const end of ends) {
    const r = raws[end]!
    const group = raws.slice(start, end + 1)
    start = end + 1
    const p95s = group.flatMap((g) => (g.p95 === null ? [] : [g.p95]))
    out.push({
      at: new Date(r.at).toISOString(),
      waiting: r.waiting,
      active: r.active,
      effectiveAdmitPerTick: Math.min(...group.map((g) => g.effective)),
      coreP95Ms: p95s.length === 0 ? null : Math.max(...p95s),
      // A Redis that lost its data starts the totals again: never a negative count.
      admitted: Math.max(0, r.admittedTotal - prev.admittedTotal),
      abandoned: Math.max(0, r.abandonedTotal - prev.abandonedTotal),
    })
    prev = r
  }
  return out
}

/**
 * What this replica knows of each line between two ticks, so that the poll of a waiting place
 * (and every event stream) is answered from memory, without a Redis round trip.
 *
 * Once a tick the admission publishes a snapshot of every line (scripts/snapshot-6.lua): the scores
 * of the first HEAD_PLACES places, a sparse rank index beyond (a sample at least every 1% of rank),
 * the counts the wait estimate needs, the settings, and the turns that left the line in that tick.
 * A replica learns a token's score from its first Redis lookup (status-12.lua); from then on its
 * position is the rank of that score in the last snapshot: exact within the head, within 1% beyond
 * (the true rank lies between the two samples around it).
 *
 * Answered from memory only when it is safe; anything else goes to Redis (`answer` gives null):
 * - no fresh snapshot (none for STALE_TICKS ticks: the admission is not running);
 * - a token this replica has not looked up, or has not seen asking for half of ghostAfterSeconds
 *   (its place may have been abandoned since; Redis judges that);
 * - a score below the head, or inside the head but not in it: the place left the line (admitted,
 *   left, abandoned), so Redis tells how it ended or that it is active — within one tick;
 * - a turn named in the snapshot's `gone`, or ended on any replica (leave, payment, found
 *   abandoned): those are broadcast at once on the same channel (line-feed.ts) and the turn is
 *   forgotten here, so its next poll asks Redis and gets its 410 on every replica, not a tick
 *   later. A forgotten turn is kept as ended for FORGET_MS so that a lookup still in flight cannot
 *   bring it back. The score of a place that left is kept until the next snapshot, and the places
 *   behind it move up at once (exact in the head: a score already missing from it is not counted).
 * - the line's settings changed since the snapshot (broadcast too);
 * - the concert sold out: the snapshot says so (with the highest turn then), the tick has already
 *   ended every turn up to it in Redis, and every turn known here is forgotten, so that its next
 *   poll gets the 410 SOLD_OUT from Redis (event-streams.ts ends the streams themselves).
 * Pre-queue and active tokens always go to Redis: few poll, and rarely.
 */
import type { LineConfig } from './line-config.ts'
import { parseLineConfig } from './line-config.ts'
import type { GatewayConfig } from '../config.ts'
import type { PlaceState } from './place-state.ts'
import { estimateWait } from './wait.ts'

/** Places whose position is given exactly (the contract's "first 1,000"). */
export const HEAD_PLACES = 1000
/** Active expiries a snapshot carries at most (the wait estimate while maxActive binds). */
export const SNAPSHOT_EXPIRIES = 10_000
/** A snapshot older than this many ticks is not trusted. */
const STALE_TICKS = 3
/** How long an ended or departed turn is refused from memory. */
const FORGET_MS = 60_000

/** One line's snapshot, as published (scores as strings). */
export interface SnapshotMessage {
  c: number
  v: number
  n: number
  head: string[] | Record<string, never>
  samples: (number | string)[] | Record<string, never>
  ac: number
  dep: number
  exp: number[] | Record<string, never> | false
  cfg: (string | false)[]
  opened: string | false
  gone: number[] | Record<string, never>
  /** seatsLeft at the tick, -1 before the first inventory read. */
  sl: number
  /** While sold out: soldOutSeq (every turn up to it has ended); else false. */
  so: number | false
  /** The line's epoch (false: none, the line's state is gone). */
  ep?: string | false
  /** The arrival counter. */
  sq?: number
}

interface Snapshot {
  version: number
  receivedAt: number
  waiting: number
  head: Float64Array
  sampleRanks: Float64Array
  sampleScores: Float64Array
  activeCount: number
  departed: number
  expiries: number[] | null
  line: LineConfig
  opened: boolean
  seatsLeft: number | null
  soldOutSeq: number | null
}

/** A waiting turn known here: its score in `waiting` and when it last asked on this replica. */
interface Known {
  score: number
  seenAt: number
}

class LineView {
  snapshot: Snapshot | null = null
  /** The line's epoch as the last snapshot gave it. */
  epoch: string | null = null
  /** The arrival counter as the last snapshot gave it. */
  counter = 0
  readonly known = new Map<number, Known>()
  /** Turns that ended or left: refused from memory until the time given. */
  readonly forgotten = new Map<number, number>()
  /** Places that left the line since the snapshot: turn → score. */
  readonly removed = new Map<number, number>()
  private removedSorted: Float64Array | null = null

  forget(seq: number, now: number): void {
    this.known.delete(seq)
    this.forgotten.set(seq, now + FORGET_MS)
  }

  remove(seq: number, score: number): void {
    if (this.removed.get(seq) === score) return
    this.removed.set(seq, score)
    this.removedSorted = null
  }

  clearRemoved(): void {
    this.removed.clear()
    this.removedSorted = null
  }

  /** Places that left since the snapshot with a score below this one. */
  removedBelow(score: number): number {
    if (this.removed.size === 0) return 0
    this.removedSorted ??= Float64Array.from(this.removed.values()).sort()
    return search(this.removedSorted, score)
  }

  pruneForgotten(now: number): void {
    for (const [seq, until] of this.forgotten) if (until <= now) this.forgotten.delete(seq)
  }
}

const list = <T>(x: T[] | Record<string, never> | false): T[] => (Array.isArray(x) ? x : [])

export class LineMirror {
  private readonly lines = new Map<number, LineView>()
  /** Told each snapshot's epoch (line-restore.ts). */
  onEpoch: (concertId: number, epoch: string) => void = () => {}

  constructor(private readonly config: GatewayConfig) {}

  private view(concertId: number): LineView {
    let view = this.lines.get(concertId)
    if (!view) {
      view = new LineView()
      this.lines.set(concertId, view)
    }
    return view
  }

  /** A tick's snapshot arrived. Returns the turns it names as gone. */
  applySnapshot(m: SnapshotMessage, now = Date.now()): number[] {
    let view = this.view(m.c)
    if (view.snapshot && view.snapshot.version > m.v) return []
    if (typeof m.ep === 'string') {
      // Another epoch: the line was lost and restored since; nothing remembered of it holds.
      if (view.epoch !== null && view.epoch !== m.ep) view = this.drop(m.c)
      view.epoch = m.ep
      this.onEpoch(m.c, m.ep)
    }
    if (m.sq !== undefined) view.counter = Math.max(view.counter, m.sq)
    const samples = list(m.samples)
    const count = samples.length / 2
    const sampleRanks = new Float64Array(count)
    const sampleScores = new Float64Array(count)
    for (let i = 0; i < count; i++) {
      sampleRanks[i] = Number(samples[2 * i])
      sampleScores[i] = Number(samples[2 * i + 1])
    }
    const cfg = m.cfg.map((v) => (v === false ? null : v))
    view.snapshot = {
      version: m.v,
      receivedAt: now,
      waiting: m.n,
      head: Float64Array.from(list(m.head), Number),
      sampleRanks,
      sampleScores,
      activeCount: m.ac,
      departed: m.dep,
      expiries: m.exp === false ? null : list(m.exp),
      line: parseLineConfig(cfg, this.config),
      opened: m.opened !== false,
      seatsLeft: m.sl >= 0 ? m.sl : null,
      soldOutSeq: m.so === false ? null : m.so,
    }
    view.clearRemoved()
    const gone = list(m.gone)
    for (const seq of gone) view.forget(seq, now)
    if (m.so !== false) for (const seq of [...view.known.keys()]) if (seq <= m.so) view.forget(seq, now)
    view.pruneForgotten(now)
    return gone
  }

  /**
   * The line's state was lost (or restored): forget everything known of it but the highest turn,
   * so that every poll asks Redis, which rebuilds the place or says how it ended.
   */
  drop(concertId: number): LineView {
    const counter = this.lines.get(concertId)?.counter ?? 0
    const view = new LineView()
    view.counter = counter
    this.lines.set(concertId, view)
    return view
  }

  /** The highest arrival counter a snapshot of this line gave (0: none). */
  counter(concertId: number): number {
    return this.lines.get(concertId)?.counter ?? 0
  }

  /** The line's settings changed: nothing from memory until the next snapshot. */
  invalidate(concertId: number): void {
    const view = this.lines.get(concertId)
    if (view) view.snapshot = null
  }

  /** A turn ended (left, paid, found abandoned) on some replica; `score` when it left the line. */
  ended(concertId: number, seq: number, score: number | null, now = Date.now()): void {
    const view = this.view(concertId)
    view.forget(seq, now)
    const snap = view.snapshot
    if (score === null || !snap || snap.head.length === 0 || score < snap.head[0]!) return
    // A score inside the head that the head lacks left before the snapshot: already counted.
    const last = snap.head.length - 1
    if (score <= snap.head[last]! && snap.head[search(snap.head, score)] !== score) return
    view.remove(seq, score)
  }

  /** A Redis lookup of this turn answered: remember a waiting place's score. */
  learn(concertId: number, seq: number, state: PlaceState, score: number | null, now = Date.now()): void {
    const view = this.view(concertId)
    if (state.status !== 'WAITING' || score === null || view.forgotten.has(seq)) {
      view.known.delete(seq)
      return
    }
    view.known.set(seq, { score, seenAt: now })
  }

  /** The turn asked for its state on this replica (a poll, or an open stream). */
  touch(concertId: number, seq: number, now = Date.now()): void {
    const known = this.lines.get(concertId)?.known.get(seq)
    if (known) known.seenAt = now
  }

  /** Whether a snapshot of this line is fresh, and its version. */
  version(concertId: number, now = Date.now()): number | null {
    const snap = this.lines.get(concertId)?.snapshot
    return snap && this.fresh(snap, now) ? snap.version : null
  }

  /** The line was opened as of the last snapshot. */
  opened(concertId: number): boolean {
    return this.lines.get(concertId)?.snapshot?.opened ?? false
  }

  /** As of the last snapshot: places free or held (null before the first read), and while sold out, the highest turn it ended. */
  stock(concertId: number): { seatsLeft: number | null; soldOutSeq: number | null } {
    const snap = this.lines.get(concertId)?.snapshot
    return { seatsLeft: snap?.seatsLeft ?? null, soldOutSeq: snap?.soldOutSeq ?? null }
  }

  /** The state of a waiting turn from memory, or null when Redis must be asked. */
  answer(concertId: number, seq: number, now = Date.now()): PlaceState | null {
    const view = this.lines.get(concertId)
    const snap = view?.snapshot
    if (!view || !snap || !this.fresh(snap, now)) return null
    const known = view.known.get(seq)
    if (!known || view.forgotten.has(seq)) return null
    const ghostAfter = snap.line.ghostAfterSeconds
    if (ghostAfter !== null && now - known.seenAt > (ghostAfter * 1000) / 2) return null
    let place: number
    let position: number | null
    if (snap.line.mode === 'random') {
      // No position; the wait of the median place (as status-12.lua). Departures come in `gone`.
      place = Math.ceil(snap.waiting / 2)
      position = null
    } else if (snap.line.mode === 'fifo' || snap.line.mode === 'reject') {
      const rank = this.rankOf(snap, known.score)
      if (rank === null) return null
      place = rank + 1 - view.removedBelow(known.score)
      position = place
    } else {
      return null
    }
    let expiry = 0
    const { maxActive } = snap.line
    if (maxActive !== null && snap.departed === 0 && snap.activeCount > 0) {
      const room = maxActive - snap.activeCount
      if (place > room) {
        if (!snap.expiries || snap.expiries.length !== snap.activeCount) return null
        expiry = snap.expiries[(place - Math.max(room, 0) - 1) % snap.activeCount] ?? 0
      }
    }
    const inputs = { place, activeCount: snap.activeCount, departedLastMinute: snap.departed, expiry }
    return {
      status: 'WAITING',
      position,
      estimatedWaitSeconds: estimateWait(snap.line, inputs, this.config.admitIntervalMs, now),
      ghostAfterSeconds: ghostAfter,
      seatsLeft: snap.seatsLeft,
    }
  }

  /** The 0-based rank of a score in the snapshot, or null when the place is not in the line. */
  private rankOf(snap: Snapshot, score: number): number | null {
    const { head, sampleRanks, sampleScores } = snap
    if (head.length === 0) return null
    if (score < head[0]!) return null
    const last = head.length - 1
    if (score <= head[last]!) {
      const i = search(head, score)
      return head[i] === score ? i : null
    }
    if (head.length >= snap.waiting) {
      // The snapshot holds the whole line: a later score joined since (s counts every arrival).
      return snap.waiting + Math.max(0, score - head[last]! - 1)
    }
    // Between two known (rank, score) points: linear in between, the true rank inside the gap.
    let loRank = last
    let loScore = head[last]!
    const j = search(sampleScores, score)
    if (j < sampleScores.length && sampleScores[j] === score) return sampleRanks[j]!
    if (j > 0) {
      loRank = sampleRanks[j - 1]!
      loScore = sampleScores[j - 1]!
    }
    if (j >= sampleScores.length) return snap.waiting + Math.max(0, score - loScore - 1)
    const hiRank = sampleRanks[j]!
    const hiScore = sampleScores[j]!
    const guess = loRank + Math.round(((hiRank - loRank) * (score - loScore)) / (hiScore - loScore))
    return Math.min(hiRank - 1, Math.max(loRank + 1, guess))
  }

  private fresh(snap: Snapshot, now: number): boolean {
    return now - snap.receivedAt <= STALE_TICKS * this.config.admitIntervalMs
  }
}

/** The first index whose value is >= x (values ascending). */
function search(values: Float64Array, x: number): number {
  let lo = 0
  let hi = values.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (values[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

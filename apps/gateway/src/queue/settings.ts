/**
 * The views of a line (admin and public), its state, and changes to its settings (PATCH), over
 * the settings hash that every line script reads (line-config.ts), so a change holds for joins and
 * views at once, and for admission from the next tick.
 */
import {
  ApiError,
  HELD_BACK_REASONS,
  type HeldBack,
  type LineState,
  type PublicQueue,
  type QueueSettings,
  type QueueSettingsPatch,
} from '@rushgate/shared'
import type { GatewayConfig } from '../config.ts'
import type { LineSizes } from '../metrics.ts'
import type { RedisClient } from '../redis/client.ts'
import type { RedisKeys } from '../redis/keys.ts'
import { newSeed } from './draw.ts'
import { type LineConfig, parseLineConfig, type SETTINGS_FIELDS } from './line-config.ts'
import { PRESENCE_FLUSH_MS } from './presence.ts'
import type { LineRestore } from './line-restore.ts'
import type { LineScripts } from './scripts.ts'
import { estimateWait, POLL_MAX_MS } from './wait.ts'

/** The opening's bookkeeping, from the state hash. */
export interface OpeningBook {
  /** When the line opened: the draw placed, or (without a sale window) its first place taken. */
  openedAt: number | null
  /** The opening has begun and is not over. */
  opening: boolean
  seed: string | null
  seedCommitment: string | null
}

/** What the admission tick last learnt of the stock and did with it, from the state hash. */
export interface StockBook {
  /** Nothing free or held at the last read: every turn up to then has ended. */
  soldOut: boolean
  /** Every date of the concert has begun. */
  datesOver: boolean
  seatsAvailable: number | null
  seatsHeld: number | null
  heldBack: HeldBack
  effectiveAdmitPerTick: number | null
  coreP95Ms: number | null
}

/**
 * CLOSED after closesAt, in reject mode or once every date has begun; then SOLD_OUT while nothing is
 * left to sell; PREQUEUE before opensAt; then PAUSED or OPEN.
 */
export function lineState(line: LineConfig, book: OpeningBook, stock: Pick<StockBook, 'soldOut' | 'datesOver'>, now: number): LineState {
  if (line.mode === 'reject' || stock.datesOver || (line.closesAt !== null && line.closesAt <= now)) return 'CLOSED'
  if (stock.soldOut) return 'SOLD_OUT'
  if (beforeOpening(line, book, now)) return 'PREQUEUE'
  return line.paused ? 'PAUSED' : 'OPEN'
}

const count = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v))

/** The stock's fields of the state hash, in the order view-5.lua reads them. */
const STOCK_FIELDS = ['soldOut', 'datesOver', 'seatsAvailable', 'seatsHeld', 'heldBack', 'effectiveAdmitPerTick', 'coreP95Ms'] as const

function parseStock([soldOut, datesOver, available, held, heldBack, effective, p95]: (string | null | undefined)[]): StockBook {
  return {
    soldOut: soldOut === '1',
    datesOver: datesOver === '1',
    seatsAvailable: count(available),
    seatsHeld: count(held),
    heldBack: HELD_BACK_REASONS.includes(heldBack as never) ? (heldBack as HeldBack) : null,
    effectiveAdmitPerTick: count(effective),
    coreP95Ms: count(p95),
  }
}

function beforeOpening(line: LineConfig, book: OpeningBook, now: number): boolean {
  return book.seedCommitment !== null && book.openedAt === null && !book.opening && line.opensAt !== null && line.opensAt > now
}

interface View {
  line: LineConfig
  book: OpeningBook
  stock: StockBook
  prequeue: number
  waiting: number
  active: number
  admittedTotal: number
  abandonedTotal: number
  state: LineState
  estimatedWaitSeconds: number
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export class LineSettings {
  /** Told after each change, so every replica stops answering from the old settings at once. */
  onChange: (concertId: number) => Promise<void> = async () => {}
  /** Restores a line found gone before a change, and keeps each change at the core (line-restore.ts). */
  restore: Pick<LineRestore, 'ensure' | 'keepSettings'> | null = null

  constructor(
    private readonly redis: RedisClient & LineScripts,
    private readonly keys: RedisKeys,
    private readonly config: GatewayConfig,
  ) {}

  async read(concertId: number): Promise<QueueSettings> {
    const v = await this.view(concertId)
    return {
      concertId,
      waiting: v.prequeue + v.waiting,
      active: v.active,
      admitPerTick: v.line.admitPerTick,
      maxActive: v.line.maxActive,
      activeTtlSeconds: v.line.activeTtlSeconds,
      paused: v.line.paused,
      admittedTotal: v.admittedTotal,
      mode: v.line.mode,
      opensAt: iso(v.line.opensAt),
      closesAt: iso(v.line.closesAt),
      ghostAfterSeconds: v.line.ghostAfterSeconds,
      proofOfWork: v.line.proofOfWork,
      abandonedTotal: v.abandonedTotal,
      state: v.state,
      seedCommitment: v.book.seedCommitment,
      seatsAvailable: v.stock.seatsAvailable,
      seatsHeld: v.stock.seatsHeld,
      heldBack: v.stock.heldBack,
      adaptive: v.line.adaptive,
      targetLatencyMs: v.line.targetLatencyMs,
      // Before the line's first tick: what it would admit.
      effectiveAdmitPerTick: v.stock.effectiveAdmitPerTick ?? v.line.admitPerTick,
      coreP95Ms: v.stock.coreP95Ms,
    }
  }

  /** The line's proof-of-work difficulty (null: none): one HGET, for the challenge route. */
  async proofOfWork(concertId: number): Promise<number | null> {
    const n = Number(await this.redis.hget(this.keys.concert(concertId).settings, 'proofOfWork'))
    return n > 0 ? n : null
  }

  /** What anyone may see of a line; the seed only once the line has opened. */
  async publicView(concertId: number): Promise<PublicQueue> {
    const v = await this.view(concertId)
    return {
      concertId,
      state: v.state,
      mode: v.line.mode,
      opensAt: iso(v.line.opensAt),
      closesAt: iso(v.line.closesAt),
      waiting: v.prequeue + v.waiting,
      active: v.active,
      admitPerTick: v.line.admitPerTick,
      estimatedWaitSeconds: v.estimatedWaitSeconds,
      seedCommitment: v.book.seedCommitment,
      seed: v.book.openedAt !== null ? v.book.seed : null,
      seatsAvailable: v.stock.seatsAvailable,
      seatsHeld: v.stock.seatsHeld,
      heldBack: v.stock.heldBack,
    }
  }

  private async view(concertId: number): Promise<View> {
    const k = this.keys.concert(concertId)
    const now = Date.now()
    const [prequeue, waiting, live, activeCount, departed, expiry, rawConfig, rawBook] = (await this.redis.rgView(
      k.prequeue,
      k.waiting,
      k.active,
      k.settings,
      k.state,
      now,
    )) as [number, number, number, number, number, number, (string | null)[], (string | null)[]]
    const line = parseLineConfig(rawConfig, this.config)
    const [openedAt, opening, seed, seedCommitment, admittedTotal, abandonedTotal, ...stockFields] = rawBook
    const book: OpeningBook = {
      openedAt: openedAt ? Number(openedAt) : null,
      opening: opening === '1',
      seed: seed ?? null,
      seedCommitment: seedCommitment ?? null,
    }
    const stock = parseStock(stockFields)
    // Places are being rebuilt after a loss (line-restore.ts): the tick admits nobody until then.
    if (Number(stockFields[STOCK_FIELDS.length] ?? 0) > now) stock.heldBack = 'REBUILDING'
    const state = lineState(line, book, stock, now)
    // The wait of someone joining now: at the back of the line, or in the pre-queue's draw.
    const inputs = { activeCount, departedLastMinute: departed, expiry }
    let estimatedWaitSeconds: number
    if (state === 'PREQUEUE') {
      const untilOpen = Math.ceil(((line.opensAt ?? now) - now) / 1000)
      estimatedWaitSeconds = untilOpen + estimateWait(line, { ...inputs, place: Math.ceil((prequeue + 1) / 2) }, this.config.admitIntervalMs, now)
    } else {
      const place = line.mode === 'random' ? Math.ceil((waiting + 1) / 2) : waiting + 1
      estimatedWaitSeconds = estimateWait(line, { ...inputs, place }, this.config.admitIntervalMs, now)
    }
    return {
      line,
      book,
      stock,
      prequeue,
      waiting,
      active: live,
      admittedTotal: Number(admittedTotal ?? 0),
      abandonedTotal: Number(abandonedTotal ?? 0),
      state,
      estimatedWaitSeconds,
    }
  }

  /** Waiting (pre-queue included) and active users of each concert, and its stock, as a scrape of the metrics reads them. */
  async sizes(concertIds: number[]): Promise<LineSizes> {
    const now = Date.now()
    const figures = await Promise.all(
      concertIds.map(async (id) => {
        const k = this.keys.concert(id)
        const [prequeue, waiting, active, stock] = await Promise.all([
          this.redis.zcard(k.prequeue),
          this.redis.zcard(k.waiting),
          this.redis.zcount(k.active, `(${now}`, '+inf'),
          this.redis.hmget(k.state, ...STOCK_FIELDS),
        ])
        const { seatsAvailable, seatsHeld, effectiveAdmitPerTick, coreP95Ms, heldBack } = parseStock(stock)
        return [id, { waiting: prequeue + waiting, active, seatsAvailable, seatsHeld, effectiveAdmitPerTick, coreP95Ms, heldBack }] as const
      }),
    )
    return new Map(figures)
  }

  /** Applies a PATCH atomically (scripts/configure-3.lua); 409 ALREADY_OPEN, 400 on closesAt ≤ opensAt. */
  async update(concertId: number, patch: QueueSettingsPatch): Promise<QueueSettings> {
    const k = this.keys.concert(concertId)
    const time = (v: string | null | undefined) => (v === undefined ? '' : v === null ? 'null' : String(Date.parse(v)))
    const fields: string[] = []
    const set = (name: (typeof SETTINGS_FIELDS)[number], value: string | undefined) => {
      if (value !== undefined) fields.push(name, value)
    }
    set('admitPerTick', patch.admitPerTick?.toString())
    set('maxActive', patch.maxActive === undefined ? undefined : String(patch.maxActive ?? 0))
    set('activeTtlSeconds', patch.activeTtlSeconds?.toString())
    set('paused', patch.paused === undefined ? undefined : patch.paused ? '1' : '0')
    set('mode', patch.mode)
    set('proofOfWork', patch.proofOfWork === undefined ? undefined : String(patch.proofOfWork ?? 0))
    set('adaptive', patch.adaptive === undefined ? undefined : patch.adaptive ? '1' : '0')
    set('targetLatencyMs', patch.targetLatencyMs?.toString())
    const { seed, commitment } = newSeed()
    // A change applies to the line as the core keeps it, never to a state Redis lost meanwhile.
    await this.restore?.ensure(concertId)
    const [outcome] = await this.redis.rgConfigure(
      k.settings,
      k.state,
      k.prequeue,
      Date.now(),
      time(patch.opensAt),
      seed,
      commitment,
      time(patch.closesAt),
      patch.ghostAfterSeconds === undefined ? '' : String(patch.ghostAfterSeconds ?? 0),
      this.config.ghostAfterSeconds,
      POLL_MAX_MS,
      PRESENCE_FLUSH_MS + 1000,
      ...fields,
    )
    if (outcome === 'ALREADY_OPEN') {
      throw new ApiError('ALREADY_OPEN', `concert ${concertId}'s line has already opened: opensAt can no longer change`)
    }
    if (outcome === 'CLOSES_BEFORE_OPENS') throw new ApiError('VALIDATION_ERROR', 'closesAt must be after opensAt')
    // Kept at the core before it is answered: a 503 here means "applied, not kept; send it again".
    await this.restore?.keepSettings(concertId)
    await this.onChange(concertId)
    return this.read(concertId)
  }
}

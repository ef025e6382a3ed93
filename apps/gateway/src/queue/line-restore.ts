/**
 * A line whose state Redis lost (a restart without persistence, a flush, a failover to a replica
 * that lacked the last writes) is restored here, by whichever replica or tick finds it first: every
 * line script checks the line's epoch key (redis/keys.ts) and answers VANISHED without it.
 *
 * The core keeps what must outlive Redis (its `/api/lines/:id` record): the settings, the opening's
 * seed and commitment, the highest turn when the concert sold out, the turns ended by a payment.
 * A line the core knows (or this replica remembers) was lost, not new: its paid turns are marked
 * again, the counter restarts above every turn a replica knew of (plus SEQ_MARGIN for the turns
 * issued since it last heard), and the tick admits nobody for REBUILD_GRACE_MS while the fans'
 * tokens put their places back (scripts/status-12.lua). One script (scripts/revive-4.lua) writes
 * it all with the new epoch, so the first caller wins and a line is restored once.
 */
import { randomUUID } from 'node:crypto'
import { ApiError, type LineRecord } from '@rushgate/shared'
import type { FastifyBaseLogger } from 'fastify'
import type { GatewayConfig } from '../config.ts'
import type { CoreClient } from '../core/client.ts'
import type { RedisClient } from '../redis/client.ts'
import type { RedisKeys } from '../redis/keys.ts'
import { SETTINGS_FIELDS } from './line-config.ts'
import type { LineMirror } from './line-mirror.ts'
import type { LineScripts } from './scripts.ts'

/** Turns a line may have issued since a replica last heard its counter (a tick's joins at most). */
export const SEQ_MARGIN = 100_000
/** As long as the gateway's own marker of a paid turn (line.ts). */
const PAID_MARKER_SECONDS = 86_400

export class LineRestore {
  /** Epoch of each line as this replica last met it. */
  private readonly epochs = new Map<number, string>()
  /** The highest turn this replica met per line (tokens, joins), beside what the snapshots say. */
  private readonly highest = new Map<number, number>()
  private readonly running = new Map<number, Promise<void>>()
  /** Sold-out sequences already written through, per line. */
  private readonly soldOutKept = new Map<number, number>()
  /** Tells every replica that a line was restored (line-feed.ts), so none answers from memory. */
  announce: (concertId: number) => Promise<void> = async () => {}

  constructor(
    private readonly redis: RedisClient & LineScripts,
    private readonly keys: RedisKeys,
    private readonly core: Pick<CoreClient, 'line' | 'writeLine' | 'paidTurn'>,
    private readonly mirror: LineMirror,
    private readonly config: GatewayConfig,
    private readonly log: FastifyBaseLogger,
  ) {
    mirror.onEpoch = (concertId, epoch) => this.met(concertId, epoch)
  }

  /** A turn of this line was met (a token presented, a place handed out). */
  seen(concertId: number, seq: number): void {
    if (seq > (this.highest.get(concertId) ?? 0)) this.highest.set(concertId, seq)
  }

  /** The line's epoch as some script or snapshot read it: another one means the line was lost. */
  met(concertId: number, epoch: string): void {
    const known = this.epochs.get(concertId)
    if (known === epoch) return
    this.epochs.set(concertId, epoch)
    if (known !== undefined) this.mirror.drop(concertId)
  }

  /** The lines this replica has met (their snapshots, tokens or scripts). */
  lines(): number[] {
    return [...this.epochs.keys()]
  }

  /** Restores the line if its epoch is missing (once at a time per line on this replica). */
  ensure(concertId: number): Promise<void> {
    let run = this.running.get(concertId)
    if (!run) {
      run = this.restore(concertId).finally(() => this.running.delete(concertId))
      this.running.set(concertId, run)
    }
    return run
  }

  private async restore(concertId: number): Promise<void> {
    const k = this.keys.concert(concertId)
    const current = await this.redis.get(k.epoch)
    if (current) return this.met(concertId, current)
    // 503 when the core cannot say: a line restored without its settings would answer wrongly.
    const record: LineRecord | null = await this.core.line(concertId)
    const highest = Math.max(this.highest.get(concertId) ?? 0, this.mirror.counter(concertId))
    const lost = record?.known === true || this.epochs.has(concertId) || highest > 0
    const now = Date.now()
    if (lost && record) await this.markPaid(concertId, record)
    const settings = record ? Object.entries(record.settings).filter(([f]) => (SETTINGS_FIELDS as readonly string[]).includes(f)) : []
    const [epoch, created] = await this.redis.rgRevive(
      k.epoch,
      k.seq,
      k.settings,
      k.state,
      randomUUID(),
      lost ? now + this.config.rebuildGraceMs : 0,
      highest > 0 ? highest + SEQ_MARGIN : 0,
      record?.seed ?? '',
      record?.seedCommitment ?? '',
      record?.soldOutSeq ?? '',
      ...settings.flat(),
    )
    this.mirror.drop(concertId)
    this.met(concertId, epoch)
    // The set of concerts the tick walks was lost with the line: the line is ticked again at once.
    await this.redis.sadd(this.keys.concerts, String(concertId))
    if (created === 1 && lost) {
      this.log.warn({ concertId, highest }, 'line state was gone from redis: restored; places are rebuilt from tokens')
      await this.announce(concertId)
    }
    // The core learns that the line exists, so that a later loss is known as one.
    if (created === 1 && record && !record.known) {
      await this.core.writeLine(concertId, {}).catch((err: Error) => this.log.warn({ err: err.message, concertId }, 'could not record a new line at the core'))
    }
  }

  private async markPaid(concertId: number, record: LineRecord): Promise<void> {
    for (let i = 0; i < record.paidTurns.length; i += 1000) {
      const pipeline = this.redis.pipeline()
      for (const { userId, seq } of record.paidTurns.slice(i, i + 1000)) {
        pipeline.set(this.keys.paid(concertId, userId, seq), '1', 'EX', PAID_MARKER_SECONDS)
      }
      await pipeline.exec()
    }
  }

  /** Writes the line's settings and opening as Redis now holds them through to the core (a PATCH). */
  async keepSettings(concertId: number): Promise<void> {
    const k = this.keys.concert(concertId)
    const [settings, [seed, seedCommitment]] = await Promise.all([this.redis.hgetall(k.settings), this.redis.hmget(k.state, 'seed', 'seedCommitment')])
    await this.core.writeLine(concertId, { settings, seed: seed ?? null, seedCommitment: seedCommitment ?? null })
  }

  /** The concert sold out with `seq` its highest turn: kept at the core (once per value). */
  async keepSoldOut(concertId: number, seq: number): Promise<void> {
    if ((this.soldOutKept.get(concertId) ?? -1) >= seq) return
    try {
      await this.core.writeLine(concertId, { soldOutSeq: seq })
      this.soldOutKept.set(concertId, seq)
    } catch (err) {
      this.log.warn({ err: (err as Error).message, concertId }, 'could not keep the sold-out sequence at the core; retried next tick')
    }
  }

  /** A turn ended by a payment: kept at the core, so it never comes back after a loss. */
  async keepPaid(concertId: number, user: string, seq: number): Promise<void> {
    try {
      await this.core.paidTurn(concertId, user, seq)
    } catch (err) {
      this.log.error({ err: (err as Error).message, concertId, seq }, 'could not keep a paid turn at the core')
    }
  }
}

/** A script still found the line gone after it was restored: Redis is losing data as we go. */
export function stillGone(concertId: number): ApiError {
  return new ApiError('UPSTREAM_UNAVAILABLE', `concert ${concertId}'s line could not be restored; try again shortly`)
}

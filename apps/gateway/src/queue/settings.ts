/**
 * Per-concert line settings, kept in one Redis hash and read by the admission script at every
 * tick (so a change takes effect from the next tick). A field never written falls back to the
 * environment's default; maxActive is stored as 0 for "no limit".
 */
import type { QueueSettings, QueueSettingsPatch } from '@rushgate/shared'
import type { GatewayConfig } from '../config.ts'
import type { LineSizes } from '../metrics.ts'
import type { RedisClient } from '../redis/client.ts'
import type { RedisKeys } from '../redis/keys.ts'

export class LineSettings {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly config: GatewayConfig,
  ) {}

  /** admitPerTick as the hash holds it (null: never set), with the default applied. */
  admitPerTick(raw: string | number | null | undefined): number {
    if (raw === null || raw === undefined || raw === '') return this.config.admitBatch
    return Number(raw)
  }

  async read(concertId: number): Promise<QueueSettings> {
    const k = this.keys.concert(concertId)
    const results = await this.redis
      .pipeline()
      .hmget(k.settings, 'admitPerTick', 'maxActive', 'activeTtlSeconds', 'paused')
      .zcard(k.waiting)
      .zcount(k.active, `(${Date.now()}`, '+inf')
      .hget(k.state, 'admittedTotal')
      .exec()
    if (!results) throw new Error('Connection is closed.')
    for (const [err] of results) if (err) throw err
    const [admitPerTick, maxActive, activeTtlSeconds, paused] = results[0]![1] as (string | null)[]
    return {
      concertId,
      waiting: Number(results[1]![1]),
      active: Number(results[2]![1]),
      admitPerTick: this.admitPerTick(admitPerTick),
      maxActive: maxActive && Number(maxActive) > 0 ? Number(maxActive) : null,
      activeTtlSeconds: activeTtlSeconds ? Number(activeTtlSeconds) : this.config.activeTtlSeconds,
      paused: paused === '1',
      admittedTotal: Number(results[3]![1] ?? 0),
      // The line has no sale window, modes, abandonment or proof of work yet: their neutral values.
      mode: 'fifo',
      opensAt: null,
      closesAt: null,
      ghostAfterSeconds: null,
      proofOfWork: null,
      abandonedTotal: 0,
      state: paused === '1' ? 'PAUSED' : 'OPEN',
      seedCommitment: null,
    }
  }

  /** Waiting and active users of each concert, as a scrape of the metrics reads them. */
  async sizes(concertIds: number[]): Promise<LineSizes> {
    const now = Date.now()
    const figures = await Promise.all(
      concertIds.map(async (id) => {
        const k = this.keys.concert(id)
        const [waiting, active] = await Promise.all([this.redis.zcard(k.waiting), this.redis.zcount(k.active, `(${now}`, '+inf')])
        return [id, { waiting, active }] as const
      }),
    )
    return new Map(figures)
  }

  async update(concertId: number, patch: QueueSettingsPatch): Promise<QueueSettings> {
    const fields: Record<string, string> = {}
    if (patch.admitPerTick !== undefined) fields.admitPerTick = String(patch.admitPerTick)
    if (patch.maxActive !== undefined) fields.maxActive = String(patch.maxActive ?? 0)
    if (patch.activeTtlSeconds !== undefined) fields.activeTtlSeconds = String(patch.activeTtlSeconds)
    if (patch.paused !== undefined) fields.paused = patch.paused ? '1' : '0'
    await this.redis.hset(this.keys.concert(concertId).settings, fields)
    return this.read(concertId)
  }
}

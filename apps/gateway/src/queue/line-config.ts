/**
 * Per-concert line settings, kept in one Redis hash that every line script reads. A field never
 * written falls back to the environment's default; maxActive, ghostAfterSeconds and proofOfWork
 * are stored as 0 for "none". Times are epoch ms.
 */
import { type QueueMode, TARGET_LATENCY_DEFAULT_MS } from '@rushgate/shared'
import type { GatewayConfig } from '../config.ts'

/** The fields of the settings hash, in the order the scripts read them (scripts/shared.lua). */
export const SETTINGS_FIELDS = [
  'admitPerTick',
  'maxActive',
  'activeTtlSeconds',
  'paused',
  'mode',
  'opensAt',
  'closesAt',
  'ghostAfterSeconds',
  'proofOfWork',
  // Set by a change of ghostAfterSeconds: nobody is taken for gone before this time (ms).
  'ghostJudgeFrom',
  // Adaptive admission: '1' on; the core's p95 (ms) it aims under.
  'adaptive',
  'targetLatencyMs',
] as const

/** A line's settings in force, defaults applied. */
export interface LineConfig {
  admitPerTick: number
  maxActive: number | null
  activeTtlSeconds: number
  paused: boolean
  mode: QueueMode
  opensAt: number | null
  closesAt: number | null
  ghostAfterSeconds: number | null
  proofOfWork: number | null
  adaptive: boolean
  targetLatencyMs: number
}

/** The settings hash as a script answers it (SETTINGS_FIELDS order, null where unset). */
export function parseLineConfig(raw: readonly unknown[], config: GatewayConfig): LineConfig {
  const [admitPerTick, maxActive, activeTtlSeconds, paused, mode, opensAt, closesAt, ghostAfter, proofOfWork, , adaptive, targetLatencyMs] =
    raw as (string | null)[]
  const positive = (v: string | null | undefined) => (v && Number(v) > 0 ? Number(v) : null)
  return {
    admitPerTick: admitPerTick ? Number(admitPerTick) : config.admitBatch,
    maxActive: positive(maxActive),
    activeTtlSeconds: activeTtlSeconds ? Number(activeTtlSeconds) : config.activeTtlSeconds,
    paused: paused === '1',
    mode: (mode as QueueMode | null) ?? 'fifo',
    opensAt: opensAt ? Number(opensAt) : null,
    closesAt: closesAt ? Number(closesAt) : null,
    ghostAfterSeconds: positive(ghostAfter ?? String(config.ghostAfterSeconds)),
    proofOfWork: positive(proofOfWork),
    adaptive: adaptive === '1',
    targetLatencyMs: positive(targetLatencyMs) ?? TARGET_LATENCY_DEFAULT_MS,
  }
}


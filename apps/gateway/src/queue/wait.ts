/**
 * How long a place will wait, and when its client should ask again: the one place these rules
 * are written (the token state, the public view and the 403 of a waiting token all use them).
 */
import type { LineConfig } from './line-config.ts'

/**
 * estimatedWaitSeconds when the line does not move (admitPerTick 0), and the cap of every
 * estimate: a day, large but finite, fits the schema and tells a client "not soon".
 */
export const STALLED_WAIT_SECONDS = 86_400
export const POLL_MIN_MS = 1000
/** The longest pollAfterMs a waiting or pre-queue client is told (before the ghostAfterSeconds cap). */
export const POLL_MAX_MS = 15_000

/** What a script reads for an estimate (waitInputs in scripts/shared.lua). */
export interface WaitInputs {
  /** The place the estimate is for: 1 = next (the median of the line in random mode). */
  place: number
  /** Users in the active set (expired ones not yet dropped included). */
  activeCount: number
  /** Users who left the active set over about the last minute (counted by the tick). */
  departedLastMinute: number
  /**
   * When maxActive binds and nobody left: the end (epoch ms) of the active turn whose slot this
   * place waits for; 0 otherwise.
   */
  expiry: number
}

/**
 * From the admission rate: ceil(place / admitPerTick) ticks — paused or not. While maxActive is
 * what holds admission back (the place is beyond the free slots), the places beyond them move as
 * fast as active users actually left over the last minute; if none left, as the active turns run
 * out (each slot frees once per activeTtlSeconds). The larger of the two counts.
 */
export function estimateWait(line: LineConfig, w: WaitInputs, admitIntervalMs: number, now: number): number {
  if (line.admitPerTick <= 0) return STALLED_WAIT_SECONDS
  if (w.place <= 0) return 0
  const byRate = Math.ceil((Math.ceil(w.place / line.admitPerTick) * admitIntervalMs) / 1000)
  let seconds = byRate
  if (line.maxActive !== null) {
    const room = Math.max(0, line.maxActive - w.activeCount)
    if (w.place > room) {
      // The n-th departure from now lets this place in.
      const n = w.place - room
      let byLeaving: number
      if (w.departedLastMinute > 0) {
        byLeaving = Math.ceil((n * 60) / w.departedLastMinute)
      } else if (w.activeCount > 0 && w.expiry > 0) {
        const cycles = Math.floor((n - 1) / w.activeCount)
        byLeaving = Math.ceil((Math.max(0, w.expiry - now) + admitIntervalMs) / 1000 + cycles * line.activeTtlSeconds)
      } else {
        // Nobody active yet: the first maxActive go in, and each slot frees after a whole turn.
        byLeaving = byRate + Math.ceil(n / line.maxActive) * line.activeTtlSeconds
      }
      seconds = Math.max(seconds, byLeaving)
    }
  }
  return Math.min(seconds, STALLED_WAIT_SECONDS)
}

/**
 * When to ask again: a fifth of the expected wait (about 1 s near the front, rarely far back); in
 * the pre-queue half the time to the opening (so the place is learnt soon after it); once active,
 * a quarter of the time left. Never longer than a fifth of ghostAfterSeconds, so that a client
 * that does as told is never taken for gone.
 */
export function pollAfterMs(
  what: { status: 'WAITING'; waitSeconds: number } | { status: 'PREQUEUE'; untilOpenMs: number } | { status: 'ACTIVE'; leftMs: number },
  ghostAfterSeconds: number | null,
): number {
  let ms: number
  if (what.status === 'WAITING') ms = clamp(Math.floor((what.waitSeconds * 1000) / 5), POLL_MIN_MS, POLL_MAX_MS)
  else if (what.status === 'PREQUEUE') ms = clamp(Math.floor(what.untilOpenMs / 2), POLL_MIN_MS, POLL_MAX_MS)
  else ms = clamp(Math.floor(what.leftMs / 4), POLL_MIN_MS, POLL_MAX_MS * 2)
  return ghostAfterSeconds === null ? ms : Math.min(ms, ghostAfterSeconds * 200)
}

function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, n))
}

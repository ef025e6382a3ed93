/**
 * The waiting line of each concert: enter, look up, leave, and end after a payment. Each is
 * one Lua script, so one Redis round trip (see ./scripts/).
 */
import { type QueueTokenState, queueTokenExpired } from '@rushgate/shared'
import type { GatewayConfig } from '../config.ts'
import type { RedisKeys } from '../redis/keys.ts'
import type { LineScripts } from './scripts.ts'
import type { LineSettings } from './settings.ts'
import type { TokenClaims, TokenSigner } from './tokens.ts'

/** How long the "ended by a payment" marker of a turn is kept. */
const PAID_MARKER_SECONDS = 86_400
/**
 * estimatedWaitSeconds when admitPerTick is 0 (the line does not move): a day, a large but
 * finite figure that still fits the schema and tells a client "not soon".
 */
export const STALLED_WAIT_SECONDS = 86_400
const POLL_MIN_MS = 1000
const POLL_MAX_MS = 15_000

export type LineState =
  | { status: 'ACTIVE'; activeUntil: number }
  | { status: 'WAITING'; position: number; estimatedWaitSeconds: number }
  | { status: 'PAID' }
  | { status: 'EXPIRED' }

export class WaitingLine {
  constructor(
    private readonly redis: LineScripts,
    private readonly keys: RedisKeys,
    readonly signer: TokenSigner,
    private readonly settings: LineSettings,
    private readonly config: GatewayConfig,
  ) {}

  /** Enters the user (201) or returns the live token they already hold (200). */
  async enter(user: string, concertId: number): Promise<{ created: boolean; state: QueueTokenState }> {
    const k = this.keys.concert(concertId)
    const [seq, created, status, value, admitPerTick] = await this.redis.rgEnter(
      k.waiting,
      k.active,
      k.activeSeq,
      k.seq,
      k.settings,
      user,
      Date.now(),
    )
    const state: LineState =
      status === 'ACTIVE'
        ? { status: 'ACTIVE', activeUntil: Number(value) }
        : this.waiting(Number(value) + 1, admitPerTick)
    // The same turn signs into the same token: a re-entry gets back the string it already holds.
    const token = this.signer.issue(user, concertId, Number(seq))
    return { created: created === 1, state: this.toResponse(token, concertId, state) }
  }

  /** The state of a token whose signature, user and concert were already checked. */
  async lookup(claims: TokenClaims): Promise<LineState> {
    const k = this.keys.concert(claims.concertId)
    const reply = await this.redis.rgStatus(
      k.waiting,
      k.active,
      k.activeSeq,
      k.settings,
      this.keys.paid(claims.concertId, claims.user, claims.seq),
      claims.user,
      claims.seq,
      Date.now(),
    )
    switch (reply[0]) {
      case 'ACTIVE':
        return { status: 'ACTIVE', activeUntil: Number(reply[1]) }
      case 'WAITING':
        return this.waiting(Number(reply[1]) + 1, reply[2])
      case 'PAID':
        return { status: 'PAID' }
      default:
        return { status: 'EXPIRED' }
    }
  }

  /** Leaves the line or frees the active slot; false when the token had already ended. */
  async leave(claims: TokenClaims): Promise<boolean> {
    const k = this.keys.concert(claims.concertId)
    return (await this.redis.rgLeave(k.waiting, k.active, k.activeSeq, claims.user, claims.seq, Date.now())) === 1
  }

  /** Ends the token's turn after a successful payment and remembers that it was paid. */
  async finishPaid(claims: TokenClaims): Promise<void> {
    const k = this.keys.concert(claims.concertId)
    await this.redis.rgFinishPaid(
      k.waiting,
      k.active,
      k.activeSeq,
      this.keys.paid(claims.concertId, claims.user, claims.seq),
      claims.user,
      claims.seq,
      PAID_MARKER_SECONDS,
    )
  }

  toResponse(token: string, concertId: number, state: LineState): QueueTokenState {
    if (state.status === 'ACTIVE') {
      const left = state.activeUntil - Date.now()
      return {
        token,
        concertId,
        status: 'ACTIVE',
        position: null,
        estimatedWaitSeconds: 0,
        activeUntil: new Date(state.activeUntil).toISOString(),
        opensAt: null,
        // An active user mostly needs to learn when the slot ends; no need to ask often.
        pollAfterMs: clamp(Math.floor(left / 4), POLL_MIN_MS, POLL_MAX_MS * 2),
      }
    }
    if (state.status !== 'WAITING') throw queueTokenExpired(state.status)
    return {
      token,
      concertId,
      status: 'WAITING',
      position: state.position,
      estimatedWaitSeconds: state.estimatedWaitSeconds,
      activeUntil: null,
      opensAt: null,
      // A fifth of the expected wait: about 1 s near the front, rarely far back.
      pollAfterMs: clamp(Math.floor((state.estimatedWaitSeconds * 1000) / 5), POLL_MIN_MS, POLL_MAX_MS),
    }
  }

  private waiting(position: number, rawAdmitPerTick: string | number | null | undefined): LineState {
    return { status: 'WAITING', position, estimatedWaitSeconds: this.estimate(position, rawAdmitPerTick) }
  }

  /** From the configured rate, paused or not: ceil(position / admitPerTick) ticks. */
  estimate(position: number, rawAdmitPerTick: string | number | null | undefined): number {
    const perTick = this.settings.admitPerTick(rawAdmitPerTick)
    if (perTick <= 0) return STALLED_WAIT_SECONDS
    const seconds = Math.ceil((Math.ceil(position / perTick) * this.config.admitIntervalMs) / 1000)
    return Math.min(seconds, STALLED_WAIT_SECONDS)
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, n))
}

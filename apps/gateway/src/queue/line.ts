/**
 * The waiting line of each concert: enter, look up, leave, and end after a payment. Each is
 * one Lua script, so one Redis round trip (see ./scripts/); the joins of one turn share theirs.
 */
import { ApiError, type ExpiredReason, type QueueTokenState, queueTokenExpired } from '@rushgate/shared'
import type { GatewayConfig } from '../config.ts'
import type { Metrics } from '../metrics.ts'
import type { RedisKeys } from '../redis/keys.ts'
import type { Replication } from '../redis/replication.ts'
import type { ScriptReply } from '../redis/scripts.ts'
import type { LineMirror } from './line-mirror.ts'
import type { JoinProof } from './join-guard.ts'
import type { PlaceState } from './place-state.ts'
import type { Presence } from './presence.ts'
import type { LineScripts } from './scripts.ts'
import { JoinBatches } from './join-batches.ts'
import { type LineConfig, parseLineConfig } from './line-config.ts'
import { type LineRestore, stillGone } from './line-restore.ts'
import type { TokenClaims, TokenSigner } from './tokens.ts'
import { estimateWait, pollAfterMs } from './wait.ts'

/** How long the "ended by a payment" marker of a turn is kept. */
const PAID_MARKER_SECONDS = 86_400

const REFUSALS = new Set(['SOLD_OUT', 'CLOSED', 'PROOF_REQUIRED', 'PROOF_INVALID', 'JOIN_LIMITED'])

/** The error of an enter script's refusal. */
function refusal(reply: ScriptReply, concertId: number, proof: JoinProof, limit: number, windowLeftMs: number): ApiError {
  switch (reply[0]) {
    case 'PROOF_REQUIRED':
      return new ApiError('PROOF_OF_WORK_REQUIRED', `concert ${concertId}'s line asks for a proof of work (X-Proof-Of-Work) to take a new place`)
    case 'PROOF_INVALID':
      return new ApiError(
        'PROOF_OF_WORK_INVALID',
        proof.kind === 'invalid' ? proof.message : 'X-Proof-Of-Work was not accepted: this solution was already used',
      )
    case 'JOIN_LIMITED':
      return new JoinLimitError(limit, Math.max(1, Math.ceil(windowLeftMs / 1000)))
    case 'SOLD_OUT':
      return new ApiError('SOLD_OUT', `concert ${concertId} is sold out: every place is sold`)
    default:
      return new ApiError('QUEUE_CLOSED', `concert ${concertId}'s line takes no new places`)
  }
}

export interface EnterOptions {
  /**
   * The caller's proof of work (join-guard.ts). A line with `proofOfWork` set creates no new place
   * without a valid one, and spends it when it does; an existing place is returned either way.
   */
  proof: JoinProof
  /** The client address, counted against JOIN_LIMIT_PER_MINUTE when a new place is taken. */
  address: string
}

/** Tells every replica that a turn ended (line-feed.ts). */
export interface EndedAnnouncer {
  /** `score`: the place's score in `waiting` when the turn left the line there, else null. */
  ended(concertId: number, seq: number, score: number | null): Promise<void>
}

/** A join refused because its client address took JOIN_LIMIT_PER_MINUTE new places this minute. */
export class JoinLimitError extends ApiError {
  constructor(
    limit: number,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', `more than ${limit} new places a minute from this client address; retry in ${retryAfterSeconds} seconds`)
  }
}

const MINUTE_MS = 60_000

export class WaitingLine {
  private announcer: EndedAnnouncer | null = null
  private readonly joins: JoinBatches
  private replication: Replication | null = null
  /** Called when an enter found nobody ahead (the line may have been idle: idle-lines.ts). */
  onFirstPlace: (concertId: number) => Promise<void> = async () => {}

  constructor(
    private readonly redis: LineScripts,
    private readonly keys: RedisKeys,
    readonly signer: TokenSigner,
    private readonly presence: Presence,
    private readonly metrics: Pick<Metrics, 'admissions' | 'abandoned'>,
    private readonly config: GatewayConfig,
    /** What this replica knows of each line since the last tick (polls of waiting places). */
    readonly mirror: LineMirror,
    /** Restores a line whose state Redis lost. */
    private readonly restore: LineRestore,
  ) {
    this.joins = new JoinBatches(redis, keys, config, (concertId) => restore.ensure(concertId))
  }

  /** REDIS_WAIT_REPLICAS: joins and leaves are answered once the replicas have them. */
  replicateWith(replication: Replication): void {
    this.replication = replication
    this.joins.replication = replication
  }

  announceEndsWith(announcer: EndedAnnouncer): void {
    this.announcer = announcer
  }

  /** Enters the user (201) or returns the live token they already hold (200). */
  async enter(user: string, concertId: number, opts: EnterOptions): Promise<{ created: boolean; state: QueueTokenState }> {
    const { proof } = opts
    // The proof and the address's count are settled in the same script, and only for a new place:
    // a join costs one round trip whether or not the line asks for a proof of work, shared with
    // the other joins of this turn (join-batches.ts).
    const { reply, line, now } = await this.joins.enter(concertId, { user, proof, address: opts.address })
    const concert = String(concertId)
    const refused = typeof reply[0] === 'string' && REFUSALS.has(reply[0])
    // An abandoned place of this user was found and ended on the way (the flag ends the reply).
    if (reply[refused ? 1 : 11] === 1) this.metrics.abandoned.inc({ concert })
    if (refused) {
      const minute = Math.floor(now / MINUTE_MS)
      throw refusal(reply, concertId, proof, this.config.joinLimitPerMinute, (minute + 1) * MINUTE_MS - now)
    }
    const created = reply[2] === 1
    this.restore.seen(concertId, Number(reply[1]))
    // Alone at the front (the place estimate is 1), or active at once: the line may be waking up.
    if (reply[0] === 'ACTIVE' ? created : Number(reply[4]) <= 1) await this.onFirstPlace(concertId)
    const state = this.place(reply, now, line)
    if (created && state.status === 'ACTIVE') this.metrics.admissions.inc({ concert })
    // The same turn signs into the same token: a re-entry gets back the string it already holds.
    const token = this.signer.issue(user, concertId, Number(reply[1]))
    return { created, state: this.toResponse(token, concertId, state) }
  }

  /**
   * The state of a token whose signature, user and concert were already checked; a place Redis
   * lost is rebuilt from it (scripts/status-12.lua), after the line itself (line-restore.ts).
   */
  async lookup(claims: TokenClaims): Promise<PlaceState> {
    this.restore.seen(claims.concertId, claims.seq)
    let reply = await this.status(claims)
    if (reply[0] === 'VANISHED') {
      await this.restore.ensure(claims.concertId)
      reply = await this.status(claims)
      if (reply[0] === 'VANISHED') throw stillGone(claims.concertId)
    }
    const now = Date.now()
    if (reply.length < 10) {
      if (reply[1] === 1) {
        this.metrics.abandoned.inc({ concert: String(claims.concertId) })
        await this.announcer?.ended(claims.concertId, claims.seq, reply[2] == null ? null : Number(reply[2]))
      }
      this.mirror.learn(claims.concertId, claims.seq, { status: 'ENDED', reason: reply[0] as ExpiredReason }, null, now)
      return { status: 'ENDED', reason: reply[0] as ExpiredReason }
    }
    const state = this.place(reply, now)
    const score = reply.length > 11 && reply[11] !== null ? Number(reply[11]) : null
    this.mirror.learn(claims.concertId, claims.seq, state, score, now)
    return state
  }

  private status(claims: TokenClaims): Promise<ScriptReply> {
    const k = this.keys.concert(claims.concertId)
    return this.redis.rgStatus(
      k.prequeue,
      k.waiting,
      k.active,
      k.activeSeq,
      k.settings,
      k.state,
      k.seen,
      k.ended,
      this.keys.paid(claims.concertId, claims.user, claims.seq),
      k.epoch,
      k.rebuilt,
      k.seq,
      claims.user,
      claims.seq,
      Date.now(),
      this.config.ghostAfterSeconds,
      '1',
      claims.activeUntil ?? '',
      this.config.rebuildGraceMs,
    )
  }

  /**
   * A client asking for its state (GET …/tokens/current): from memory for a waiting place this
   * replica already knows (line-mirror.ts), else the lookup; and the place counts as present
   * (marked in memory, written in the next presence flush).
   */
  poll(claims: TokenClaims): PlaceState | Promise<PlaceState> {
    // No promise when memory answers: this is the hottest path of a rush.
    const remembered = this.mirror.answer(claims.concertId, claims.seq)
    if (remembered) return this.asked(claims, remembered)
    return this.lookup(claims).then((state) => this.asked(claims, state))
  }

  private asked(claims: TokenClaims, state: PlaceState): PlaceState {
    if (state.status === 'WAITING' || state.status === 'PREQUEUE') this.markPresent(claims)
    return state
  }

  /** The place was asked for (a poll, an open stream): batched to Redis by the presence flush. */
  markPresent(claims: TokenClaims): void {
    this.presence.markSeen(claims.concertId, claims.seq)
    this.mirror.touch(claims.concertId, claims.seq)
  }

  /** Leaves the line or frees the active slot; null when done, else why the token had already ended. */
  async leave(claims: TokenClaims): Promise<ExpiredReason | null> {
    const k = this.keys.concert(claims.concertId)
    const [left, detail] = await this.redis.rgLeave(
      k.prequeue,
      k.waiting,
      k.active,
      k.activeSeq,
      k.ended,
      this.keys.paid(claims.concertId, claims.user, claims.seq),
      claims.user,
      claims.seq,
      Date.now(),
    )
    if (left !== 1) return detail as ExpiredReason
    await this.replication?.after(claims.concertId)
    await this.announcer?.ended(claims.concertId, claims.seq, detail == null ? null : Number(detail))
    return null
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
    await Promise.all([this.announcer?.ended(claims.concertId, claims.seq, null), this.restore.keepPaid(claims.concertId, claims.user, claims.seq)])
  }

  toResponse(token: string, concertId: number, state: PlaceState): QueueTokenState {
    const now = Date.now()
    switch (state.status) {
      case 'ENDED':
        throw queueTokenExpired(state.reason)
      case 'ACTIVE':
        return {
          // The admitted turn's token carries its activeUntil: proof of the turn if Redis loses it.
          token: this.activeToken(token, state.activeUntil),
          concertId,
          status: 'ACTIVE',
          position: null,
          estimatedWaitSeconds: 0,
          activeUntil: new Date(state.activeUntil).toISOString(),
          opensAt: null,
          pollAfterMs: pollAfterMs({ status: 'ACTIVE', leftMs: state.activeUntil - now }, state.ghostAfterSeconds),
          seatsLeft: null,
        }
      case 'PREQUEUE':
        return {
          token,
          concertId,
          status: 'PREQUEUE',
          position: null,
          estimatedWaitSeconds: state.estimatedWaitSeconds,
          activeUntil: null,
          opensAt: state.opensAt === null ? null : new Date(state.opensAt).toISOString(),
          pollAfterMs: pollAfterMs({ status: 'PREQUEUE', untilOpenMs: (state.opensAt ?? now) - now }, state.ghostAfterSeconds),
          seatsLeft: state.seatsLeft,
        }
      case 'WAITING':
        return {
          token,
          concertId,
          status: 'WAITING',
          position: state.position,
          estimatedWaitSeconds: state.estimatedWaitSeconds,
          activeUntil: null,
          opensAt: null,
          pollAfterMs: pollAfterMs({ status: 'WAITING', waitSeconds: state.estimatedWaitSeconds }, state.ghostAfterSeconds),
          seatsLeft: state.seatsLeft,
        }
    }
  }

  /** The token of an admitted turn, `activeUntil` signed in (the same string while it holds). */
  private activeToken(token: string, activeUntil: number): string {
    const claims = this.signer.verify(token)
    if (!claims || claims.activeUntil === activeUntil) return token
    return this.signer.issue(claims.user, claims.concertId, claims.seq, activeUntil)
  }

  /** A live place from a script's placeReply (scripts/shared.lua); `known`: its settings, already read. */
  private place(reply: ScriptReply, now: number, known?: LineConfig): PlaceState {
    const [status, , , position, place, activeUntil, activeCount, departed, expiry, seats, rawConfig] = reply as [
      string,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      (string | null)[],
    ]
    const line = known ?? parseLineConfig(rawConfig, this.config)
    const ghostAfterSeconds = line.ghostAfterSeconds
    if (status === 'ACTIVE') return { status, activeUntil, ghostAfterSeconds }
    const wait = estimateWait(line, { place, activeCount, departedLastMinute: departed, expiry }, this.config.admitIntervalMs, now)
    const seatsLeft = seats >= 0 ? seats : null
    if (status === 'PREQUEUE') {
      const untilOpen = line.opensAt === null ? 0 : Math.max(0, Math.ceil((line.opensAt - now) / 1000))
      return { status, opensAt: line.opensAt, estimatedWaitSeconds: untilOpen + wait, ghostAfterSeconds, seatsLeft }
    }
    return { status: 'WAITING', position: position > 0 ? position : null, estimatedWaitSeconds: wait, ghostAfterSeconds, seatsLeft }
  }
}

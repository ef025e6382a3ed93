/**
 * The open event streams of this process (GET …/tokens/current/events). Nothing here costs a
 * Redis call per stream per tick:
 * - positions come from the tick's snapshot (line-feed.ts → line-mirror.ts): on each snapshot every
 *   stream of that line is placed from memory and told when its status, position or seatsLeft
 *   changed;
 * - a snapshot that says the concert sold out ends every waiting and pre-queue stream of a turn up
 *   to its soldOutSeq from memory (`end`, SOLD_OUT: the tick ended those turns in Redis before it
 *   published); an active one asks Redis, where a payment made meanwhile wins (PAID);
 * - only a stream whose place left the line (admitted, or named by an ended-turn message) asks
 *   Redis once, a bounded number at a time, and gets its new state or its `end`;
 * - ONE timer for all streams: every SWEEP_MS it writes a comment to the streams idle for
 *   COMMENT_MS, marks the waiting ones present (in memory; the presence flush batches them into one
 *   BITFIELD per concert) every quarter of ghostAfterSeconds, and looks up the active ones whose
 *   time ran out. Without a fresh snapshot (no admission running), a stream asks Redis as often as
 *   its poll would (pollAfterMs).
 * Writes go to the raw response (the headers, the close and the lifecycle are @fastify/sse's); a
 * client that reads nothing for MAX_BUFFERED bytes is dropped rather than buffered for ever.
 */
import { type ApiError, queueTokenExpired, type QueueTokenState } from '@rushgate/shared'
import type { FastifyBaseLogger, FastifyReply } from 'fastify'
import type { FeedListener } from './line-feed.ts'
import type { LineMirror } from './line-mirror.ts'
import type { WaitingLine } from './line.ts'
import type { PlaceState } from './place-state.ts'
import type { TokenClaims } from './tokens.ts'

const SWEEP_MS = 1000
/** A comment at least this often (the contract's "at least every 20 s"). */
export const COMMENT_MS = 15_000
/** Lookups of streams in flight at once: a tick that admits many does not burst Redis. */
const LOOKUPS_AT_ONCE = 32
/** Bytes a stream may have waiting in its socket before it is dropped. */
const MAX_BUFFERED = 64 * 1024
/** Presence marks of a stream when its line has no ghostAfterSeconds (only for the tidy-up). */
const MARK_WITHOUT_GHOST_MS = 60_000

type LiveState = Exclude<PlaceState, { status: 'ENDED' }>

interface Stream {
  readonly claims: TokenClaims
  readonly token: string
  readonly reply: FastifyReply
  state: LiveState
  pollAfterMs: number
  lastWriteAt: number
  markedAt: number
  lookedUpAt: number
  busy: boolean
  again: boolean
  closed: boolean
}

export class EventStreams implements FeedListener {
  /** concert → turn → its streams (a user may listen from several tabs). */
  private readonly lines = new Map<number, Map<number, Set<Stream>>>()
  private count = 0
  private timer: NodeJS.Timeout | null = null
  private running = 0
  private readonly queued: Stream[] = []

  constructor(
    private readonly line: WaitingLine,
    private readonly mirror: LineMirror,
    private readonly log: FastifyBaseLogger,
  ) {}

  get size(): number {
    return this.count
  }

  start(): void {
    this.timer ??= setInterval(() => this.sweep(), SWEEP_MS)
    this.timer.unref()
  }

  /** Starts a stream with the state just looked up: headers, the first `state`, then pushes. */
  open(claims: TokenClaims, token: string, reply: FastifyReply, state: LiveState): void {
    const now = Date.now()
    const stream: Stream = {
      claims,
      token,
      reply,
      state,
      pollAfterMs: 0,
      lastWriteAt: now,
      markedAt: now,
      lookedUpAt: now,
      busy: false,
      again: false,
      closed: false,
    }
    reply.sse.keepAlive()
    reply.sse.sendHeaders(200)
    reply.sse.onClose(() => this.remove(stream))
    this.add(stream)
    this.sendState(stream, state)
  }

  /** A tick's snapshot of this line arrived: place every stream of it from memory. */
  snapshot(concertId: number, gone: number[]): void {
    const turns = this.lines.get(concertId)
    if (!turns) return
    const { seatsLeft, soldOutSeq } = this.mirror.stock(concertId)
    if (soldOutSeq !== null) {
      for (const [seq, streams] of turns) {
        if (seq > soldOutSeq) continue
        for (const stream of streams) {
          // A stream whose lookup is in flight may have been admitted meanwhile (and paid, which wins).
          if (stream.state.status === 'ACTIVE' || stream.busy) this.lookUp(stream)
          else this.end(stream, queueTokenExpired('SOLD_OUT'))
        }
      }
    }
    for (const seq of gone) for (const s of turns.get(seq) ?? []) this.lookUp(s)
    const now = Date.now()
    const opened = this.mirror.opened(concertId)
    for (const streams of turns.values()) {
      for (const stream of streams) {
        if (stream.busy) continue
        const before = stream.state
        if (before.status === 'WAITING') {
          const state = this.mirror.answer(concertId, stream.claims.seq, now)
          if (state === null) this.lookUp(stream)
          else if (state.status === 'WAITING' && (state.position !== before.position || state.seatsLeft !== before.seatsLeft)) this.sendState(stream, state)
          else stream.state = state as LiveState
        } else if (before.status === 'PREQUEUE') {
          if (opened) this.lookUp(stream)
          else if (seatsLeft !== before.seatsLeft) this.sendState(stream, { ...before, seatsLeft })
        }
      }
    }
  }

  /** Turn `seq` ended on some replica: its streams learn how from Redis, and end. */
  ended(concertId: number, seq: number): void {
    for (const s of this.lines.get(concertId)?.get(seq) ?? []) this.lookUp(s)
  }

  /** Ends every stream (the app is closing): a stream must not hold the server open. */
  closeAll(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    for (const turns of this.lines.values()) for (const streams of turns.values()) for (const s of streams) this.close(s)
    this.queued.length = 0
  }

  private sweep(): void {
    const now = Date.now()
    for (const [concertId, turns] of this.lines) {
      const fresh = this.mirror.version(concertId, now) !== null
      for (const streams of turns.values()) {
        for (const stream of streams) {
          const { state } = stream
          if (state.status === 'ACTIVE') {
            if (now >= state.activeUntil) this.lookUp(stream)
          } else {
            const ghost = state.ghostAfterSeconds
            const markEvery = ghost === null ? MARK_WITHOUT_GHOST_MS : Math.max(200, (ghost * 1000) / 4)
            if (now - stream.markedAt >= markEvery) {
              stream.markedAt = now
              this.line.markPresent(stream.claims)
            }
            if (!fresh && now - stream.lookedUpAt >= stream.pollAfterMs) this.lookUp(stream)
          }
          if (now - stream.lastWriteAt >= COMMENT_MS) this.write(stream, ':\n\n', now)
        }
      }
    }
  }

  /** Asks Redis for this stream's state (at most LOOKUPS_AT_ONCE at a time), then tells it. */
  private lookUp(stream: Stream): void {
    if (stream.closed) return
    if (stream.busy) {
      stream.again = true
      return
    }
    stream.busy = true
    if (this.running >= LOOKUPS_AT_ONCE) this.queued.push(stream)
    else this.run(stream)
  }

  private run(stream: Stream): void {
    this.running++
    stream.lookedUpAt = Date.now()
    this.line
      .lookup(stream.claims)
      .then(
        (state) => this.apply(stream, state),
        (err: Error) => this.log.debug({ err: err.message }, 'event stream lookup failed; retried at its next turn'),
      )
      .finally(() => {
        this.running--
        stream.busy = false
        if (stream.again && !stream.closed) {
          stream.again = false
          this.lookUp(stream)
        }
        const next = this.queued.shift()
        if (next) this.run(next)
      })
  }

  private apply(stream: Stream, state: PlaceState): void {
    if (stream.closed) return
    if (state.status === 'ENDED') {
      this.end(stream, queueTokenExpired(state.reason))
      return
    }
    const before = stream.state
    const changed =
      state.status !== before.status ||
      (state.status === 'WAITING' && before.status === 'WAITING' && (state.position !== before.position || state.seatsLeft !== before.seatsLeft)) ||
      (state.status === 'PREQUEUE' && before.status === 'PREQUEUE' && state.seatsLeft !== before.seatsLeft) ||
      (state.status === 'ACTIVE' && before.status === 'ACTIVE' && state.activeUntil !== before.activeUntil)
    if (changed) this.sendState(stream, state)
    else stream.state = state
  }

  private sendState(stream: Stream, state: LiveState): void {
    stream.state = state
    const body: QueueTokenState = this.line.toResponse(stream.token, stream.claims.concertId, state)
    stream.pollAfterMs = body.pollAfterMs
    this.write(stream, `event: state\ndata: ${JSON.stringify(body)}\n\n`, Date.now())
  }

  private end(stream: Stream, error: ApiError): void {
    this.write(stream, `event: end\ndata: ${JSON.stringify(error.toBody())}\n\n`, Date.now())
    this.close(stream)
  }

  private write(stream: Stream, text: string, now: number): void {
    if (stream.closed) return
    const raw = stream.reply.raw
    if (raw.writableLength > MAX_BUFFERED) {
      this.close(stream)
      return
    }
    stream.lastWriteAt = now
    raw.write(text)
  }

  private close(stream: Stream): void {
    if (stream.closed) return
    this.remove(stream)
    stream.reply.sse.close()
  }

  private add(stream: Stream): void {
    const { concertId, seq } = stream.claims
    let turns = this.lines.get(concertId)
    if (!turns) {
      turns = new Map()
      this.lines.set(concertId, turns)
    }
    let streams = turns.get(seq)
    if (!streams) {
      streams = new Set()
      turns.set(seq, streams)
    }
    streams.add(stream)
    this.count++
  }

  private remove(stream: Stream): void {
    if (stream.closed) return
    stream.closed = true
    this.count--
    const { concertId, seq } = stream.claims
    const turns = this.lines.get(concertId)
    const streams = turns?.get(seq)
    if (!turns || !streams) return
    streams.delete(stream)
    if (streams.size === 0) turns.delete(seq)
    if (turns.size === 0) this.lines.delete(concertId)
  }
}

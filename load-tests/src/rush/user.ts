/**
 * One virtual user of the rush, an async task: charge a balance, join the line, listen to the
 * token's event stream as the page does (or poll as `pollAfterMs` says), and once ACTIVE read the
 * dates and seats, hold free seats (another after a 409), pay. Told that the concert sold out (the
 * stream's `end`, a 410 or a 409 with SOLD_OUT), it stops: `sold-out`, with the time it learnt it.
 * Admitted to dates that have nothing left, it leaves: `empty-map`.
 * Some users follow a plan of their own: a greedy one tries for one seat more than the concert's
 * ticket limit (and is told TICKET_LIMIT_REACHED), a fickle one refunds right after paying and lines
 * up again for one seat — so refunded seats go back on sale while the rush still runs.
 * On a seating plan a fan buys its group's places at once instead (fan.ts).
 * Everything it saw is written to its `UserRecord`, which the report and the invariant check read.
 */
import { randomUUID } from 'node:crypto'
import { type Api, errorCode, type Hold, type Reply, type Seat, type TokenState } from '../client.ts'
import { sleep } from '../stack.ts'
import { buyPlaces } from './fan.ts'
import { type Fan, type FanMode, maxFactor } from './plan.ts'
import type { StreamPool } from './streams.ts'

export interface UserPlan {
  /** seats to try for in the first turn */
  wants: number
  /** refund the first payment at once, then line up again for one seat */
  refunds: boolean
  /** a fan of a rush on a seating plan: wants its group's places in one hold (`wants` is the group) */
  fan?: Fan
}

export interface UserRecord {
  id: string
  /** the concert whose line the user joins */
  concertId: number
  plan: UserPlan
  /** won charged with a 201 */
  charged: number
  /** won of every payment made with a 201 (or a 200 replay), refunded ones included */
  paid: number
  /** won given back by refunds */
  refunded: number
  /** the last payment made */
  paymentId: number | null
  /** payments refunded (status REFUNDED) */
  refundedPaymentIds: number[]
  reservationId: number | null
  /** seats bought and kept (paid, not refunded) */
  seats: number
  /** ms since the rush began (performance.now() based) */
  joinStart: number
  joinEnd: number
  /** position in the line in the answer to the join */
  joinPosition: number | null
  /** start of the last request answered WAITING: the user was surely still waiting after this */
  lastWaitingStart: number | null
  /** end of the first request answered ACTIVE: the user was surely admitted before this */
  firstActiveEnd: number | null
  /** turns seen ACTIVE: 2 for a user who refunded and was admitted again */
  turns: number
  /** a WAITING answer after an ACTIVE one, or a position that went up: both impossible in a fair line */
  anomalies: string[]
  ticketAt: number | null
  doneAt: number | null
  /**
   * sold-out: told by the line (SOLD_OUT) while waiting or joining; empty-map: admitted to dates with
   * nothing left, and left.
   */
  outcome: 'pending' | 'ticket' | 'sold-out' | 'empty-map' | 'refunded' | 'expired' | 'aborted' | 'failed'
  /** When the line told this user the concert had sold out (ms since the rush began). */
  soldOutAt: number | null
  polls: number
  /** State events heard on the user's event streams. */
  streamEvents: number
  /** Turns admitted to dates that had nothing left. */
  emptyMaps: number
  /**
   * Waits that a poll found ended (410): the turn may have been admitted and ended (sold out, expired)
   * between two polls, so the line counted an admission this user never saw.
   */
  endsUnseen: number
  /** How long each hold took (ms), as this user saw it. */
  holdMs: number[]
  holdConflicts: number
  /** 409 TICKET_LIMIT_REACHED answers (expected for a greedy user) */
  limitHits: number
  /** A fan's hold requests (each for its whole group), refused ones included. */
  holdRequests: number
  /** How a fan asked in its first hold request, and whether that request held the group. */
  firstHold: { mode: FanMode; ok: boolean } | null
}

export interface UserDeps {
  api: Api
  concertId: number
  price: number
  /** ms since the rush began */
  now(): number
  /** resolves when the line opens (pre-queue: everybody joins first, then admission starts) */
  lineOpen: Promise<void>
  /** true once the rush's time is up: the user stops where it is */
  aborted(): boolean
  countError(step: string, code: string): void
  /** Where waiting users listen (event streams over HTTP/2); absent: they poll. */
  streams?: StreamPool
}

/** A refunder told SOLD_OUT tries to line up again this many times, this far apart (a tick or more). */
const REJOINS_AFTER_REFUND = 3
const REJOIN_AFTER_MS = 1000

/** 5xx and network failures are retried this many times per step before the user gives up. */
const RETRIES = 20

export function newRecord(id: string, concertId = 0, plan: UserPlan = { wants: 1, refunds: false }): UserRecord {
  return {
    id,
    concertId,
    plan,
    charged: 0,
    paid: 0,
    refunded: 0,
    paymentId: null,
    refundedPaymentIds: [],
    reservationId: null,
    seats: 0,
    joinStart: 0,
    joinEnd: 0,
    joinPosition: null,
    lastWaitingStart: null,
    firstActiveEnd: null,
    turns: 0,
    anomalies: [],
    ticketAt: null,
    doneAt: null,
    outcome: 'pending',
    soldOutAt: null,
    polls: 0,
    streamEvents: 0,
    emptyMaps: 0,
    endsUnseen: 0,
    holdMs: [],
    holdConflicts: 0,
    limitHits: 0,
    holdRequests: 0,
    firstHold: null,
  }
}

export async function runUser(rec: UserRecord, deps: UserDeps): Promise<void> {
  try {
    rec.outcome = await journey(rec, deps)
  } catch (err) {
    rec.outcome = deps.aborted() ? 'aborted' : 'failed'
    deps.countError('journey', err instanceof Error ? err.message.slice(0, 80) : String(err))
  }
  rec.doneAt = deps.now()
}

type Step = UserRecord['outcome'] | 'active'

async function journey(rec: UserRecord, d: UserDeps): Promise<UserRecord['outcome']> {
  const chargeKey = randomUUID()
  const amount = d.price * rec.plan.wants * (rec.plan.fan ? maxFactor : 1)
  const charged = await call(d, 'charge', () => d.api.charge(rec.id, amount, chargeKey))
  if (charged.status !== 201) return 'failed'
  rec.charged += amount

  const first = await lineUp(rec, d, true)
  if (typeof first !== 'string' || first === 'active') return 'failed'
  if (first !== 'ticket') return first
  if (!rec.plan.refunds) return 'ticket'

  // Changed their mind: the whole payment back, then a new turn at the back of the line for one seat.
  const refund = await call(d, 'refund', () => d.api.refund(rec.id, rec.paymentId!, randomUUID()))
  if (refund.status !== 200) return 'failed'
  rec.refunded += refund.body.amount
  rec.refundedPaymentIds.push(refund.body.id)
  rec.seats = 0
  rec.ticketAt = null
  let second = await lineUp(rec, d, false)
  // A fan who has just returned a seat knows the concert has one again: told SOLD_OUT before the
  // line's next tick has read the refund (a refund reopens the line from that tick), they try again.
  for (let again = 0; second === 'sold-out' && again < REJOINS_AFTER_REFUND && !d.aborted(); again++) {
    rec.soldOutAt = null
    await sleep(REJOIN_AFTER_MS)
    second = await lineUp(rec, d, false)
  }
  return second === 'sold-out' || second === 'empty-map' ? 'refunded' : (second as UserRecord['outcome'])
}

/**
 * One turn: join, wait until ACTIVE, then buy. The first turn also records what the fairness and
 * admitted-once checks read (arrival, waiting and admission times, anomalies).
 */
async function lineUp(rec: UserRecord, d: UserDeps, firstTurn: boolean): Promise<Step> {
  const { api, concertId } = d
  const joinStart = d.now()
  if (firstTurn) rec.joinStart = joinStart
  const joined = await call(d, 'join', () => api.join(rec.id, concertId))
  if (firstTurn) rec.joinEnd = d.now()
  if (joined.status === 409 && errorCode(joined) === 'SOLD_OUT') return soldOut(rec, d)
  if (joined.status !== 201 && joined.status !== 200) return 'failed'
  const token = joined.body.token
  if (firstTurn) rec.joinPosition = joined.body.position
  if (joined.body.status === 'WAITING') {
    if (firstTurn) rec.lastWaitingStart = rec.joinStart
    const waited = d.streams ? await listen(rec, d, token, firstTurn, d.streams) : await poll(rec, d, token, firstTurn, joined.body)
    if (waited !== 'active') return waited
  } else if (firstTurn) {
    rec.firstActiveEnd = rec.joinEnd
  }
  rec.turns++
  if (rec.plan.fan) return buyPlaces(rec, d, token, rec.plan.fan)
  return buy(rec, d, token, firstTurn ? rec.plan.wants : 1)
}

function soldOut(rec: UserRecord, d: UserDeps): 'sold-out' {
  rec.soldOutAt ??= d.now()
  return 'sold-out'
}

/** Waits for ACTIVE by polling as `pollAfterMs` says. */
async function poll(rec: UserRecord, d: UserDeps, token: string, firstTurn: boolean, first: TokenState): Promise<Step> {
  let state = first
  let lastPosition = state.position ?? 0
  await d.lineOpen
  for (;;) {
    if (d.aborted()) return 'aborted'
    await sleep(state.pollAfterMs)
    const start = d.now()
    const polled = await call(d, 'poll', () => d.api.tokenState(rec.id, d.concertId, token))
    rec.polls++
    if (polled.status === 410) return endedUnseen(rec, d, polled)
    if (polled.status !== 200) return 'failed'
    state = polled.body
    if (state.status === 'ACTIVE') {
      if (firstTurn) rec.firstActiveEnd = d.now()
      return 'active'
    }
    if (firstTurn) rec.lastWaitingStart = start
    if (state.position !== null && state.position > lastPosition) {
      rec.anomalies.push(`position went up from ${lastPosition} to ${state.position}`)
    }
    lastPosition = state.position ?? lastPosition
  }
}

/**
 * Waits for ACTIVE on the token's event stream, as the page does. The stream's first event answers
 * its request, so the user was surely waiting when that request started; later events prove less
 * about when they were sent, so only ACTIVE's arrival counts for the fairness check. A stream that
 * cannot be had falls back to polling.
 */
async function listen(rec: UserRecord, d: UserDeps, token: string, firstTurn: boolean, streams: StreamPool): Promise<Step> {
  const path = `/api/queues/${d.concertId}/tokens/current/events?token=${encodeURIComponent(token)}`
  let lastPosition = Number.POSITIVE_INFINITY
  let outcome: Step | null = null
  let done: (step: Step) => void = () => {}
  const finished = new Promise<Step>((resolve) => {
    done = resolve
  })
  const start = d.now()
  const stream = streams.listen(path, { 'x-user-id': rec.id }, ({ event, data }) => {
    if (outcome) return
    if (event === 'end') {
      outcome = (data as { reason?: string }).reason === 'SOLD_OUT' ? soldOut(rec, d) : 'expired'
      done(outcome)
      return
    }
    if (event !== 'state') return
    rec.streamEvents++
    const state = data as TokenState
    if (state.status === 'ACTIVE') {
      if (firstTurn) rec.firstActiveEnd = d.now()
      outcome = 'active'
      done(outcome)
      return
    }
    if (state.position !== null && state.position > lastPosition) rec.anomalies.push(`position went up from ${lastPosition} to ${state.position}`)
    if (state.position !== null) lastPosition = state.position
  })
  const status = await stream.status
  if (status !== 200) {
    stream.close()
    d.countError('listen', String(status))
    const polled = await call(d, 'poll', () => d.api.tokenState(rec.id, d.concertId, token))
    if (polled.status === 410) return endedUnseen(rec, d, polled)
    if (polled.status !== 200) return 'failed'
    return poll(rec, d, token, firstTurn, polled.body)
  }
  if (firstTurn) rec.lastWaitingStart = start
  const dropped = stream.closed.then((): Step => outcome ?? 'failed')
  const abort = (async (): Promise<Step> => {
    while (!d.aborted() && !outcome) await sleep(1000)
    return outcome ?? 'aborted'
  })()
  const step = await Promise.race([finished, dropped, abort])
  stream.close()
  if (step === 'failed' && !outcome) {
    // The stream dropped: ask where the place stands, and go on polling.
    d.countError('listen', 'closed')
    const polled = await call(d, 'poll', () => d.api.tokenState(rec.id, d.concertId, token))
    if (polled.status === 410) return endedUnseen(rec, d, polled)
    if (polled.status !== 200) return 'failed'
    if (polled.body.status === 'ACTIVE') {
      if (firstTurn) rec.firstActiveEnd = d.now()
      return 'active'
    }
    return poll(rec, d, token, firstTurn, polled.body)
  }
  return step
}

/** A poll's 410 while waiting: the turn may have come and gone between two polls. */
function endedUnseen(rec: UserRecord, d: UserDeps, reply: Reply): 'sold-out' | 'expired' {
  rec.endsUnseen++
  return ended(rec, d, reply)
}

/** A 410: the turn ended, because the concert sold out or otherwise. */
export function ended(rec: UserRecord, d: UserDeps, reply: Reply): 'sold-out' | 'expired' {
  return (reply.body as { reason?: string } | null)?.reason === 'SOLD_OUT' ? soldOut(rec, d) : 'expired'
}

/**
 * Active: find seats, hold them, pay. A 409 SEAT_UNAVAILABLE means someone was faster: try another
 * seat. TICKET_LIMIT_REACHED means no more for this user: pay what is held.
 */
async function buy(rec: UserRecord, d: UserDeps, token: string, wants: number): Promise<Step> {
  const { api, concertId } = d
  const held: Hold[] = []
  for (let round = 0; round < 50; round++) {
    if (d.aborted()) return 'aborted'
    let limited = false
    if (held.length < wants) {
      const schedules = await call(d, 'schedules', () => api.schedules(rec.id, concertId, token))
      if (schedules.status === 410) return ended(rec, d, schedules)
      if (schedules.status !== 200) return 'failed'
      const open = schedules.body.filter((s) => s.availableSeats > 0)
      if (open.length === 0 && held.length === 0) {
        rec.emptyMaps++
        await call(d, 'leave', () => api.leave(rec.id, concertId, token))
        return 'empty-map'
      }
      const schedule = open[Math.floor(Math.random() * open.length)]
      if (schedule) {
        const seats = await call(d, 'seats', () => api.seats(rec.id, concertId, schedule.id, token))
        if (seats.status === 410) return ended(rec, d, seats)
        if (seats.status !== 200) return 'failed'
        const free = shuffle(seats.body.filter((s: Seat) => s.status === 'AVAILABLE')).slice(0, 5)
        for (const seat of free) {
          if (held.length >= wants) break
          const holdStart = d.now()
          const hold = await call(d, 'hold', () => api.hold(rec.id, concertId, token, schedule.id, seat.seatNumber))
          rec.holdMs.push(d.now() - holdStart)
          if (hold.status === 409 && errorCode(hold) === 'SEAT_UNAVAILABLE') {
            rec.holdConflicts++
            continue
          }
          if (hold.status === 409 && errorCode(hold) === 'TICKET_LIMIT_REACHED') {
            rec.limitHits++
            limited = true
            break
          }
          if (hold.status === 410) return ended(rec, d, hold)
          if (hold.status !== 201) return 'failed'
          held.push(hold.body)
          rec.reservationId = hold.body.id
        }
      }
      // Nothing held yet and no seat taken this round: look again.
      if (held.length < wants && !limited && open.length > 0) continue
    }
    if (held.length === 0) continue
    const payKey = randomUUID()
    const ids = held.map((h) => h.id)
    const paid = await call(d, 'pay', () => api.pay(rec.id, concertId, token, ids, payKey))
    if (paid.status === 201 || paid.status === 200) return ticket(rec, d, paid.body, ids.length)
    if (paid.status === 409 && errorCode(paid) === 'HOLD_EXPIRED') {
      held.length = 0
      continue
    }
    return 'failed'
  }
  return 'failed'
}

/**
 * Makes one call, counting every non-2xx by step and code. 429 waits as `Retry-After` says; a 5xx or
 * a network failure is retried after a short pause (a real client would); any other answer returns.
 */
/** A payment answered: the user's ticket, counted on its record. */
export function ticket(rec: UserRecord, d: UserDeps, payment: { amount: number; id: number }, places: number): 'ticket' {
  rec.paid += payment.amount
  rec.paymentId = payment.id
  rec.seats += places
  rec.ticketAt = d.now()
  return 'ticket'
}

export async function call<T>(d: UserDeps, step: string, fn: () => Promise<Reply<T>>): Promise<Reply<T>> {
  for (let attempt = 0; ; attempt++) {
    let reply: Reply<T>
    try {
      reply = await fn()
    } catch (err) {
      d.countError(step, (err as { code?: string }).code ?? 'NETWORK')
      if (attempt >= RETRIES || d.aborted()) throw err
      await sleep(500)
      continue
    }
    if (reply.status < 300) return reply
    const code = errorCode(reply)
    // Hold conflicts and the ticket limit are the normal way a rush goes; they are counted apart from errors.
    if (!(step === 'hold' && (code === 'SEAT_UNAVAILABLE' || code === 'TICKET_LIMIT_REACHED' || code === 'NOT_ENOUGH_SEATS'))) d.countError(step, code)
    if ((reply.status === 429 || reply.status >= 500) && attempt < RETRIES && !d.aborted()) {
      await sleep(reply.status === 429 ? retryAfterMs(reply) : 500)
      continue
    }
    return reply
  }
}

function retryAfterMs(reply: Reply): number {
  return Math.max(200, (Number.isFinite(reply.retryAfter) ? (reply.retryAfter as number) : 1) * 1000)
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j] as T, items[i] as T]
  }
  return items
}

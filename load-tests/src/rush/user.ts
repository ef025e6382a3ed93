/**
 * One virtual user of the rush, an async task: charge a balance, join the line, poll as `pollAfterMs`
 * says, and once ACTIVE read the dates and seats, hold a free seat (another after a 409), pay.
 * Everything it saw is written to its `UserRecord`, which the report and the invariant check read.
 */
import { randomUUID } from 'node:crypto'
import { type Api, errorCode, type Reply, type Seat } from '../client.ts'
import { sleep } from '../stack.ts'

export interface UserRecord {
  id: string
  /** the concert whose line the user joins */
  concertId: number
  /** won charged with a 201 */
  charged: number
  /** won paid with a 201 (or a 200 replay) */
  paid: number
  paymentId: number | null
  reservationId: number | null
  /** ms since the rush began (performance.now() based) */
  joinStart: number
  joinEnd: number
  /** position in the line in the answer to the join */
  joinPosition: number | null
  /** start of the last request answered WAITING: the user was surely still waiting after this */
  lastWaitingStart: number | null
  /** end of the first request answered ACTIVE: the user was surely admitted before this */
  firstActiveEnd: number | null
  /** a WAITING answer after an ACTIVE one, or a position that went up: both impossible in a fair line */
  anomalies: string[]
  ticketAt: number | null
  doneAt: number | null
  outcome: 'pending' | 'ticket' | 'sold-out' | 'expired' | 'aborted' | 'failed'
  polls: number
  holdConflicts: number
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
}

/** 5xx and network failures are retried this many times per step before the user gives up. */
const RETRIES = 20

export function newRecord(id: string, concertId = 0): UserRecord {
  return {
    id,
    concertId,
    charged: 0,
    paid: 0,
    paymentId: null,
    reservationId: null,
    joinStart: 0,
    joinEnd: 0,
    joinPosition: null,
    lastWaitingStart: null,
    firstActiveEnd: null,
    anomalies: [],
    ticketAt: null,
    doneAt: null,
    outcome: 'pending',
    polls: 0,
    holdConflicts: 0,
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

async function journey(rec: UserRecord, d: UserDeps): Promise<UserRecord['outcome']> {
  const { api, concertId } = d
  const chargeKey = randomUUID()
  const charged = await call(d, 'charge', () => api.charge(rec.id, d.price, chargeKey))
  if (charged.status !== 201) return 'failed'
  rec.charged += d.price

  rec.joinStart = d.now()
  const joined = await call(d, 'join', () => api.join(rec.id, concertId))
  rec.joinEnd = d.now()
  if (joined.status !== 201 && joined.status !== 200) return 'failed'
  const token = joined.body.token
  rec.joinPosition = joined.body.position
  let state = joined.body
  let lastPosition = state.position ?? 0

  if (state.status === 'WAITING') {
    rec.lastWaitingStart = rec.joinStart
    await d.lineOpen
    for (;;) {
      if (d.aborted()) return 'aborted'
      await sleep(state.pollAfterMs)
      const start = d.now()
      const polled = await call(d, 'poll', () => api.tokenState(rec.id, concertId, token))
      rec.polls++
      if (polled.status === 410) return 'expired'
      if (polled.status !== 200) return 'failed'
      state = polled.body
      if (state.status === 'ACTIVE') {
        rec.firstActiveEnd = d.now()
        break
      }
      rec.lastWaitingStart = start
      if (state.position !== null && state.position > lastPosition) {
        rec.anomalies.push(`position went up from ${lastPosition} to ${state.position}`)
      }
      lastPosition = state.position ?? lastPosition
    }
  } else {
    rec.firstActiveEnd = rec.joinEnd
  }

  // Active: find a seat, hold it, pay. A 409 on a hold means someone was faster; try another seat.
  for (let round = 0; round < 50; round++) {
    if (d.aborted()) return 'aborted'
    const schedules = await call(d, 'schedules', () => api.schedules(rec.id, concertId, token))
    if (schedules.status === 410) return 'expired'
    if (schedules.status !== 200) return 'failed'
    const open = schedules.body.filter((s) => s.availableSeats > 0)
    if (open.length === 0) {
      await call(d, 'leave', () => api.leave(rec.id, concertId, token))
      return 'sold-out'
    }
    const schedule = open[Math.floor(Math.random() * open.length)]!
    const seats = await call(d, 'seats', () => api.seats(rec.id, concertId, schedule.id, token))
    if (seats.status === 410) return 'expired'
    if (seats.status !== 200) return 'failed'
    const free = shuffle(seats.body.filter((s: Seat) => s.status === 'AVAILABLE')).slice(0, 5)
    for (const seat of free) {
      const held = await call(d, 'hold', () => api.hold(rec.id, concertId, token, schedule.id, seat.seatNumber))
      if (held.status === 409 && errorCode(held) === 'SEAT_UNAVAILABLE') {
        rec.holdConflicts++
        continue
      }
      if (held.status === 410) return 'expired'
      if (held.status !== 201) return 'failed'
      rec.reservationId = held.body.id
      const payKey = randomUUID()
      const paid = await call(d, 'pay', () => api.pay(rec.id, concertId, token, [held.body.id], payKey))
      if (paid.status === 201 || paid.status === 200) {
        rec.paid += paid.body.amount
        rec.paymentId = paid.body.id
        rec.ticketAt = d.now()
        return 'ticket'
      }
      if (paid.status === 409 && errorCode(paid) === 'HOLD_EXPIRED') break
      return 'failed'
    }
  }
  return 'failed'
}

/**
 * Makes one call, counting every non-2xx by step and code. 429 waits as `Retry-After` says; a 5xx or
 * a network failure is retried after a short pause (a real client would); any other answer returns.
 */
async function call<T>(d: UserDeps, step: string, fn: () => Promise<Reply<T>>): Promise<Reply<T>> {
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
    // A hold conflict is the normal way a rush goes; it is counted apart from errors.
    if (!(step === 'hold' && code === 'SEAT_UNAVAILABLE')) d.countError(step, code)
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

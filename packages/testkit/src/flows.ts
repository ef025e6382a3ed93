/** The user journeys of the contract, as short helpers over HTTP; each throws when a step is refused. */
import { setTimeout as sleep } from 'node:timers/promises'
import type { CreatedConcert as Created } from '@rushgate/shared'
import { type Answer, admin, as, call, type Target } from './http.ts'

function expectStatus(answer: Answer, ok: number[], what: string): Answer {
  if (!ok.includes(answer.status)) throw new Error(`${what}: expected ${ok.join('/')}, got ${answer.status} ${answer.text}`)
  return answer
}

export interface ConcertSpec {
  title?: string
  venue?: string
  schedules?: { startsAt?: string; seats?: number; price?: number }[]
}

/** The contract's answer, and for short: the first date's id and every date's. */
export interface CreatedConcert extends Created {
  scheduleId: number
  scheduleIds: number[]
}

/**
 * Creates a concert through the admin route of a gateway (a URL: the admin token) or of a core (its
 * internal credential). Default: one date on 2030-01-01 (the next ones a day apart), 10 seats at 1000.
 */
export async function createConcert(target: Target, spec?: ConcertSpec): Promise<CreatedConcert>
export async function createConcert(target: Target, seats?: number, price?: number, schedules?: number): Promise<CreatedConcert>
export async function createConcert(target: Target, specOrSeats: ConcertSpec | number = {}, price?: number, count = 1): Promise<CreatedConcert> {
  const spec: ConcertSpec =
    typeof specOrSeats === 'number' ? { schedules: Array.from({ length: count }, () => ({ seats: specOrSeats, price })) } : specOrSeats
  const body = {
    title: spec.title ?? 'Test concert',
    venue: spec.venue ?? 'Test hall',
    schedules: (spec.schedules ?? [{}]).map((s, i) => ({
      startsAt: s.startsAt ?? new Date(Date.UTC(2030, 0, 1 + i, 19)).toISOString(),
      seats: s.seats ?? 10,
      price: s.price ?? 1000,
    })),
  }
  const headers = typeof target === 'string' ? admin : {}
  const created = expectStatus(await call(target, 'POST', '/api/admin/concerts', { headers, body }), [201], 'create concert').body
  const scheduleIds = created.schedules.map((s: { id: number }) => s.id)
  return { ...created, scheduleId: scheduleIds[0], scheduleIds }
}

export async function setQueue(gateway: string, concertId: number, settings: Record<string, unknown>): Promise<Answer> {
  return expectStatus(
    await call(gateway, 'PATCH', `/api/admin/queues/${concertId}`, { headers: admin, body: settings }),
    [200],
    'patch queue settings',
  )
}

export async function queueStats(gateway: string, concertId: number): Promise<Answer> {
  return expectStatus(await call(gateway, 'GET', `/api/admin/queues/${concertId}`, { headers: admin }), [200], 'queue stats')
}

export async function charge(gateway: string, user: string, amount: number): Promise<Answer> {
  return expectStatus(
    await call(gateway, 'POST', '/api/users/me/balance/charges', { headers: as(user), body: { amount } }),
    [201],
    `charge ${user}`,
  )
}

export async function balance(gateway: string, user: string): Promise<number> {
  return expectStatus(await call(gateway, 'GET', '/api/users/me/balance', { headers: as(user) }), [200], 'balance').body.balance
}

/** Enters the line; the answer as it is. */
export function enter(gateway: string, concertId: number, user: string): Promise<Answer> {
  return call(gateway, 'POST', `/api/queues/${concertId}/tokens`, { headers: as(user) })
}

/** Enters the line; the queue token. */
export async function enterToken(gateway: string, concertId: number, user: string): Promise<string> {
  return expectStatus(await enter(gateway, concertId, user), [200, 201], `enter ${user}`).body.token
}

export function tokenState(gateway: string, concertId: number, user: string, token: string): Promise<Answer> {
  return call(gateway, 'GET', `/api/queues/${concertId}/tokens/current`, { headers: as(user, token) })
}

/** Polls until the token is ACTIVE; throws after `timeoutMs`. */
export async function waitActive(gateway: string, concertId: number, user: string, token: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await tokenState(gateway, concertId, user, token)
    if (res.status === 200 && res.body.status === 'ACTIVE') return
    if (Date.now() > deadline) throw new Error(`${user} not active after ${timeoutMs} ms: ${res.status} ${res.text}`)
    await sleep(50)
  }
}

/** Enters the line and waits to be admitted: the token a user needs for seats and payments. */
export async function activeToken(gateway: string, concertId: number, user: string): Promise<string> {
  const token = await enterToken(gateway, concertId, user)
  await waitActive(gateway, concertId, user, token)
  return token
}

export function hold(gateway: string, concertId: number, user: string, token: string, scheduleId: number, seatNumber: number): Promise<Answer> {
  return call(gateway, 'POST', `/api/concerts/${concertId}/reservations`, { headers: as(user, token), body: { scheduleId, seatNumber } })
}

export function pay(gateway: string, concertId: number, user: string, token: string, reservationIds: number[], idempotencyKey?: string): Promise<Answer> {
  const headers: Record<string, string> = as(user, token)
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey
  return call(gateway, 'POST', `/api/concerts/${concertId}/payments`, { headers, body: { reservationIds } })
}

export async function seats(gateway: string, concertId: number, scheduleId: number, user: string, token: string): Promise<{ seatNumber: number; status: string }[]> {
  const res = await call(gateway, 'GET', `/api/concerts/${concertId}/schedules/${scheduleId}/seats`, { headers: as(user, token) })
  return expectStatus(res, [200], 'seats').body
}

/** The user journeys of the contract, as short helpers over HTTP. */
import { setTimeout as sleep } from 'node:timers/promises'
import { type Answer, as, call } from './http.ts'
import { ADMIN_TOKEN } from './stack.ts'

export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

export interface Concert {
  id: number
  scheduleIds: number[]
}

function expectStatus(answer: Answer, ok: number[], what: string): Answer {
  if (!ok.includes(answer.status)) throw new Error(`${what}: expected ${ok.join('/')}, got ${answer.status} ${answer.text}`)
  return answer
}

export async function createConcert(gateway: string, seats = 10, price = 1000, schedules = 1): Promise<Concert> {
  const body = {
    title: 'System test concert',
    venue: 'Loopback Hall',
    schedules: Array.from({ length: schedules }, (_, i) => ({
      startsAt: new Date(Date.UTC(2027, 0, 1 + i, 19)).toISOString(),
      seats,
      price,
    })),
  }
  const res = expectStatus(await call(gateway, 'POST', '/api/admin/concerts', { headers: admin, body }), [201], 'create concert')
  return { id: res.body.id, scheduleIds: res.body.schedules.map((s: { id: number }) => s.id) }
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

export async function enter(gateway: string, concertId: number, user: string): Promise<string> {
  const res = expectStatus(await call(gateway, 'POST', `/api/queues/${concertId}/tokens`, { headers: as(user) }), [200, 201], `enter ${user}`)
  return res.body.token
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
  const token = await enter(gateway, concertId, user)
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

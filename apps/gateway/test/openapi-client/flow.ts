/**
 * The README's flow through a client generated from the served OpenAPI document
 * (openapi-typescript's types, openapi-fetch's calls), with no cast: an operator creates a concert,
 * a fan joins its line, waits for the turn, reads the dates and the seats, holds one, charges the
 * balance and pays. `generated.ts` is written by test/openapi-client.test.ts (git ignores it), which
 * type-checks this file against it before running it.
 */
import createClient from 'openapi-fetch'
import type { paths } from './generated.ts'

export interface FlowResult {
  joinedAs: string
  turn: string
  seatNumber: number
  paymentStatus: number
  balanceLeft: number
  tokenAfterPayment: number
}

export async function readmeFlow(baseUrl: string, adminToken: string, user: string): Promise<FlowResult> {
  const operator = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${adminToken}` } })
  const fan = createClient<paths>({ baseUrl, headers: { 'x-user-id': user } })

  const created = await operator.POST('/api/admin/concerts', {
    body: { title: 'Generated client', venue: 'Test hall', schedules: [{ startsAt: '2030-01-01T19:00:00Z', seats: 10, price: 1000 }] },
  })
  if (!created.data) throw new Error(`createConcert: ${created.response.status}`)
  const concertId = created.data.id

  const joined = await fan.POST('/api/queues/{concertId}/tokens', { params: { path: { concertId } } })
  if (!joined.data) throw new Error(`joinQueue: ${joined.response.status}`)
  const token = joined.data.token
  const withToken = { header: { 'x-queue-token': token }, path: { concertId } }

  let turn: string = joined.data.status
  for (let polls = 0; turn !== 'ACTIVE'; polls++) {
    if (polls > 100) throw new Error(`still ${turn} after ${polls} polls`)
    const status = await fan.GET('/api/queues/{concertId}/tokens/current', { params: withToken })
    if (!status.data) throw new Error(`getQueueStatus: ${status.response.status}`)
    turn = status.data.status
    if (turn !== 'ACTIVE') await new Promise((resolve) => setTimeout(resolve, Math.min(status.data.pollAfterMs, 200)))
  }

  const schedules = await fan.GET('/api/concerts/{concertId}/schedules', { params: withToken })
  const scheduleId = schedules.data?.[0]?.id
  if (scheduleId === undefined) throw new Error(`listSchedules: ${schedules.response.status}`)
  const seats = await fan.GET('/api/concerts/{concertId}/schedules/{scheduleId}/seats', {
    params: { header: withToken.header, path: { concertId, scheduleId } },
  })
  const seat = seats.data?.find((s) => s.status === 'AVAILABLE')
  if (!seat) throw new Error(`getScheduleSeats: ${seats.response.status}`)

  const held = await fan.POST('/api/concerts/{concertId}/reservations', { params: withToken, body: { scheduleId, seatNumber: seat.seatNumber } })
  if (!held.data) throw new Error(`holdSeat: ${held.response.status}`)
  const charged = await fan.POST('/api/users/me/balance/charges', {
    params: { header: { 'idempotency-key': `charge-${user}` } },
    body: { amount: 5000 },
  })
  if (!charged.data) throw new Error(`chargeBalance: ${charged.response.status}`)
  const paid = await fan.POST('/api/concerts/{concertId}/payments', {
    params: { header: { ...withToken.header, 'idempotency-key': `pay-${user}` }, path: { concertId } },
    body: { reservationIds: [held.data.id] },
  })
  if (!paid.data) throw new Error(`payReservations: ${paid.response.status}`)

  const balance = await fan.GET('/api/users/me/balance')
  if (!balance.data) throw new Error(`getBalance: ${balance.response.status}`)
  const after = await fan.GET('/api/queues/{concertId}/tokens/current', { params: withToken })
  return {
    joinedAs: joined.data.status,
    turn,
    seatNumber: seat.seatNumber,
    paymentStatus: paid.response.status,
    balanceLeft: balance.data.balance,
    tokenAfterPayment: after.response.status,
  }
}

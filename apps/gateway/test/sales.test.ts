/**
 * The sales rules through the gateway: the ticket limit under one user's parallel holds on two
 * gateways, hold extensions carrying the token's activeUntil, refunds with identity only, and the
 * administration of limits and sales behind the admin token.
 */
import { coreEntry } from '@rushgate/core/entry-points'
import t from 'tap'
import { activeToken, admin, as, call, createConcert, deletePrefix, randomPrefix, setQueue, startCore, type StartedGateway, startGateway, testRedis, tokenState } from '@rushgate/testkit'
import { gatewayEntry } from '../entry-points.ts'

const core = await startCore(coreEntry, { env: { MAX_HOLDS_PER_USER: '10' } })
t.teardown(() => core.close())
const prefix = randomPrefix()
const redis = testRedis()
const start = () =>
  startGateway(gatewayEntry, { coreUrl: core.url, internalToken: core.internalToken, prefix, env: { ADMIT_INTERVAL_MS: '100', ADMIT_BATCH: '100' } })
const gateways: StartedGateway[] = [await start(), await start()]
t.teardown(async () => {
  await Promise.all(gateways.map((g) => g.close()))
  await deletePrefix(redis, prefix)
  redis.disconnect()
})
const [a, b] = gateways as [StartedGateway, StartedGateway]

t.test('when one user fires 12 holds at once across two gateways under a limit of 3, then exactly 3 are held', async (t) => {
  const concert = await createConcert(a.url, 20, 1000)
  const limited = await call(b.url, 'PATCH', `/api/admin/concerts/${concert.id}`, { headers: admin, body: { maxTicketsPerUser: 3 } })
  t.equal(limited.status, 200)
  t.match(limited.body, { id: concert.id, maxTicketsPerUser: 3, schedules: 1 })
  const token = await activeToken(a.url, concert.id, 'greedy')
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      call(gateways[i % 2]!.url, 'POST', `/api/concerts/${concert.id}/reservations`, {
        headers: as('greedy', token),
        body: { scheduleId: concert.scheduleId, seatNumber: i + 1 },
      }),
    ),
  )
  t.equal(answers.filter((r) => r.status === 201).length, 3)
  const refused = answers.filter((r) => r.status === 409)
  t.equal(refused.length, 9)
  t.ok(refused.every((r) => r.body.code === 'TICKET_LIMIT_REACHED' && r.body.limit === 3), '409 TICKET_LIMIT_REACHED with the limit')

  // Paying and lining up again does not buy more.
  await call(a.url, 'POST', '/api/users/me/balance/charges', { headers: as('greedy'), body: { amount: 10_000 } })
  const ids = answers.filter((r) => r.status === 201).map((r) => r.body.id)
  t.equal((await call(b.url, 'POST', `/api/concerts/${concert.id}/payments`, { headers: as('greedy', token), body: { reservationIds: ids } })).status, 201)
  const next = await activeToken(b.url, concert.id, 'greedy')
  const more = await call(a.url, 'POST', `/api/concerts/${concert.id}/reservations`, {
    headers: as('greedy', next),
    body: { scheduleId: concert.scheduleId, seatNumber: 20 },
  })
  t.match(more, { status: 409, body: { code: 'TICKET_LIMIT_REACHED', limit: 3 } })

  const sales = await call(a.url, 'GET', `/api/admin/concerts/${concert.id}/sales`, { headers: admin })
  t.match(sales.body, { concertId: concert.id, maxTicketsPerUser: 3, payments: 1, refunds: 0, revenue: 3000 })
  t.match(sales.body.schedules, [{ id: concert.scheduleId, totalSeats: 20, sold: 3, held: 0, available: 17, revenue: 3000 }])
})

t.test('the administration of limits and sales needs the admin token and validates its input', async (t) => {
  const concert = await createConcert(a.url, 2, 1000)
  t.match(await call(a.url, 'PATCH', `/api/admin/concerts/${concert.id}`, { body: { maxTicketsPerUser: 1 } }), {
    status: 401,
    body: { code: 'UNAUTHENTICATED' },
  })
  t.match(await call(a.url, 'GET', `/api/admin/concerts/${concert.id}/sales`, { headers: as('alice') }), { status: 401 })
  const bad = await call(a.url, 'PATCH', `/api/admin/concerts/${concert.id}`, { headers: admin, body: { maxTicketsPerUser: 101 } })
  t.match(bad, { status: 400, body: { code: 'VALIDATION_ERROR', message: /maxTicketsPerUser/ } })
  t.match(await call(a.url, 'PATCH', '/api/admin/concerts/424242', { headers: admin, body: { maxTicketsPerUser: null } }), {
    status: 404,
    body: { code: 'CONCERT_NOT_FOUND' },
  })
  t.match(await call(a.url, 'GET', '/api/admin/concerts/424242/sales', { headers: admin }), { status: 404, body: { code: 'CONCERT_NOT_FOUND' } })
})

t.test('an extension is gated like a hold and never passes the token’s activeUntil', async (t) => {
  const concert = await createConcert(a.url, 5, 1000)
  await setQueue(a.url, concert.id, { activeTtlSeconds: 60 })
  const token = await activeToken(a.url, concert.id, 'slow')
  const activeUntil = (await tokenState(a.url, concert.id, 'slow', token)).body.activeUntil
  const held = await call(a.url, 'POST', `/api/concerts/${concert.id}/reservations`, {
    headers: as('slow', token),
    body: { scheduleId: concert.scheduleId, seatNumber: 1 },
  })
  t.equal(held.body.expiresAt, activeUntil, 'a 300 s hold with a 60 s turn ends with the turn')
  const path = `/api/concerts/${concert.id}/reservations/${held.body.id}/extension`
  t.match(await call(b.url, 'POST', path, { headers: as('slow') }), { status: 401, body: { code: 'QUEUE_TOKEN_MISSING' } })
  const extended = await call(b.url, 'POST', path, { headers: as('slow', token) })
  t.equal(extended.status, 200)
  t.equal(extended.body.expiresAt, activeUntil, 'never past the token’s activeUntil')
  t.match(await call(b.url, 'POST', `/api/concerts/${concert.id}/reservations/999999/extension`, { headers: as('slow', token) }), {
    status: 404,
    body: { code: 'RESERVATION_NOT_FOUND' },
  })
})

t.test('a refund needs identity only, keeps its Idempotency-Key answer, and 404s for someone else', async (t) => {
  const concert = await createConcert(a.url, 3, 2500)
  const token = await activeToken(a.url, concert.id, 'returner')
  await call(a.url, 'POST', '/api/users/me/balance/charges', { headers: as('returner'), body: { amount: 5000 } })
  const held = await call(a.url, 'POST', `/api/concerts/${concert.id}/reservations`, {
    headers: as('returner', token),
    body: { scheduleId: concert.scheduleId, seatNumber: 1 },
  })
  const paid = await call(a.url, 'POST', `/api/concerts/${concert.id}/payments`, { headers: as('returner', token), body: { reservationIds: [held.body.id] } })
  t.equal(paid.status, 201)
  const path = `/api/users/me/payments/${paid.body.id}/refund`
  t.match(await call(a.url, 'POST', path), { status: 401, body: { code: 'UNAUTHENTICATED' } })
  t.match(await call(a.url, 'POST', path, { headers: as('thief') }), { status: 404, body: { code: 'PAYMENT_NOT_FOUND' } })
  t.match(await call(a.url, 'POST', '/api/users/me/payments/abc/refund', { headers: as('returner') }), { status: 400, body: { message: /paymentId/ } })
  const key = { ...as('returner'), 'idempotency-key': 'refund-1' }
  const [one, two] = await Promise.all([call(a.url, 'POST', path, { headers: key }), call(b.url, 'POST', path, { headers: key })])
  t.equal(one.status, 200)
  t.same(two, { ...two, status: 200, body: one.body }, 'the same answer on both gateways')
  t.match(one.body, { id: paid.body.id, amount: 2500, balance: 5000 })
  t.match(await call(b.url, 'POST', path, { headers: as('returner') }), { status: 409, body: { code: 'PAYMENT_REFUNDED' } })
  const history = await call(b.url, 'GET', '/api/users/me/payments', { headers: as('returner') })
  t.match(history.body, [{ id: paid.body.id, status: 'REFUNDED', refundedAt: one.body.refundedAt }])
  const reservations = await call(b.url, 'GET', '/api/users/me/reservations', { headers: as('returner') })
  t.match(reservations.body, [{ id: held.body.id, status: 'REFUNDED' }])
})

t.test('the OpenAPI document describes the new routes', async (t) => {
  const doc = (await call(a.url, 'GET', '/docs/json')).body
  for (const [path, method] of [
    ['/api/concerts/{concertId}/reservations/{reservationId}/extension', 'post'],
    ['/api/users/me/payments/{paymentId}/refund', 'post'],
    ['/api/admin/concerts/{concertId}', 'patch'],
    ['/api/admin/concerts/{concertId}/sales', 'get'],
  ] as const) {
    const op = doc.paths[path]?.[method]
    t.ok(op?.summary, `${method.toUpperCase()} ${path} has a summary`)
    t.ok(op?.tags?.length, `${method.toUpperCase()} ${path} has a tag`)
  }
  t.ok(doc.paths['/api/concerts/{concertId}/schedules/{scheduleId}/seats'].get.responses['304'], 'seat maps document their 304')
})
